import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { findFreePort } from './free-port';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-state';
import { type EmbeddedService, ServiceProcess, type StackLog } from './service-process';

export interface EmbeddedS3Options {
  home: string;
  log?: StackLog;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * An S3 endpoint of this stack's own: s3rver as a child process, objects kept on disk under `<home>/s3`
 * (0700: they are people's raw data). Every request must carry an AWS Signature V4 made with a key pair
 * generated once and kept in `<home>/s3-credentials.json` (0600); s3rver cannot check that by itself,
 * so it runs behind a gate that does (`s3-server.cjs`).
 */
export class EmbeddedS3Server implements EmbeddedService {
  readonly name = 's3';
  private currentPort?: number;
  private keyPair?: S3Credentials;
  private readonly process: ServiceProcess;
  private readonly home: string;
  private readonly dir: string;

  constructor(options: EmbeddedS3Options) {
    this.home = resolve(options.home);
    this.dir = join(this.home, 's3');
    this.process = new ServiceProcess('s3', this.home, this.dir, 'SIGTERM', options.log ?? (() => undefined));
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

  /** The only key pair the server accepts; the same after every restart. */
  get credentials(): S3Credentials {
    if (!this.keyPair) throw new Error('embedded s3 has not been started');
    return this.keyPair;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.process.stopLeftover();
    const port = (this.currentPort ??= await findFreePort());
    this.keyPair ??= this.readOrCreateCredentials();
    this.process.spawn({
      command: process.execPath,
      // The secret stays in the file: a command line is visible to every local user.
      args: [join(__dirname, 's3-server.cjs'), this.dir, '127.0.0.1', String(port), this.credentialsPath],
    });
    await this.process.waitUntilReady(() => answersHttp(port), 30_000);
  }

  private get credentialsPath(): string {
    return join(this.home, 's3-credentials.json');
  }

  private readOrCreateCredentials(): S3Credentials {
    if (existsSync(this.credentialsPath)) return JSON.parse(readFileSync(this.credentialsPath, 'utf8')) as S3Credentials;
    // Shaped like AWS's (20 upper-case characters, a 40-character secret), which some clients check.
    const credentials: S3Credentials = {
      accessKeyId: `LBX${randomBytes(16).toString('hex').toUpperCase().slice(0, 17)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
    };
    mkdirSync(this.home, { recursive: true, mode: PRIVATE_DIR_MODE });
    writeFileSync(this.credentialsPath, `${JSON.stringify(credentials)}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    return credentials;
  }

  async stop(): Promise<void> {
    await this.process.stop(10_000);
  }
}

/** Any HTTP response (an unsigned request gets a 403 error document) means the server is up. */
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
