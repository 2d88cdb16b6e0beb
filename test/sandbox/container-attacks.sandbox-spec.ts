// The attack catalogue, container side (docs/security.md): each case runs the hostile image through the
// worker's SandboxRunner with the platform policy, next to a well-behaved run, and asserts the verdict,
// what the analysis itself managed (nothing), that the well-behaved run still succeeded and that the
// host is as it was. Cases marked RUNSC run again under gVisor when this engine can start it.
// Verdicts already proven in test/integration/sandbox-runner.int-spec.ts (memory bomb, SIGTERM trapped
// past the deadline, log flood without newlines, output over its cap, a million files against the
// inode cap, FIFOs, root image running as 10001) are not repeated here.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import type { SandboxRuntime } from '@lockbox/analysis-sdk';
import { apiUrl } from '../support/session';
import { HostileHarness, type HostileRun, type HostileRunOptions, runscWorks } from './hostile-images';

jest.setTimeout(180_000);

const harness = new HostileHarness();
let prepared: Promise<boolean> | undefined;
/** Builds the image and probes runsc once; concurrent tests may start before any beforeAll hook has finished. */
const prepare = (): Promise<boolean> => (prepared ??= harness.setUp().then(() => runscWorks()));

afterAll(async () => {
  await prepare();
  expect(await harness.containers()).toEqual([]);
  await harness.tearDown();
});

/** The attack and a well-behaved run side by side; both must leave the host untouched. */
async function attack(mode: string, options: HostileRunOptions = {}): Promise<HostileRun> {
  await prepare();
  const [hostile, neighbour] = await Promise.all([harness.run(mode, options), harness.run('well-behaved', { runtime: options.runtime })]);
  expect(neighbour.outcome).toMatchObject({ status: 'succeeded', result: { summary: '1 posts' } });
  expect(await harness.leftovers(hostile)).toEqual([]);
  expect(await harness.leftovers(neighbour)).toEqual([]);
  return hostile;
}

function escaped(run: HostileRun): string[] {
  return Object.entries(run.table)
    .filter(([, outcome]) => outcome === 'ESCAPED')
    .map(([name]) => name);
}

const passwdHash = () => createHash('sha256').update(readFileSync('/etc/passwd')).digest('hex');

describe.each<SandboxRuntime>(['runc', 'runsc'])('under %s (RUNSC subset)', (runtime) => {
  const maybe = (name: string, fn: () => Promise<void>) =>
    it.concurrent(name, async () => {
      if (runtime === 'runsc' && !(await prepare())) return console.warn(`runsc does not work on this engine; skipped: ${name}`);
      await fn();
    });

  maybe('network: no egress to the internet, the host API, the bridge gateway or DNS', async () => {
    const run = await attack('network', { runtime, args: [new URL(apiUrl()).port] });
    expect(run.outcome.status).toBe('succeeded');
    expect(Object.keys(run.table)).toHaveLength(6);
    expect(escaped(run)).toEqual([]);
  });

  maybe('host files: no host file, no Docker socket, no host namespace', async () => {
    const canary = `/tmp/lockbox-host-canary-${randomUUID()}`;
    await writeFile(canary, 'host secret');
    try {
      const run = await attack('host-files', { runtime, args: [canary] });
      expect(run.outcome.status).toBe('succeeded');
      expect(Object.keys(run.table)).toHaveLength(7);
      expect(escaped(run)).toEqual([]);
      expect(run.outcome.logs.toString()).not.toContain('host secret');
    } finally {
      await rm(canary, { force: true });
    }
  });

  maybe('privilege: fixed uid, no mount, unshare, chroot, mknod, setuid or exec from /tmp', async () => {
    const run = await attack('privilege', { runtime });
    expect(run.outcome.status).toBe('succeeded');
    const { uid, ...attempts } = run.table;
    expect(uid).toBe('10001:10001');
    expect(Object.keys(attempts)).toHaveLength(9);
    expect(escaped(run)).toEqual([]);
  });

  maybe('writes: nothing outside /output and /tmp, and nothing reaches the host', async () => {
    const token = `lockbox-escape-${randomUUID()}`;
    const before = passwdHash();
    const run = await attack('writes', { runtime, args: [token] });
    expect(run.outcome.status).toBe('succeeded');
    expect(Object.keys(run.table)).toHaveLength(6);
    expect(escaped(run)).toEqual([]);
    for (const path of [`/${token}`, `/tmp/${token}`, `/app/${token}`]) expect(existsSync(path)).toBe(false);
    expect(passwdHash()).toBe(before);
  });

  maybe('environment: a secret of the worker never reaches the container', async () => {
    const secret = `platform-secret-${randomUUID()}`;
    process.env.LOCKBOX_SANDBOX_TEST_SECRET = secret;
    process.env.AWS_SECRET_ACCESS_KEY_TEST = secret;
    try {
      const run = await attack('env', { runtime });
      expect(run.outcome.status).toBe('succeeded');
      const names = run.outcome.result!.blocks[0]!.type === 'markdown' ? (run.outcome.result!.blocks[0] as { text: string }).text.trim().split(' ') : [];
      expect(names).toContain('LOCKBOX_RUN_ID');
      expect(names.filter((name) => !name.startsWith('LOCKBOX_') && !['PATH', 'HOME', 'HOSTNAME', 'PWD', 'SHLVL'].includes(name))).toEqual([]);
      expect(names).not.toContain('LOCKBOX_SANDBOX_TEST_SECRET');
      expect(run.outcome.logs.toString()).not.toContain(secret);
    } finally {
      delete process.env.LOCKBOX_SANDBOX_TEST_SECRET;
      delete process.env.AWS_SECRET_ACCESS_KEY_TEST;
    }
  });
});

