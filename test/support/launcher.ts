// Starts the real launcher (`npm run up` without the prerequisites) as a child process, for jest's
// global setup and for tests that stop and restart a whole stack. Relative imports only: global setup
// runs where path aliases do not resolve.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const repoRoot = resolve(__dirname, '../..');
const START_TIMEOUT_MS = 180_000;
/** What the launcher prints when the stack is ready. */
const READY_LINE = 'Lockbox is up.';

export interface RunningLauncher {
  child: ChildProcess;
  home: string;
  apiUrl: string;
  logPath: string;
  /** Where this launcher's output starts in the log (an earlier start in the same home wrote what comes before). */
  logStart: number;
}

/** What this launcher has written to its log so far. */
export function launcherOutput({ logPath, logStart }: Pick<RunningLauncher, 'logPath' | 'logStart'>): string {
  try {
    return readFileSync(logPath).subarray(logStart).toString('utf8');
  } catch {
    return '';
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export function logTail(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts the launcher of dist/ (built beforehand) and waits until it says the stack is up (API, worker, samples). */
export async function startLauncher(home: string, env: Record<string, string>, port?: number): Promise<RunningLauncher> {
  const apiPort = port ?? (await freePort());
  const logPath = join(home, 'launcher.log');
  // A restart appends to the same log: only what this launcher writes counts.
  const logStart = existsSync(logPath) ? statSync(logPath).size : 0;
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, ['--enable-source-maps', join(repoRoot, 'dist/apps/launcher/src/main.js')], {
    env: { ...process.env, ...env, LOCKBOX_HOME: home, PORT: String(apiPort), HOST: '127.0.0.1', LOCKBOX_LAUNCHER_QUIET: '1' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const launcher = { child, home, apiUrl: `http://127.0.0.1:${apiPort}`, logPath, logStart };
  try {
    await waitUntilHealthy(launcher);
  } catch (error) {
    await stopLauncherProcess(child);
    throw error;
  }
  return launcher;
}

/**
 * The launcher prints "Lockbox is up." once the API is healthy and a worker has reported (which only
 * an admin can see: GET /health/details); the API's own health must agree.
 */
async function waitUntilHealthy(launcher: RunningLauncher): Promise<void> {
  const { apiUrl, child, logPath } = launcher;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the launcher exited (${child.exitCode ?? child.signalCode}):\n${logTail(logPath)}`);
    }
    try {
      if (launcherOutput(launcher).includes(READY_LINE) && (await fetch(`${apiUrl}/api/v1/health`)).status === 200) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`the stack did not become healthy within ${START_TIMEOUT_MS / 1000} s:\n${logTail(logPath)}`);
}

/** What Ctrl-C does: SIGINT lets the launcher stop the worker, the API and the services in order. */
export async function stopLauncherProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null]>;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}
