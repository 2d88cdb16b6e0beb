// Jest global setup for the integration and e2e projects: the same launcher as `npm run up`, in a fresh
// LOCKBOX_HOME under .lockbox-test/ with its own ports, so `npm test` never touches the stack of
// `npm run up` in .lockbox/. Tests find it through LOCKBOX_HOME, which jest's workers inherit.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mountPointsUnder } from '../../apps/worker/src/reaper/orphan-reaper';
import { repoRoot, type RunningLauncher, startLauncher, stopLauncherProcess } from './launcher';

const TEST_HOMES = join(repoRoot, '.lockbox-test');
const KEEP_HOMES_MS = 24 * 60 * 60 * 1000;

/** The label on every image a test run builds: its LOCKBOX_TEST_SESSION. */
export const TEST_SESSION_LABEL = 'lockbox.test.session';

const TEST_ADMIN = { email: 'admin@test.lockbox.local', password: 'test-admin-password' };

/** Settings of the test stacks: short timings so the suites run in seconds. */
export const TEST_STACK_ENV: Record<string, string> = {
  LOCKBOX_ADMIN_EMAIL: TEST_ADMIN.email,
  LOCKBOX_ADMIN_PASSWORD: TEST_ADMIN.password,
  LOCKBOX_LOGIN_MAX_FAILURES: '3',
  // A short cap, so tests can wait the backoff out; low registration limits, so both sides are cheap to test.
  LOCKBOX_LOGIN_BACKOFF_MAX_S: '2',
  LOCKBOX_REGISTRATIONS_PER_HOUR: '5',
  // Tests stand for many clients: each session names its own address in X-Forwarded-For (session.ts),
  // which the API honours from loopback only, so one test's failed logins never throttle another's.
  LOCKBOX_TRUST_PROXY: 'loopback',
  LOCKBOX_WORKER_HEARTBEAT_MS: '1000',
  LOCKBOX_WORKER_EXPIRY_MS: '5000',
  LOCKBOX_DATASET_UPLOAD_MAX_BYTES: String(4 * 1024 * 1024),
  // Room for the sample analyses the launcher publishes (about 130 MiB each on lockbox/node-base:24).
  LOCKBOX_IMAGE_TARBALL_MAX_BYTES: String(256 * 1024 * 1024),
};

const STATE_KEY = Symbol.for('lockbox.testLauncher');

function launcherState(): RunningLauncher | undefined {
  return (globalThis as Record<symbol, RunningLauncher | undefined>)[STATE_KEY];
}

/** A fresh, uniquely named home for a test stack. */
export function newTestHome(label = 'run'): string {
  const home = join(TEST_HOMES, `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${label}`);
  mkdirSync(home, { recursive: true });
  return home;
}

/**
 * The platform runs on the Node pinned in .node-version, and every process of a test stack inherits
 * jest's (process.execPath): a suite under another Node would test a platform that does not exist.
 */
export function assertPlatformNode(): void {
  const pinned = `v${readFileSync(join(repoRoot, '.node-version'), 'utf8').trim()}`;
  if (process.version !== pinned) {
    throw new Error(
      `the stack suites run on the platform's Node ${pinned}, but jest runs on ${process.version}: ` +
        'run them through npm (npm test, npm run test:e2e -- <file>) or scripts/node24 (scripts/node24 npx jest <file>); npm run prereqs installs it',
    );
  }
}

export default async function globalSetup(): Promise<void> {
  if (launcherState()) return;
  assertPlatformNode();
  const startedAt = Date.now();
  // Labels the images this run builds, so its teardown removes exactly those (buildTestAnalysisImage).
  process.env.LOCKBOX_TEST_SESSION = randomUUID();
  execFileSync(process.execPath, [join(repoRoot, 'scripts/build.mjs')], { stdio: 'inherit' });
  removeOldTestHomes();
  const launcher = await startLauncher(newTestHome(), TEST_STACK_ENV);
  (globalThis as Record<symbol, RunningLauncher>)[STATE_KEY] = launcher;
  process.env.LOCKBOX_HOME = launcher.home;
  process.env.LOCKBOX_TEST_ADMIN_EMAIL = TEST_ADMIN.email;
  process.env.LOCKBOX_TEST_ADMIN_PASSWORD = TEST_ADMIN.password;
  console.log(`\nlockbox test stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${launcher.home}`);
}

export async function stopTestStack(): Promise<void> {
  const launcher = launcherState();
  if (!launcher) return;
  (globalThis as Record<symbol, RunningLauncher | undefined>)[STATE_KEY] = undefined;
  await stopLauncherProcess(launcher.child, 'SIGTERM');
  removeSessionImages();
  dropTestHomeData(launcher.home);
}

/** What a stopped test stack's home holds besides its logs: gigabytes after a run (uploads, sample tarballs). */
const TEST_HOME_DATA = ['s3', 'samples', 'postgres', 'sqs', 'redis', 'work'];

/**
 * Keeps a stopped stack's logs (for a day, see removeOldTestHomes) and drops its data, so repeated runs
 * do not fill the disk: one full run leaves several gigabytes of stored objects otherwise.
 */
export function dropTestHomeData(home: string): void {
  detachMountsUnder(home);
  for (const name of TEST_HOME_DATA) rmSync(join(home, name), { recursive: true, force: true });
}

/**
 * A worker killed with SIGKILL leaves its output areas mounted (those in its stock, and a run's), which
 * only another worker's reaper would remove: the stack is gone, so detach them here, deepest first.
 */
function detachMountsUnder(home: string): void {
  const mounts = mountPointsUnder(readFileSync('/proc/self/mounts', 'utf8'), home);
  for (const mountPoint of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // Not ours to unmount (not root), or gone already: the removal below says what is left.
    }
  }
}

/** The analysis images this run built (and its workers loaded), so repeated runs leave none behind. */
function removeSessionImages(): void {
  const session = process.env.LOCKBOX_TEST_SESSION;
  if (!session) return;
  try {
    execFileSync('docker', ['image', 'prune', '--all', '--force', '--filter', `label=${TEST_SESSION_LABEL}=${session}`], { stdio: 'ignore' });
  } catch {
    // The engine is gone already: nothing to tidy.
  }
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
