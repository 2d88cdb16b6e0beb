// Starts a whole Lockbox stack for a benchmark the way `npm run up` does (the launcher of dist/), in a
// fresh home under .lockbox-bench/, so a benchmark never touches the user's .lockbox/ or a test stack.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LockboxConfig, loadConfig } from '@lockbox/config';

/** dist/bench/support → the repository root. */
export const repoRoot = resolve(__dirname, '../../..');
export const BENCH_HOMES = join(repoRoot, '.lockbox-bench');
const START_TIMEOUT_MS = 240_000;

export const BENCH_ADMIN = { email: 'admin@bench.lockbox.local', password: 'bench-admin-password' };

/** Settings every benchmark stack shares; a benchmark adds its own (e.g. the run concurrency). */
const BENCH_STACK_ENV: Record<string, string> = {
  LOCKBOX_ADMIN_EMAIL: BENCH_ADMIN.email,
  LOCKBOX_ADMIN_PASSWORD: BENCH_ADMIN.password,
  LOCKBOX_WORKER_HEARTBEAT_MS: '1000',
  LOCKBOX_WORKER_EXPIRY_MS: '5000',
  LOCKBOX_LOGIN_MAX_FAILURES: '1000',
  // Every benchmark client registers from 127.0.0.1.
  LOCKBOX_REGISTRATIONS_PER_HOUR: '1000000',
  // Room for the sample analyses the launcher publishes.
  LOCKBOX_IMAGE_TARBALL_MAX_BYTES: String(256 * 1024 * 1024),
};

/** Stacks still running, so Ctrl-C on the benchmark stops them too. */
const runningStacks = new Set<ChildProcess>();
let stopOnSignal = false;

function stopStacksOnSignal(): void {
  if (stopOnSignal) return;
  stopOnSignal = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.all([...runningStacks].map((child) => stopLauncher(child))).then(() => process.exit(130));
    });
  }
}

export interface BenchStack {
  home: string;
  apiUrl: string;
  config: LockboxConfig;
  /** The (first) worker process, for its RSS. */
  workerPid(): number;
  /** Every worker process the launcher runs now (LOCKBOX_WORKERS). */
  workerPids(): number[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts the launcher and waits until it says the stack is up (API, worker and sample analyses). */
export async function startBenchStack(label: string, env: Record<string, string> = {}): Promise<BenchStack> {
  const home = join(BENCH_HOMES, `${new Date().toISOString().replace(/[:.]/g, '-')}-${label}`);
  mkdirSync(home, { recursive: true });
  const port = await freePort();
  const logPath = join(home, 'launcher.log');
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [join(repoRoot, 'dist/apps/launcher/src/main.js')], {
    env: { ...process.env, ...BENCH_STACK_ENV, ...env, LOCKBOX_HOME: home, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  stopStacksOnSignal();
  runningStacks.add(child);
  child.once('exit', () => runningStacks.delete(child));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the launcher exited; see ${logPath}`);
    if (readFileSync(logPath, 'utf8').includes('Lockbox is up.')) break;
    if (Date.now() > deadline) {
      await stopLauncher(child);
      throw new Error(`the stack did not come up within ${START_TIMEOUT_MS / 1000} s; see ${logPath}`);
    }
    await sleep(250);
  }
  const config = loadConfig({ ...process.env, ...BENCH_STACK_ENV, ...env, LOCKBOX_HOME: home });
  return {
    home,
    apiUrl: `http://127.0.0.1:${port}`,
    config,
    workerPid: () => {
      const [pid] = workerPidsOf(child.pid!);
      if (pid === undefined) throw new Error(`no worker process under launcher ${child.pid}`);
      return pid;
    },
    workerPids: () => workerPidsOf(child.pid!),
    stop: () => stopLauncher(child),
  };
}

/** The launcher's children that run apps/worker, oldest first. */
function workerPidsOf(launcherPid: number): number[] {
  const listing = execFileSync('ps', ['-o', 'pid=,args=', '--sort=start_time', '--ppid', String(launcherPid)], { encoding: 'utf8' });
  return listing
    .split('\n')
    .filter((entry) => entry.includes('apps/worker/src/main.js'))
    .map((entry) => Number(entry.trim().split(/\s+/)[0]));
}

/** Resident set size of a process, in bytes (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

async function stopLauncher(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
}
