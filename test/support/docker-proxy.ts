// A fault-injection proxy between one worker and the Docker Engine's unix socket: it relays bytes both
// ways untouched until it is frozen, and then holds everything in either direction (every call in
// flight and every new one) until it is thawed. To the worker, that is an engine that stopped
// answering: its heartbeat and lease renewals (PostgreSQL) go on while no Docker call returns.
import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

export class DockerProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private frozen = false;
  /** What arrived while frozen, in order, to be passed on at the thaw. */
  private held: Array<() => void> = [];

  constructor(
    /** The socket the worker is given: DOCKER_HOST=unix://<socketPath>. */
    readonly socketPath: string,
    private readonly engineSocket = '/var/run/docker.sock',
  ) {
    this.server = createServer((client) => this.relay(client));
  }

  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  async start(): Promise<void> {
    rmSync(this.socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => resolve());
    });
  }

  /** From now on nothing passes, in either direction, until `thaw`. */
  freeze(): void {
    this.frozen = true;
  }

  /** Passes on everything held, in the order it arrived, and relays as before. */
  thaw(): void {
    this.frozen = false;
    for (const pass of this.held.splice(0)) pass();
  }

  async stop(): Promise<void> {
    this.thaw();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const engine = connect(this.engineSocket);
    for (const socket of [client, engine]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    this.forward(client, engine);
    this.forward(engine, client);
  }

  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk) => this.pass(() => to.write(chunk)));
    from.on('end', () => this.pass(() => to.end()));
    from.on('close', (hadError) => (hadError ? this.pass(() => to.destroy()) : undefined));
  }

  private pass(action: () => void): void {
    if (this.frozen) this.held.push(action);
    else action();
  }
}
