import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { findFreePort } from './free-port';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, readOrCreateSecret } from './private-state';
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
 *
 * It carries live events and the login counters, so only the stack's own processes may talk to it:
 * it listens on 127.0.0.1 only and requires a password generated once and kept in
 * `<home>/redis-password`, which reaches the platform's processes in the URL of runtime.json. The
 * password is in a configuration file (0600), never on the command line, which every local user can
 * read. CONFIG and DEBUG are disabled: nobody, password or not, can make this server write files
 * elsewhere (CONFIG SET dir) or stall it.
 */
export class EmbeddedRedisServer implements EmbeddedService {
  readonly name = 'redis';
  private currentPort?: number;
  private password?: string;
  private readonly process: ServiceProcess;
  private readonly home: string;
  private readonly dir: string;

  constructor(private readonly options: EmbeddedRedisOptions) {
    this.home = resolve(options.home);
    this.dir = join(this.home, 'redis');
    this.process = new ServiceProcess('redis', this.home, this.dir, 'SIGTERM', options.log ?? (() => undefined));
  }

  get port(): number | undefined {
    return this.currentPort;
  }

  get running(): boolean {
    return this.process.running;
  }

  get url(): string {
    const port = this.requirePort();
    if (this.password === undefined) throw new Error('embedded redis has not been started');
    return `redis://:${encodeURIComponent(this.password)}@127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.process.stopLeftover();
    const port = (this.currentPort ??= await findFreePort());
    mkdirSync(this.home, { recursive: true, mode: PRIVATE_DIR_MODE });
    const password = (this.password ??= readOrCreateSecret(join(this.home, 'redis-password')));
    const configPath = this.writeConfig(port, password);
    this.process.spawn({ command: this.options.command ?? 'redis-server', args: [configPath] });
    await this.process.waitUntilReady(() => answersPing(port, password), 30_000);
  }

  async stop(): Promise<void> {
    await this.process.stop(10_000);
  }

  /** Written on every start (the port is chosen then); lives in the service's own directory, mode 0600. */
  private writeConfig(port: number, password: string): string {
    const path = join(this.dir, 'redis.conf');
    const lines = [
      'bind 127.0.0.1',
      `port ${port}`,
      'protected-mode yes',
      'save ""',
      'appendonly no',
      `dir ${quoted(this.dir)}`,
      `requirepass ${password}`,
      'rename-command CONFIG ""',
      'rename-command DEBUG ""',
    ];
    mkdirSync(this.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    writeFileSync(path, `${lines.join('\n')}\n`, { mode: PRIVATE_FILE_MODE });
    return path;
  }

  private requirePort(): number {
    if (this.currentPort === undefined) throw new Error('embedded redis has not been started');
    return this.currentPort;
  }
}

/** A value in redis.conf's quoting: double quotes, with backslashes and quotes escaped. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}

/** A bare RESP AUTH and PING over TCP: no client library, no reconnect loop to tear down. */
function answersPing(port: number, password: string): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write(`${command('AUTH', password)}${command('PING')}`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      const lines = reply.split('\r\n');
      if (lines.length > 2 || lines[0]!.startsWith('-')) finish(lines[0] === '+OK' && lines[1] === '+PONG');
    });
  });
}

/** One command in RESP's array form, so that no argument is ever parsed as more than one. */
function command(...parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}
