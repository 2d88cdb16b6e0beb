// Jest global setup for the integration and e2e projects: the same launcher as `npm run up`, in a fresh
// LOCKBOX_HOME under .lockbox-test/ with its own ports, so `npm test` never touches the stack of
// `npm run up` in .lockbox/. Tests find it through LOCKBOX_HOME, which jest's workers inherit.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const repoRoot = resolve(__dirname, '../..');
const TEST_HOMES = join(repoRoot, '.lockbox-test');
const KEEP_HOMES_MS = 24 * 60 * 60 * 1000;
const START_TIMEOUT_MS = 180_000;

export const TEST_ADMIN = { email: 'admin@test.lockbox.local', password: 'test-admin-password' };

/** Settings of the test stack: short timings so the suites run in seconds. */
const TEST_STACK_ENV: Record<string, string> = {
  LOCKBOX_LAUNCHER_QUIET: '1',
  LOCKBOX_ADMIN_EMAIL: TEST_ADMIN.email,
  LOCKBOX_ADMIN_PASSWORD: TEST_ADMIN.password,
  LOCKBOX_LOGIN_MAX_FAILURES: '3',
  LOCKBOX_WORKER_HEARTBEAT_MS: '1000',
  LOCKBOX_WORKER_EXPIRY_MS: '5000',
};

interface LauncherState {
  child: ChildProcess;
  home: string;
}

const STATE_KEY = Symbol.for('lockbox.testLauncher');

export function launcherState(): LauncherState | undefined {
  return (globalThis as Record<symbol, LauncherState | undefined>)[STATE_KEY];
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

function logTail(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitUntilReady(apiUrl: string, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the test stack's launcher exited (${child.exitCode ?? child.signalCode}):\n${logTail(logPath)}`);
    }
    try {
      const response = await fetch(`${apiUrl}/api/v1/health`);
      const health = (await response.json()) as { workers?: unknown[] };
      if (response.status === 200 && (health.workers?.length ?? 0) > 0) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`the test stack did not become healthy within ${START_TIMEOUT_MS / 1000} s:\n${logTail(logPath)}`);
}

export default async function globalSetup(): Promise<void> {
  if (launcherState()) return;
  const startedAt = Date.now();
  execFileSync(process.execPath, [join(repoRoot, 'scripts/build.mjs')], { stdio: 'inherit' });
  removeOldTestHomes();
  const home = join(TEST_HOMES, `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  mkdirSync(home, { recursive: true });
  const port = await freePort();
  const logPath = join(home, 'launcher.log');
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, ['--enable-source-maps', join(repoRoot, 'dist/apps/launcher/src/main.js')], {
    env: { ...process.env, ...TEST_STACK_ENV, LOCKBOX_HOME: home, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  (globalThis as Record<symbol, LauncherState>)[STATE_KEY] = { child, home };
  try {
    await waitUntilReady(`http://127.0.0.1:${port}`, child, logPath);
  } catch (error) {
    await stopLauncher();
    throw error;
  }
  process.env.LOCKBOX_HOME = home;
  process.env.LOCKBOX_TEST_ADMIN_EMAIL = TEST_ADMIN.email;
  process.env.LOCKBOX_TEST_ADMIN_PASSWORD = TEST_ADMIN.password;
  console.log(`\nlockbox test stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${home}`);
}

/** SIGTERM lets the launcher stop the worker, the API and the services in order. */
export async function stopLauncher(): Promise<void> {
  const state = launcherState();
  if (!state) return;
  (globalThis as Record<symbol, LauncherState | undefined>)[STATE_KEY] = undefined;
  const { child } = state;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
}

/** Test homes are kept for a day, for their logs; older ones go, unless a live run still uses them. */
function removeOldTestHomes(): void {
  mkdirSync(TEST_HOMES, { recursive: true });
  for (const name of readdirSync(TEST_HOMES)) {
    const home = join(TEST_HOMES, name);
    try {
      if (Date.now() - statSync(home).mtimeMs < KEEP_HOMES_MS || inUse(home)) continue;
      rmSync(home, { recursive: true, force: true });
    } catch {
      // raced with another run's cleanup
    }
  }
}

function inUse(home: string): boolean {
  try {
    const { launcherPid } = JSON.parse(readFileSync(join(home, 'runtime.json'), 'utf8')) as { launcherPid: number };
    process.kill(launcherPid, 0);
    return true;
  } catch {
    return false;
  }
}
