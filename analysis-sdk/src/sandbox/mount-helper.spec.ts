import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMountCommand } from './mount-helper';

// The shared mount shell's protocol, with commands that change nothing: unmounting what is not mounted
// fails, and each caller must get its own answer. Real mounts are exercised by the sandbox runner's
// integration tests and every run of the end-to-end suites.
describe('runMountCommand', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockbox-mount-helper-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a failing command with its exit code and what it said, to each caller separately', async () => {
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((name) => runMountCommand('umount', [join(dir, name)], 10_000)));
    for (const [index, outcome] of outcomes.entries()) {
      expect(outcome.status).toBe('rejected');
      const message = (outcome as PromiseRejectedResult).reason.message as string;
      expect(message).toMatch(/^exit code [1-9]\d*: /);
      expect(message).toContain(['a', 'b', 'c'][index]);
    }
  });

  it('runs arguments that are not plain words without the shell, so they stay one argument each', async () => {
    await expect(runMountCommand('umount', [join(dir, 'with space; touch x')], 10_000)).rejects.toThrow(/Command failed: umount/);
  });
});
