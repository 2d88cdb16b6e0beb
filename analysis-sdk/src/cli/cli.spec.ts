import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
const io = (): CliIo => ({ out: (text) => void (out += text), err: (text) => void (err += text), env: {}, cwd: dir, stdin: new PassThrough() });

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
});
