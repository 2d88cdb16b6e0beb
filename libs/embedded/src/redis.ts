import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { findFreePort } from './free-port';
import { type EmbeddedService, ServiceProcess, type StackLog } from './service-process';

export interface EmbeddedRedisOptions {
  home: string;
  log?: StackLog;
  /** The `redis-server` executable, found on PATH by default. */
  command?: string;
}

/**
 * A `redis-server` of this stack's own. Redis is only the live path (event fan-out), so nothing is
 * persisted: no RDB snapshots, no append-only file.
 */
export class EmbeddedRedisServer implements EmbeddedService {
  readonly name = 'redis';
  private currentPort?: number;
  private readonly process: ServiceProcess;
  private readonly dir: string;

  constructor(private readonly options: EmbeddedRedisOptions) {
    const home = resolve(options.home);
    this.dir = join(home, 'redis');
    this.process = new ServiceProcess('redis', home, this.dir, 'SIGTERM', options.log ?? (() => undefined));
  }

  get port(): number | undefined {
    return this.currentPort;
  }

  get running(): boolean {
    return this.process.running;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.requirePort()}`;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.process.stopLeftover();
    const port = (this.currentPort ??= await findFreePort());
    this.process.spawn({
      command: this.options.command ?? 'redis-server',
      args: ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', this.dir, '--protected-mode', 'yes'],
    });
    await this.process.waitUntilReady(() => answersPing(port), 30_000);
  }

  async stop(): Promise<void> {
    await this.process.stop(10_000);
  }

  private requirePort(): number {
    if (this.currentPort === undefined) throw new Error('embedded redis has not been started');
    return this.currentPort;
  }
}

/** A bare RESP PING over TCP: no client library, no reconnect loop to tear down. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}
