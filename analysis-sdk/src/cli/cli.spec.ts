import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { validateManifest } from '../manifest';
import { validateRecord } from '../records';
import { runCli } from './cli';
import type { CliIo } from './cli-io';

let dir: string;
let out: string;
let err: string;
const io = (env: CliIo['env'] = {}): CliIo => ({
  out: (text) => void (out += text),
  err: (text) => void (err += text),
  env,
  cwd: dir,
  stdin: new PassThrough(),
});

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs the CLI; the exit code and the one line it printed, which is never an unexpected error. */
async function mistake(argv: string[], env: CliIo['env'] = {}): Promise<{ code: number; err: string }> {
  err = '';
  const code = await runCli(argv, io(env));
  expect(err).not.toContain('unexpected error');
  expect(err).not.toMatch(/\n\s+at /);
  return { code, err };
}

/** An engine that cannot answer: a socket path nothing listens on (PATH, so the docker CLI is found). */
// eslint-disable-next-line no-restricted-properties -- the test plays a user's shell, not platform configuration
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/lockbox-no-docker.sock', PATH: process.env.PATH };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockbox-cli-spec-'));
  out = '';
  err = '';
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('runCli', () => {
  it('lists the commands on --help (exit 0) and without a command (exit 2)', async () => {
    expect(await runCli(['--help'], io())).toBe(0);
    for (const name of ['base build', 'init <dir>', 'validate [dir]', 'fixtures [dir]', 'run [dir]', 'pack [dir]', 'login', 'submit', 'status']) {
      expect(out).toContain(`  ${name}`);
    }
    expect(await runCli([], io())).toBe(2);
  });

  it('gives every command a --help', async () => {
    for (const name of ['base', 'init', 'validate', 'fixtures', 'test', 'build', 'run', 'pack', 'login', 'submit', 'status']) {
      out = '';
      expect(await runCli([name, '--help'], io())).toBe(0);
      expect(out).toContain(`Usage: lockbox ${name}`);
    }
  });

  it('names an unknown command and exits 2', async () => {
    expect(await runCli(['publish'], io())).toBe(2);
    expect(err).toContain("lockbox: unknown command 'publish'");
  });

  it('scaffolds a project whose manifest and fixtures pass the platform rules, and refuses a non-empty directory', async () => {
    expect(await runCli(['init', 'My Analysis!'], io())).toBe(0);
    const project = join(dir, 'My Analysis!');
    const manifest = JSON.parse(await readFile(join(project, 'lockbox.json'), 'utf8'));
    expect(manifest.name).toBe('my-analysis');
    expect(validateManifest(manifest).ok).toBe(true);
    const lines = (await readFile(join(project, 'fixtures/data.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(200);
    expect(lines.every((line) => validateRecord(line).ok)).toBe(true);
    expect(await readFile(join(project, 'Dockerfile'), 'utf8')).toContain('FROM lockbox/node-base:24');

    err = '';
    expect(await runCli(['init', 'My Analysis!'], io())).toBe(1);
    expect(err).toContain('is not empty');
  });

  it('validates a manifest, naming every field that breaks a rule', async () => {
    expect(await runCli(['init', 'ok-analysis'], io())).toBe(0);
    out = '';
    expect(await runCli(['validate', 'ok-analysis'], io())).toBe(0);
    expect(out).toContain('is valid: ok-analysis 0.1.0');

    const manifest = JSON.parse(await readFile(join(dir, 'ok-analysis/lockbox.json'), 'utf8'));
    manifest.resources.memory = '8g';
    manifest.scopes = { 'social.posts': ['timestamp', 'mood'], 'health.steps': ['count'] };
    await writeFile(join(dir, 'ok-analysis/lockbox.json'), JSON.stringify(manifest));
    expect(await runCli(['validate', 'ok-analysis'], io())).toBe(1);
    expect(err).toContain('resources.memory');
    expect(err).toContain('scopes["social.posts"][1] is not a field of social.posts');
    expect(err).toContain('health.steps');
  });

  it('reports a manifest that is not JSON and a directory without one', async () => {
    await writeFile(join(dir, 'lockbox.json'), '{ nope');
    expect(await runCli(['validate'], io())).toBe(1);
    expect(err).toContain('not valid JSON');
    err = '';
    expect(await runCli(['validate', 'elsewhere'], io())).toBe(1);
    expect(err).toContain('lockbox.json not found');
  });

  it('refuses --params that are not a JSON object before building anything', async () => {
    expect(await runCli(['init', 'p'], io())).toBe(0);
    expect(await runCli(['run', 'p', '--data', 'p/fixtures/data.jsonl', '--params', '[1]'], io())).toBe(2);
    expect(err).toContain('--params must be a JSON object');
    err = '';
    expect(await runCli(['run', 'p', '--data', 'p/fixtures/data.jsonl', '--params', '{"top":99}'], io())).toBe(1);
    expect(err).toContain('top');
  });

  describe('user mistakes get one clear line and exit 1 or 2, never an unexpected error', () => {
    it('lockbox run --data: a directory of .jsonl files is read; anything else says what --data expects', async () => {
      expect(await runCli(['init', 'p'], io())).toBe(0);
      expect(await mistake(['run', 'p'])).toEqual({ code: 2, err: expect.stringContaining('--data <path> is required: a dataset file in canonical JSONL') });
      expect(await mistake(['run', 'p', '--data', 'p/missing.jsonl'])).toEqual({
        code: 1,
        err: expect.stringContaining('missing.jsonl not found: it must be a dataset file'),
      });
      await mkdir(join(dir, 'empty'));
      expect(await mistake(['run', 'p', '--data', 'empty'])).toEqual({ code: 1, err: expect.stringContaining('is a directory without .jsonl files') });
      // The fixtures directory itself is accepted: the run gets as far as the Docker Engine (EISDIR before).
      const fromDirectory = await mistake(['run', 'p', '--data', 'p/fixtures'], NO_ENGINE);
      expect(fromDirectory.code).toBe(1);
      expect(fromDirectory.err).not.toContain('--data');
      expect(fromDirectory.err).toMatch(/the Docker Engine does not answer|the docker CLI was not found/);
    });

    it('a project path that is a file, a manifest that is a directory', async () => {
      await writeFile(join(dir, 'file'), 'x');
      expect(await mistake(['validate', 'file'])).toEqual({ code: 1, err: expect.stringContaining('file is not a directory: give the analysis project') });
      await mkdir(join(dir, 'odd', 'lockbox.json'), { recursive: true });
      expect(await mistake(['build', 'odd'])).toEqual({ code: 1, err: expect.stringContaining('lockbox.json is a directory, not the manifest file') });
      expect(await mistake(['init', 'file/sub'])).toEqual({ code: 1, err: expect.stringContaining('cannot use') });
    });

    it('not logged in, damaged credentials, a platform that refuses the connection', async () => {
      const env = { LOCKBOX_CONFIG_DIR: join(dir, 'config') };
      expect(await mistake(['status'], env)).toEqual({ code: 1, err: expect.stringContaining('not logged in: run lockbox login') });
      expect(await mistake(['submit'], env)).toEqual({ code: 1, err: expect.stringContaining('not logged in') });
      await mkdir(env.LOCKBOX_CONFIG_DIR);
      await writeFile(join(env.LOCKBOX_CONFIG_DIR, 'credentials.json'), '{ half');
      expect(await mistake(['status'], env)).toEqual({ code: 1, err: expect.stringContaining('is damaged: run lockbox login again') });

      const port = await closedPort();
      const url = `http://127.0.0.1:${port}`;
      await writeFile(
        join(env.LOCKBOX_CONFIG_DIR, 'credentials.json'),
        JSON.stringify({ url, email: 'd@x.test', token: 'lbx_x', tokenId: 't', createdAt: '' }),
      );
      expect(await mistake(['status'], env)).toEqual({
        code: 1,
        err: `lockbox status: cannot reach ${url}: 127.0.0.1:${port}: connection refused (is it running?)\n`,
      });
      expect(await mistake(['login', '--url', url, '--email', 'd@x.test', '--password', 'p'], env)).toEqual({
        code: 1,
        err: expect.stringContaining('connection refused'),
      });
    });

    it('a Docker Engine that does not answer', async () => {
      expect(await runCli(['init', 'p'], io())).toBe(0);
      const built = await mistake(['build', 'p'], NO_ENGINE);
      expect(built.code).toBe(1);
      expect(built.err).toMatch(/the Docker Engine does not answer: start it|the docker CLI was not found/);
    });
  });
});
