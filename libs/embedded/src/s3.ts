import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { findFreePort } from './free-port';
import { type EmbeddedService, ServiceProcess, type StackLog } from './service-process';

export interface EmbeddedS3Options {
  home: string;
  log?: StackLog;
}

/** s3rver accepts only requests signed with these. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** An S3 endpoint of this stack's own: s3rver as a child process, objects kept on disk under `<home>/s3`. */
export class EmbeddedS3Server implements EmbeddedService {
  readonly name = 's3';
  private currentPort?: number;
  private readonly process: ServiceProcess;
  private readonly dir: string;

  constructor(options: EmbeddedS3Options) {
    const home = resolve(options.home);
    this.dir = join(home, 's3');
    this.process = new ServiceProcess('s3', home, this.dir, 'SIGTERM', options.log ?? (() => undefined));
  }

  get port(): number | undefined {
    return this.currentPort;
  }

  get running(): boolean {
    return this.process.running;
  }

  get endpoint(): string {
    if (this.currentPort === undefined) throw new Error('embedded s3 has not been started');
    return `http://127.0.0.1:${this.currentPort}`;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.process.stopLeftover();
    const port = (this.currentPort ??= await findFreePort());
    const bin = join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
    this.process.spawn({
      command: process.execPath,
      args: [bin, '-d', this.dir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--no-vhost-buckets'],
    });
    await this.process.waitUntilReady(() => answersHttp(port), 30_000);
  }

  async stop(): Promise<void> {
    await this.process.stop(10_000);
  }
}

/** Any HTTP response (an unsigned request gets an S3 error document) means the server is up. */
function answersHttp(port: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', agent: false, timeout: 1_000 }, (response) => {
      response.resume();
      resolveAnswer(true);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolveAnswer(false));
    req.end();
  });
}
