// A whole Lockbox stack owned by one reliability suite, so the suite can break it: the embedded services
// run inside the test process (stop one, start it again, empty or not), and the API and each worker are
// separate real processes of dist/ (SIGKILL one, SIGTERM another, start more). Every worker reaches SQS
// through its own SqsProxy, whose journal records what it was delivered. The preparation is the
// launcher's own (`prepareStack`), so this is `npm run up` with its parts in the test's hands.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { Pool } from 'pg';
import { ensureJwtSecretFile, instanceIdFor, loadConfig, type LockboxConfig, type QueueName, writeRuntimeFile } from '@lockbox/config';
import { type EmbeddedServiceName, type EmbeddedStack, parentDeathWrapper, startEmbeddedStack } from '@lockbox/embedded';
import { QueueRepository } from '@lockbox/queue';
import { dockerClientFor } from '@lockbox/sandbox';
import { prepareStack } from '../../apps/launcher/src/prepare-stack';
import { ContainerLedger } from './container-ledger';
import { dropTestHomeData, newTestHome, TEST_STACK_ENV } from './global-setup';
import { freePort, logTail, repoRoot } from './launcher';
import { eventually } from './session';
import { SqsJournal, SqsProxy } from './sqs-proxy';

/** Timings short enough that every failure is recovered from within seconds. */
const FAULT_STACK_ENV: Record<string, string> = {
  ...TEST_STACK_ENV,
  LOCKBOX_SQS_VISIBILITY_TIMEOUT_S: '3',
  LOCKBOX_SQS_WAIT_TIME_S: '2',
  LOCKBOX_SQS_MAX_RECEIVE_COUNT: '3',
  // Below the receive count, as the configuration requires.
  LOCKBOX_JOB_MAX_ATTEMPTS: '2',
  LOCKBOX_LEASE_MS: '3000',
  LOCKBOX_LEASE_RENEW_MS: '1000',
  LOCKBOX_OUTBOX_POLL_MS: '500',
  LOCKBOX_REPUBLISH_AFTER_MS: '5000',
  LOCKBOX_RECONCILE_MS: '1000',
  LOCKBOX_RETRY_BACKOFF_S: '1',
  LOCKBOX_RUN_OVERDUE_GRACE_MS: '3000',
  LOCKBOX_WORKER_HEARTBEAT_MS: '500',
  LOCKBOX_WORKER_EXPIRY_MS: '3000',
  LOCKBOX_WORKER_SHUTDOWN_GRACE_MS: '15000',
  LOCKBOX_WORKER_RUN_CONCURRENCY: '1',
};

/** One API or worker process of the stack. */
class StackProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logPath: string,
  ) {
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends the signal and waits for the process to end. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }

  log(lines = 30): string {
    return logTail(this.logPath, lines);
  }
}

export interface StackWorker extends StackProcess {
  /** The worker's id (`worker_heartbeats.id`, the `lockbox.worker` label of its containers). */
  workerId: string;
  proxy: SqsProxy;
}

export interface FaultStackOptions {
  /** Names the home under .lockbox-test/. */
  label: string;
  /** Settings on top of FAULT_STACK_ENV, for the API and every worker. */
  env?: Record<string, string>;
  workers?: number;
  /**
   * Start a worker again, with the same settings, a second after it dies, as `npm run up` does
   * (apps/launcher/src/worker-supervisor.ts). Off by default: most suites replace workers themselves.
   */
  restartWorkers?: boolean;
}

/** As the launcher waits before starting a dead worker again. */
const WORKER_RESTART_DELAY_MS = 1_000;

export class FaultStack {
  readonly journal = new SqsJournal();
  readonly workers: StackWorker[] = [];
  readonly docker: Docker;
  /** The stack's queues, as a test sends to them or looks at their depth. */
  readonly queue: QueueRepository;
  api!: StackProcess;
  containers!: ContainerLedger;
  private readonly db: Pool;
  private readonly previousHome = process.env.LOCKBOX_HOME;
  private workerCount = 0;
  private restartWorkers = false;
  private stopping = false;
  private readonly restarts = new Set<Promise<unknown>>();