describe('resource attacks (runc)', () => {
  it.concurrent('fork bomb: held by the pids limit, then dies or is stopped at the deadline', async () => {
    const run = await attack('fork-bomb', { timeout: 8 });
    // Which comes first depends on whether the shell itself can still fork once the pids limit is hit.
    expect([`failed/exit_code`, `timed_out/deadline`]).toContain(`${run.outcome.status}/${run.outcome.reason}`);
  });

  it.concurrent('CPU spin with SIGTERM trapped: held to its CPU quota, killed at the deadline', async () => {
    const run = await attack('cpu-spin', { timeout: 5 });
    expect(run.outcome).toMatchObject({ status: 'timed_out', reason: 'deadline' });
  });

  it.concurrent('filling /tmp and /dev/shm: bounded in memory, never on the host disk', async () => {
    const run = await attack('fill-tmp', { memory: '256m' });
    // Both are in-memory filesystems charged to the run's memory limit: either they fill up, or the run dies of oom.
    if (run.outcome.status === 'succeeded') {
      expect(Number(run.table['tmp-bytes'])).toBeLessThanOrEqual(64 * 1024 * 1024);
      expect(Number(run.table['shm-bytes'])).toBeLessThanOrEqual(64 * 1024 * 1024);
    } else {
      expect(run.outcome).toMatchObject({ status: 'failed', reason: 'oom' });
    }
  });

  it.concurrent('zombie processes: reaped by Init, the container still removed', async () => {
    const run = await attack('zombies');
    expect(run.outcome).toMatchObject({ status: 'succeeded', result: { summary: 'zombies' } });
  });
});

describe('hostile output (runc)', () => {
  it.concurrent('symlinks to / and /etc/passwd: refused as output_invalid, never followed', async () => {
    const before = passwdHash();
    const run = await attack('output-links');
    expect(run.outcome).toMatchObject({ status: 'failed', reason: 'output_invalid' });
    expect(run.outcome.message).toMatch(/link/i);
    expect(run.outcome.resultBytes).toBeUndefined();
    expect(passwdHash()).toBe(before);
  });

  it.concurrent('a hardlink inside /output: refused as output_invalid', async () => {
    const run = await attack('output-hardlink');
    expect(run.outcome).toMatchObject({ status: 'failed', reason: 'output_invalid' });
  });

  it.concurrent('a NUL byte in result.json: output_invalid', async () => {
    const run = await attack('result-nul');
    expect(run.outcome).toMatchObject({ status: 'failed', reason: 'output_invalid' });
  });

  it.concurrent('invalid UTF-8 in result.json: output_invalid', async () => {
    const run = await attack('result-invalid-utf8');
    expect(run.outcome).toMatchObject({ status: 'failed', reason: 'output_invalid' });
  });
});
