import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/launcher';

const run = promisify(execFile);

/**
 * `npm run demo` against the test stack: a developer ships a version of the sample, the admin approves
 * it, a user uploads the fixture, consents, runs it, hears of it over SSE and reads the result — all
 * through the public HTTP API. The demo itself checks the numbers against the fixture.
 */
describe('npm run demo', () => {
  it('tells the whole story and prints a result that matches the fixture', async () => {
    const { stdout } = await run(process.execPath, [join(repoRoot, 'dist/apps/launcher/src/demo.js')], {
      env: {
        ...process.env,
        LOCKBOX_ADMIN_EMAIL: process.env.LOCKBOX_TEST_ADMIN_EMAIL,
        LOCKBOX_ADMIN_PASSWORD: process.env.LOCKBOX_TEST_ADMIN_PASSWORD,
      },
      timeout: 600_000,
    });
    expect(stdout).toMatch(/submitted social-engagement@1\.0\.\d+/);
    expect(stdout).toMatch(/published: image sha256:[0-9a-f]{64}/);
    expect(stdout).toMatch(/SSE: run\.succeeded/);
    expect(stdout).toMatch(/200 posts, 2,769 engagements/);
    expect(stdout).toMatch(/The numbers match the fixture \(200 posts, 1950 likes, 2769 engagements\)/);
  }, 600_000);
});

describe('npm run demo against a stack that is not on loopback', () => {
  it('refuses to run: such a stack has no demo accounts, whose passwords are published', async () => {
    const home = mkdtempSync(join(tmpdir(), 'lockbox-demo-'));
    try {
      writeFileSync(
        join(home, 'runtime.json'),
        JSON.stringify({ version: 1, instanceId: 'x', launcherPid: 1, startedAt: new Date().toISOString(), apiUrl: 'http://0.0.0.0:9' }),
      );
      const outcome = await run(process.execPath, [join(repoRoot, 'dist/apps/launcher/src/demo.js')], {
        env: { ...process.env, LOCKBOX_HOME: home },
        timeout: 60_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
      expect(outcome).toEqual({
        code: 1,
        stderr: expect.stringMatching(/the demo runs only against a stack on loopback; the one in .* listens on 0\.0\.0\.0/),
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