  private constructor(
    readonly home: string,
    readonly config: LockboxConfig,
    readonly services: EmbeddedStack,
    readonly apiUrl: string,
    private readonly env: Record<string, string>,
  ) {
    this.docker = dockerClientFor(config.docker.host);
    this.queue = new QueueRepository(config.sqs);
    this.db = new Pool({ connectionString: config.database.url, max: 2, connectionTimeoutMillis: 2_000 });
    // The suite restarts PostgreSQL on purpose: a dropped idle connection is expected, not a failure.
    this.db.on('error', () => undefined);
  }

  /**
   * Starts the services, prepares them as the launcher does, then the API and the workers. The test
   * process's LOCKBOX_HOME points at this stack until `stop`, so the session helpers talk to it.
   */
  static async start(options: FaultStackOptions): Promise<FaultStack> {
    execFileSync(process.execPath, [join(repoRoot, 'scripts/build.mjs')], { stdio: 'inherit' });
    const home = newTestHome(options.label);
    const env = { ...FAULT_STACK_ENV, ...options.env };
    const services = await startEmbeddedStack({ home });
    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    ensureJwtSecretFile(home);
    writeRuntimeFile(home, {
      version: 1,
      instanceId: instanceIdFor(home),
      launcherPid: process.pid,
      startedAt: new Date().toISOString(),
      apiUrl,
      ...services.endpoints,
    });
    const config = loadConfig({ ...process.env, ...env, LOCKBOX_HOME: home });
    const stack = new FaultStack(home, config, services, apiUrl, { ...env, PORT: String(apiPort), HOST: '127.0.0.1' });
    stack.restartWorkers = options.restartWorkers ?? false;
    try {
      await prepareStack(config);
      stack.containers = await ContainerLedger.open(stack.docker, config.instanceId);
      process.env.LOCKBOX_HOME = home;
      stack.api = stack.spawn('api', 'apps/api/src/main.js', {});
      await stack.waitForApi();
      for (let i = 0; i < (options.workers ?? 2); i++) await stack.startWorker();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  /** One more worker, with its own SQS proxy; resolves once its heartbeat is in. */
  async startWorker(env: Record<string, string> = {}): Promise<StackWorker> {
    const name = `worker-${++this.workerCount}`;
    const proxy = new SqsProxy(name, this.config.sqs.endpoint!, this.journal);
    await proxy.start();
    const spawned = this.spawn(name, 'apps/worker/src/main.js', { ...env, AWS_ENDPOINT_URL_SQS: proxy.url });
    const { id } = await eventually(
      async () => {
        if (!spawned.alive) throw new Error(`${name} exited:\n${spawned.log()}`);
        const rows = await this.query<{ id: string }>(`SELECT id FROM worker_heartbeats WHERE pid = $1 AND stopped_at IS NULL`, [spawned.pid]).catch(() => []);
        return rows[0];
      },
      60_000,
      `the first heartbeat of ${name}`,
    );
    const worker = Object.assign(spawned, { workerId: id, proxy });
    this.workers.push(worker);
    if (this.restartWorkers) void worker.exited.then(() => this.restartLater(env));
    return worker;
  }

  /** A worker that dies comes back, like under the launcher. */
  private restartLater(env: Record<string, string>): void {
    if (this.stopping) return;
    const restart = new Promise((resolve) => setTimeout(resolve, WORKER_RESTART_DELAY_MS))
      .then(() => (this.stopping ? undefined : this.startWorker(env)))
      .catch((error: unknown) => console.error(`restarting a worker failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => this.restarts.delete(restart));
    this.restarts.add(restart);
  }

  /** The worker that has a container of this run alive, once it has one. */
  async workerRunning(runId: string, timeoutMs = 60_000): Promise<StackWorker> {
    return eventually(
      async () => {
        const start = this.containers.startsOf(runId).at(-1);
        return start && this.containers.liveRuns().includes(runId) ? this.workers.find((worker) => worker.workerId === start.workerId) : undefined;
      },
      timeoutMs,
      `a container of run ${runId}`,
    );
  }

  async stopService(name: EmbeddedServiceName): Promise<void> {
    await this.service(name).stop();
  }

  async startService(name: EmbeddedServiceName): Promise<void> {
    await this.service(name).start();
  }

  /** The embedded SQS endpoint keeps its queues on disk; this loses them, as a lost store would (stop it first). */
  discardSqsState(): void {
    const sqs = this.services.services.sqs;
    if (!sqs) throw new Error('the stack has no embedded sqs');
    sqs.discardState();
  }

  async query<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    return (await this.db.query(sql, parameters)).rows as T[];
  }

  /** What the platform recorded about a run: its state, and how many of each once-only thing it has. */
  async runRecord(runId: string): Promise<RunRecord> {
    const [run] = await this.query<{ status: string; attempts: number; result_key: string | null }>(
      `SELECT status, attempts, result_key FROM runs WHERE id = $1`,
      [runId],
    );
    const [counts] = await this.query<{ finished: number; notifications: number; accessed: number }>(
      `SELECT (SELECT count(*)::int FROM events WHERE subject_id = $1 AND type IN ('run.succeeded', 'run.failed', 'run.timed_out', 'run.cancelled')) AS finished,
              (SELECT count(*)::int FROM notifications WHERE subject_id = $1) AS notifications,
              (SELECT count(*)::int FROM audit_events WHERE target_id = $1 AND action = 'run.data_accessed') AS accessed`,
      [runId],
    );
    return { status: run?.status ?? 'missing', attempts: run?.attempts ?? 0, resultKey: run?.result_key ?? null, ...counts! };
  }

  /** Waits until the queue holds nothing: every delivery was acknowledged (or moved to the dead-letter queue). */
  async queueDrained(queue: QueueName, timeoutMs = 30_000): Promise<void> {
    await eventually(async () => ((await this.queue.approximateDepth(queue)) === 0 ? true : undefined), timeoutMs, `the ${queue} queue to drain`);
  }

  /** Waits until the run has left `queued` and `running`. */
  async finished(runId: string, timeoutMs = 120_000): Promise<RunRecord> {
    return eventually(
      async () => {
        const record = await this.runRecord(runId).catch(() => undefined);
        return record && !['queued', 'running'].includes(record.status) ? record : undefined;
      },
      timeoutMs,
      `run ${runId} to finish`,
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.restarts);
    const everything = [...this.workers, ...(this.api ? [this.api] : [])];
    await Promise.all(everything.map((member) => member.kill('SIGKILL')));
    await Promise.all(this.workers.map((worker) => worker.proxy.stop()));
    this.containers?.close();
    // Whatever the killed workers left running goes with the stack.
    const left = await this.docker.listContainers({ all: true, filters: { label: [`lockbox.instance=${this.config.instanceId}`] } }).catch(() => []);
    await Promise.all(
      left.map((container) =>
        this.docker
          .getContainer(container.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    await this.db.end().catch(() => undefined);
    await this.queue.onApplicationShutdown();
    await this.services.stop();
    dropTestHomeData(this.home);
    if (this.previousHome === undefined) delete process.env.LOCKBOX_HOME;
    else process.env.LOCKBOX_HOME = this.previousHome;
  }

  private service(name: EmbeddedServiceName) {
    const service = this.services.services[name];
    if (!service) throw new Error(`the stack has no embedded ${name}`);
    return service;
  }

  private spawn(name: string, script: string, env: Record<string, string>): StackProcess {
    mkdirSync(join(this.home, 'logs'), { recursive: true });
    const logPath = join(this.home, 'logs', `${name}.log`);
    const log = openSync(logPath, 'a');
    const [file, args] = parentDeathWrapper({ command: process.execPath, args: ['--enable-source-maps', join(repoRoot, 'dist', script)] }, 'SIGKILL');
    const child = spawn(file, args, {
      env: { ...process.env, ...this.env, ...env, LOCKBOX_HOME: this.home },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    return new StackProcess(name, child, logPath);
  }

  private async waitForApi(): Promise<void> {
    await eventually(
      async () => {
        if (!this.api.alive) throw new Error(`the API exited:\n${this.api.log()}`);
        const response = await fetch(`${this.apiUrl}/api/v1/health`).catch(() => undefined);
        return response?.status === 200 ? true : undefined;
      },
      60_000,
      'the API to be healthy',
    );
  }
}

export interface RunRecord {
  status: string;
  attempts: number;
  resultKey: string | null;
  /** Terminal events (`run.succeeded` and the like): exactly one once the run is over. */
  finished: number;
  notifications: number;
  /** `run.data_accessed` audit rows: one per attempt that was about to start a container, written just before it did. */
  accessed: number;
}
