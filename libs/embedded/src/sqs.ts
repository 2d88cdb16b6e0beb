import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { findFreePort } from './free-port';
import { type EmbeddedService, ServiceProcess, type StackLog } from './service-process';

export interface EmbeddedSqsOptions {
  home: string;
  log?: StackLog;
}

/**
 * fauxqs 1.9.2 (the last release for Node 20) hard-codes `host: "0.0.0.0"` in its listen call; its
 * FAUXQS_HOST only changes the host written into queue URLs. This preload keeps it on loopback.
 */
const LOOPBACK_ONLY = `data:text/javascript,${encodeURIComponent(
  [
    "import net from 'node:net';",
    'const listen = net.Server.prototype.listen;',
    'net.Server.prototype.listen = function (options, ...rest) {',
    "  if (options && typeof options === 'object' && options.host === '0.0.0.0') options = { ...options, host: '127.0.0.1' };",
    '  return listen.call(this, options, ...rest);',
    '};',
  ].join('\n'),
)}`;

/**
 * An SQS endpoint of this stack's own: fauxqs, which is ESM-only, so it runs as a child process.
 * Its queues live in memory; the platform re-creates its queues on every start, so a restart gives
 * an empty endpoint on the same port.
 */
export class EmbeddedSqsServer implements EmbeddedService {
  readonly name = 'sqs';
  private currentPort?: number;
  private readonly process: ServiceProcess;

  constructor(options: EmbeddedSqsOptions) {
    const home = resolve(options.home);
    // fauxqs keeps nothing on disk; the directory is its working directory, which identifies it.
    this.process = new ServiceProcess('sqs', home, join(home, 'sqs'), 'SIGTERM', options.log ?? (() => undefined));
  }

  get port(): number | undefined {
    return this.currentPort;
  }

  get running(): boolean {
    return this.process.running;
  }

  get endpoint(): string {
    if (this.currentPort === undefined) throw new Error('embedded sqs has not been started');
    return `http://127.0.0.1:${this.currentPort}`;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.process.stopLeftover();
    const port = (this.currentPort ??= await findFreePort());
    this.process.spawn({
      command: process.execPath,
      args: ['--import', LOOPBACK_ONLY, fauxqsCli()],
      // No FAUXQS_HOST: it would turn queue URLs into http://sqs.<region>.127.0.0.1:<port>/…; without it
      // they name the host the request came to. (Its CLI logs every request; FAUXQS_LOGGER cannot stop that.)
      env: { FAUXQS_PORT: String(port) },
    });
    const client = new SQSClient({
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
      maxAttempts: 1,
    });
    try {
      await this.process.waitUntilReady(async () => {
        await client.send(new ListQueuesCommand({}));
        return true;
      }, 30_000);
    } finally {
      client.destroy();
    }
  }

  async stop(): Promise<void> {
    await this.process.stop(10_000);
  }
}

/** fauxqs exports neither `./package.json` nor a `require` entry, so look for its CLI where Node would look for the package. */
function fauxqsCli(): string {
  for (const modules of require.resolve.paths('fauxqs') ?? []) {
    const cli = join(modules, 'fauxqs', 'dist', 'cli.js');
    if (existsSync(cli)) return cli;
  }
  throw new Error('the fauxqs package is not installed (npm install)');
}
