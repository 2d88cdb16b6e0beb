import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error';
import { configDir, credentialsPath, loadCredentials, saveCredentials } from './credentials';
import { platformUrl } from './commands/login.command';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'lockbox-credentials-spec-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('credentials', () => {
  it('are stored readable by the owner alone and read back', async () => {
    const env = { LOCKBOX_CONFIG_DIR: join(dir, 'config') };
    const credentials = { url: 'http://127.0.0.1:3000', email: 'dev@example.com', token: 'lbx_secret', tokenId: 't1', createdAt: '2026-01-01T00:00:00.000Z' };
    const path = await saveCredentials(env, credentials);
    expect(path).toBe(join(dir, 'config', 'credentials.json'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await loadCredentials(env)).toEqual(credentials);
    expect(JSON.parse(await readFile(path, 'utf8')).token).toBe('lbx_secret');
  });

  it('tell the user to log in when there are none, and to log in again when damaged', async () => {
    const env = { LOCKBOX_CONFIG_DIR: dir };
    await expect(loadCredentials(env)).rejects.toThrow('not logged in');
    await saveCredentials(env, { url: 'http://x', email: 'e', token: 't', tokenId: 'i', createdAt: '' });
    await import('node:fs/promises').then((fs) => fs.writeFile(credentialsPath(env), '{"url":1}'));
    await expect(loadCredentials(env)).rejects.toBeInstanceOf(CliError);
  });

  it('live in LOCKBOX_CONFIG_DIR, else XDG_CONFIG_HOME/lockbox, else ~/.config/lockbox', () => {
    expect(configDir({ LOCKBOX_CONFIG_DIR: '/a', XDG_CONFIG_HOME: '/b', HOME: '/c' })).toBe('/a');
    expect(configDir({ XDG_CONFIG_HOME: '/b', HOME: '/c' })).toBe('/b/lockbox');
    expect(configDir({ HOME: '/c' })).toBe('/c/.config/lockbox');
  });
});

describe('platformUrl', () => {
  it('keeps the base URL, without a trailing slash or the API prefix', () => {
    expect(platformUrl('http://127.0.0.1:3000/')).toBe('http://127.0.0.1:3000');
    expect(platformUrl('https://lockbox.example/api/v1')).toBe('https://lockbox.example');
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => platformUrl('localhost:3000')).toThrow('http(s)');
    expect(() => platformUrl('not a url')).toThrow('is not a URL');
  });
});
