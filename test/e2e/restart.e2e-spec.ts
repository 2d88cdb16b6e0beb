import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from '@lockbox/config';
import { ObjectStorageRepository } from '@lockbox/storage';
import { newTestHome, TEST_STACK_ENV } from '../support/global-setup';
import { launcherOutput, logTail, repoRoot, type RunningLauncher, startLauncher, stopLauncherProcess } from '../support/launcher';

/**
 * The test stack's settings without a configured admin, as a fresh `npm run up` starts, and without a
 * trusted proxy (the default).
 */
const { LOCKBOX_ADMIN_EMAIL: _email, LOCKBOX_ADMIN_PASSWORD: _password, LOCKBOX_TRUST_PROXY: _proxy, ...DEFAULT_STACK_ENV } = TEST_STACK_ENV;

/** Every path under `home` with its permission bits, symbolic links aside. */
function modesUnder(home: string): Array<{ path: string; mode: number }> {
  const found: Array<{ path: string; mode: number }> = [];
  const visit = (path: string): void => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    found.push({ path: relative(home, path) || '.', mode: stat.mode & 0o777 });
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(home);
  return found;
}

/** `npm run up`, Ctrl-C, `npm run up` again: everything written before is still there. */
describe('restarting the embedded stack', () => {
  let launcher: RunningLauncher | undefined;
  let home: string;

  afterAll(async () => {
    if (launcher) await stopLauncherProcess(launcher.child);
  });

  async function call(
    path: string,
    init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${launcher!.apiUrl}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  let adminPassword: string;

  it('starts without a configured admin: admin@lockbox.local gets a generated password, printed once, never admin-password', async () => {
    home = newTestHome('restart');
    launcher = await startLauncher(home, DEFAULT_STACK_ENV);
    const printed = /admin\s+admin@lockbox\.local\s+password: (\S+)/.exec(launcherOutput(launcher));
    expect(printed).not.toBeNull();
    adminPassword = printed![1]!;
    expect(adminPassword.length).toBeGreaterThanOrEqual(24);
    expect((await call('/auth/login', { method: 'POST', body: { email: 'admin@lockbox.local', password: 'admin-password' } })).status).toBe(401);
    const admin = await call('/auth/login', { method: 'POST', body: { email: 'admin@lockbox.local', password: adminPassword } });
    expect(admin.status).toBe(200);
    expect((await call('/health/details', { token: admin.body.accessToken })).body.workers.length).toBeGreaterThan(0);
  });

  it('keeps the home private to its owner: no path under it is open to others, credentials and data to anyone but the owner', () => {
    const modes = modesUnder(home);
    const root = modes.find((entry) => entry.path === '.')!;
    // The group may only pass through (0710), and only when PostgreSQL runs as its own user (as root).
    expect(root.mode & 0o707).toBe(0o700);
    expect(root.mode & 0o070).toBe(process.getuid?.() === 0 ? 0o010 : 0);
    // Run input under work/ is world-readable on purpose (the container user reads it), inside 0700 attempt directories.
    const open = modes.filter((entry) => entry.path !== '.' && !entry.path.startsWith('work/') && (entry.mode & 0o077) !== 0);
    expect(open).toEqual([]);
    expect(modes.find((entry) => entry.path === 'work')?.mode ?? 0o700).toBe(0o700);
    for (const secret of ['runtime.json', 'jwt-secret', 'postgres-password', 'redis-password', 's3-credentials.json', 'logs/api.log', 'logs/worker.log']) {
      expect({ secret, mode: statSync(join(home, secret)).mode & 0o777 }).toEqual({ secret, mode: 0o600 });
    }
    const runtime = JSON.parse(readFileSync(join(home, 'runtime.json'), 'utf8')) as { redisUrl: string; awsAccessKeyId: string };
    expect(new URL(runtime.redisUrl).password.length).toBeGreaterThanOrEqual(32);
    expect(runtime.awsAccessKeyId).not.toBe('S3RVER');
  });

  it('keeps users, tokens, stored objects and the admin password across Ctrl-C and a new start, and shows the password no more', async () => {
    const email = `restart-${randomUUID().slice(0, 8)}@test.lockbox.local`;
    const password = 'restart test password';
    expect((await call('/auth/register', { method: 'POST', body: { email, password, role: 'developer' } })).status).toBe(201);
    const login = await call('/auth/login', { method: 'POST', body: { email, password } });
    const issued = await call('/me/tokens', { method: 'POST', token: login.body.accessToken, body: { name: 'survives restarts' } });
    expect(issued.status).toBe(201);

    const storage = new ObjectStorageRepository(loadConfig({ LOCKBOX_HOME: home }).s3);
    const bytes = Buffer.from(`object written before the restart ${randomUUID()}`);
    await storage.putBuffer('restart-check/object.bin', bytes);

    expect(await stopLauncherProcess(launcher!.child)).toBe(0);
    launcher = await startLauncher(home, DEFAULT_STACK_ENV);

    const again = await call('/auth/login', { method: 'POST', body: { email, password } });
    expect(again.status).toBe(200);
    expect((await call('/me', { token: issued.body.token })).body).toMatchObject({ email, role: 'developer' });
    // The access token from before the restart is still valid: the signing secret is kept in the home.
    expect((await call('/me', { token: login.body.accessToken })).status).toBe(200);
    const restartedStorage = new ObjectStorageRepository(loadConfig({ LOCKBOX_HOME: home }).s3);
    expect(await restartedStorage.getBuffer('restart-check/object.bin', { maxBytes: 1024 })).toEqual(bytes);

    expect(launcherOutput(launcher)).toMatch(/admin\s+admin@lockbox\.local/);
    expect(launcherOutput(launcher)).not.toContain(adminPassword);
    expect((await call('/auth/login', { method: 'POST', body: { email: 'admin@lockbox.local', password: adminPassword } })).status).toBe(200);
  });

  it('throttles by the socket address when no proxy is trusted: X-Forwarded-For changes nothing', async () => {
    // 12 failures from one address (3 per account, times 4) start its backoff, whatever each request claims.
    for (let attempt = 0; attempt < 12; attempt++) {
      const response = await call('/auth/login', {
        method: 'POST',
        body: { email: `nobody-${attempt}@test.lockbox.local`, password: 'guess' },
        headers: { 'x-forwarded-for': `198.51.100.${attempt + 1}` },
      });
      expect(response.status).toBe(401);
    }
    const claimed = await call('/auth/login', {
      method: 'POST',
      body: { email: 'admin@lockbox.local', password: adminPassword },
      headers: { 'x-forwarded-for': '203.0.113.200' },
    });
    expect(claimed.status).toBe(429);
  });

  it('refuses to serve on a non-loopback HOST while the demo accounts keep their published passwords', async () => {
    expect(await stopLauncherProcess(launcher!.child)).toBe(0);
    launcher = undefined;
    const logPath = join(home, 'launcher-exposed.log');
    const log = openSync(logPath, 'a');
    const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'dist/apps/launcher/src/main.js')], {
      env: { ...process.env, ...DEFAULT_STACK_ENV, LOCKBOX_HOME: home, HOST: '0.0.0.0', PORT: '0', LOCKBOX_LAUNCHER_QUIET: '1' },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    expect({ code, output: logTail(logPath, 10) }).toEqual({
      code: 1,
      output: expect.stringMatching(
        /refusing to serve on 0\.0\.0\.0: the demo accounts developer@lockbox\.local, user@lockbox\.local still have their published passwords/,
      ),
    });
    expect(readFileSync(logPath, 'utf8')).not.toContain('Lockbox is up.');
  });
});
