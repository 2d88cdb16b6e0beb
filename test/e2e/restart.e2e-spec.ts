import { randomUUID } from 'node:crypto';
import { loadConfig } from '@lockbox/config';
import { ObjectStorageRepository } from '@lockbox/storage';
import { newTestHome, TEST_STACK_ENV } from '../support/global-setup';
import { type RunningLauncher, startLauncher, stopLauncherProcess } from '../support/launcher';

/** `npm run up`, Ctrl-C, `npm run up` again: everything written before is still there. */
describe('restarting the embedded stack', () => {
  let launcher: RunningLauncher | undefined;

  afterAll(async () => {
    if (launcher) await stopLauncherProcess(launcher.child);
  });

  async function call(path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
    const response = await fetch(`${launcher!.apiUrl}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  it('keeps users, tokens and stored objects across Ctrl-C and a new start', async () => {
    const home = newTestHome('restart');
    launcher = await startLauncher(home, TEST_STACK_ENV);
    const email = `restart-${randomUUID().slice(0, 8)}@test.lockbox.local`;
    const password = 'restart test password';
    expect((await call('/auth/register', { method: 'POST', body: { email, password, role: 'developer' } })).status).toBe(201);
    const login = await call('/auth/login', { method: 'POST', body: { email, password } });
    const issued = await call('/me/tokens', { method: 'POST', token: login.body.accessToken, body: { name: 'survives restarts' } });
    expect(issued.status).toBe(201);

    const storage = new ObjectStorageRepository(loadConfig({ LOCKBOX_HOME: home }).s3);
    const bytes = Buffer.from(`object written before the restart ${randomUUID()}`);
    await storage.putBuffer('restart-check/object.bin', bytes);

    expect(await stopLauncherProcess(launcher.child)).toBe(0);
    launcher = await startLauncher(home, TEST_STACK_ENV);

    const again = await call('/auth/login', { method: 'POST', body: { email, password } });
    expect(again.status).toBe(200);
    expect((await call('/me', { token: issued.body.token })).body).toMatchObject({ email, role: 'developer' });
    // The access token from before the restart is still valid: the signing secret is kept in the home.
    expect((await call('/me', { token: login.body.accessToken })).status).toBe(200);
    const restartedStorage = new ObjectStorageRepository(loadConfig({ LOCKBOX_HOME: home }).s3);
    expect(await restartedStorage.getBuffer('restart-check/object.bin', { maxBytes: 1024 })).toEqual(bytes);
  });
});
