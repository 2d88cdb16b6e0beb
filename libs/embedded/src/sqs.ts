import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { findFreePort } from './free-port';
import { type EmbeddedService, ServiceProcess, type StackLog } from './service-process';

export interface EmbeddedSqsOptions {
  home: string;
  log?: StackLog;
}

/**
 * fauxqs hard-codes `host: "0.0.0.0"` in its listen call; its FAUXQS_HOST only changes the host written
 * into queue URLs. This preload keeps it on loopback.
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
 * fauxqs' own CLI cannot keep state on disk, so the child runs this instead: the server with a data
 * directory (SQLite, through Node's node:sqlite), no log line per request, and a SIGTERM that closes
 * the database before exiting.
 *
 * fauxqs 2.4.1 stores a message made visible again (ChangeMessageVisibility to 0, which a worker's
 * hand-back and a dead-letter listing both do) with a NULL receive count, which its NOT NULL column
 * refuses: the request fails after the queue changed, and the SDK's retry then hears "not in flight".
 * The replacement keeps the count and clears only the receipt handle and the deadline.
 */
const START_FAUXQS = [
  'const [moduleUrl, port, dataDir] = process.argv.slice(1);',
  "const { PersistenceManager } = await import(new URL('./persistence.js', moduleUrl));",
  'PersistenceManager.prototype.updateMessageReady = function (messageId) {',
  "  this.lockboxMessageReady ??= this.db.prepare('UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE message_id = ?');",
  '  this.lockboxMessageReady.run(messageId);',
  '};',
  'const { startFauxqs } = await import(moduleUrl);',
  'const server = await startFauxqs({ port: Number(port), dataDir, logger: false });',
  'console.log(`fauxqs listening on ${server.address}, state in ${dataDir}`);',
  'const stop = () => server.stop().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });',
  "process.once('SIGTERM', stop);",
  "process.once('SIGINT', stop);",
].join('\n');

/** fauxqs 2 stores its state with node:sqlite, which Node has from 22.5 on. */
const FAUXQS_MIN_NODE = [22, 5];

/**
 * An SQS endpoint of this stack's own: fauxqs, which is ESM-only, so it runs as a child process. It keeps
 * its queues and their messages in `<home>/sqs/fauxqs.db`, so like AWS SQS it loses nothing when it
 * restarts (or the stack does): a message sent before is delivered after, dead letters stay listed.
 * The platform still re-creates its queues on every start, which leaves existing ones as they are.
 */
export class EmbeddedSqsServer implements EmbeddedService {
  readonly name = 'sqs';
  private currentPort?: number;
  private readonly process: ServiceProcess;
  private readonly dataDir: string;

  constructor(options: EmbeddedSqsOptions) {
    const home = resolve(options.home);
    // Its state and its working directory, which identifies the process as this home's.
    this.dataDir = join(home, 'sqs');
    this.process = new ServiceProcess('sqs', home, this.dataDir, 'SIGTERM', options.log ?? (() => undefined));
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
    assertNodeRunsFauxqs();
    const port = (this.currentPort ??= await findFreePort());
    this.process.spawn({
      command: process.execPath,
      args: ['--import', LOOPBACK_ONLY, '--input-type=module', '--eval', START_FAUXQS, '--', pathToFileURL(fauxqsModule()).href, String(port), this.dataDir],
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

  /** Forgets every queue and message, as if the store were lost; only while stopped (fault tests use it). */
  discardState(): void {
    if (this.running) throw new Error('stop the embedded sqs before discarding its state');
    for (const file of ['fauxqs.db', 'fauxqs.db-wal', 'fauxqs.db-shm']) rmSync(join(this.dataDir, file), { force: true });
  }
}

function assertNodeRunsFauxqs(): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const [minMajor, minMinor] = FAUXQS_MIN_NODE as [number, number];
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return;
  throw new Error(
    `the embedded SQS endpoint (fauxqs) needs Node >= ${minMajor}.${minMinor}, and this process runs ${process.version}: ` +
      'start the platform and its tests through npm (npm run up, npm test), which use the pinned Node in .tools/ (npm run prereqs installs it)',
  );
}

/** fauxqs exports neither `./package.json` nor a `require` entry, so look for it where Node would look for the package. */
function fauxqsModule(): string {
  for (const modules of require.resolve.paths('fauxqs') ?? []) {
    const entry = join(modules, 'fauxqs', 'dist', 'app.js');
    if (existsSync(entry)) return entry;
  }
  throw new Error('the fauxqs package is not installed (npm install)');
}
