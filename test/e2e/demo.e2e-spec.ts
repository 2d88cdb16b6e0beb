import { execFile } from 'node:child_process';
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
