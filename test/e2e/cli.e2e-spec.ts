// The developer's path, driven through the `lockbox` CLI as a subprocess (what `npx lockbox` runs):
// init → fixtures → run (local sandbox) → pack → login → submit → status --watch, then an admin
// approves through the API and a user runs the published analysis on the same data.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateRecord, validateResult } from '@lockbox/analysis-sdk';
import { approveSubmission } from '../support/analysis-images';
import { repoRoot } from '../support/launcher';
import { api, apiUrl, createSession, eventually, type Session, upload } from '../support/session';

const LOCKBOX_BIN = join(repoRoot, 'node_modules/.bin/lockbox');
const CLI_MAIN = join(repoRoot, 'analysis-sdk/dist/cli/main.js');
/** The Node 20 release lockbox/node-base:20 carries (analysis-sdk/assets/base-image.sh). */
const NODE_RELEASE_20 = /^NODE_RELEASE_20=(\S+)$/m.exec(readFileSync(join(repoRoot, 'analysis-sdk/assets/base-image.sh'), 'utf8'))![1]!;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

let work: string;
let configDir: string;
/** Analysis names built here: `lockbox build` tags their images `lockbox-local/<name>:<version>`. */
const builtNames: string[] = [];

interface CliOptions {
  cwd?: string;
  stdin?: string;
  env?: Record<string, string>;
  /** Another Node binary to run the CLI with (by default the bin's `#!/usr/bin/env node`: the platform's). */
  node?: string;
}

/** Runs `lockbox <args>` in `cwd`, with its own config directory, optionally feeding stdin. */
function lockbox(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [file, argv] = options.node ? [options.node, [CLI_MAIN, ...args]] : [LOCKBOX_BIN, args];
    const child = spawn(file, argv, {
      cwd: options.cwd ?? work,
      env: { ...process.env, LOCKBOX_CONFIG_DIR: configDir, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** A successful CLI call; otherwise the failure with everything the CLI said. */
async function lockboxOk(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const result = await lockbox(args, options);
  if (result.code !== 0) throw new Error(`lockbox ${args.join(' ')} exited ${result.code}\n${result.stderr}\n${result.stdout}`);
  return result;
}

async function uploadDataset(user: Session, path: string): Promise<string> {
  const accepted = await upload(
    '/datasets',
    [
      { name: 'format', content: 'lockbox-jsonl' },
      { name: 'file', content: await readFile(path), filename: 'data.jsonl', contentType: 'application/x-ndjson' },
    ],
    { token: user.token },
  );
  expect(accepted.status).toBe(202);
  const status = await eventually(
    async () => {
      const response = await api('GET', `/datasets/${accepted.body.id}`, { token: user.token });
      return ['ready', 'failed'].includes(response.body.status) ? response.body.status : undefined;
    },
    60_000,
    'dataset ingestion',
  );
  expect(status).toBe('ready');
  return accepted.body.id;
}

beforeAll(() => {
  // The CLI is the SDK's build (analysis-sdk/dist), which npm run prereqs keeps up to date. Checked here
  // too, so a direct `npx jest` of this file on a stale build says so instead of testing old code.
  const check = spawnSync('bash', [join(repoRoot, 'scripts/prereqs.sh'), '--check'], { env: { ...process.env, LOCKBOX_SKIP_IMAGES: '1' }, encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`the prerequisites are not met:\n${check.stderr}`);
});

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'lockbox-cli-e2e-'));
  configDir = join(work, 'config');
});

afterEach(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

afterAll(() => {
  // The images are small layers on the shared base image; the tags would pile up run after run.
  const tags = builtNames.map((name) => `lockbox-local/${name}:0.1.0`);
  if (tags.length) spawnSync('docker', ['image', 'rm', '--force', ...tags], { stdio: 'ignore' });
});

describe('the lockbox CLI', () => {
  it('takes an analysis from lockbox init to a published analysis whose platform result equals the local one', async () => {
    const name = `cli-e2e-${randomUUID().slice(0, 8)}`;
    builtNames.push(name);
    const project = join(work, 'analysis');

    await lockboxOk(['init', project, '--name', name]);
    expect(JSON.parse(await readFile(join(project, 'lockbox.json'), 'utf8'))).toMatchObject({ name, scopes: { 'social.posts': ['timestamp', 'likes'] } });
    expect((await lockboxOk(['validate'], { cwd: project })).stdout).toContain(`is valid: ${name} 0.1.0`);
    // The scaffold's own test passes as written (node --test reports in TAP on Node 20, in its spec format on 24).
    expect((await lockboxOk(['test'], { cwd: project })).stdout).toMatch(/^(# |ℹ )pass 2$/m);

    // Deterministic fixtures: the same seed gives the same bytes, each line a valid canonical record.
    await lockboxOk(['fixtures', '--records', '120', '--seed', '7'], { cwd: project });
    const data = join(project, 'fixtures/data.jsonl');
    const fixtures = await readFile(data, 'utf8');
    const again = await lockboxOk(['fixtures', project, '--records', '120', '--seed', '7', '--out', '-']);
    expect(again.stdout).toBe(fixtures);
    const lines = fixtures.trim().split('\n');
    expect(lines).toHaveLength(120);
    expect(lines.every((line) => validateRecord(line).ok)).toBe(true);

    // A local run in the platform's sandbox, on the fixtures directory (its .jsonl files).
    const local = await lockboxOk(['run', '--data', 'fixtures', '--params', '{"top":2}'], { cwd: project });
    expect(local.stdout).toContain('summary: 120 posts; most liked around');
    expect(local.stderr).toContain('staged 120 social.posts (consented fields only)');
    const localResult = JSON.parse(await readFile(join(project, '.lockbox/result.json'), 'utf8'));
    expect(validateResult(localResult).ok).toBe(true);
    expect(localResult.blocks.find((block: { type: string }) => block.type === 'table').rows).toHaveLength(2);

    const packed = await lockboxOk(['pack', '--out', join(work, 'submission.lockbox.tar')], { cwd: project });
    expect(packed.stderr).toMatch(/image sha256:[a-f0-9]{64}: [\d.]+ MiB, \d+ layers/);
    const tarList = execFileSync('tar', ['tf', join(work, 'submission.lockbox.tar')], { encoding: 'utf8' });
    expect(tarList.trim().split('\n')).toEqual(['lockbox.json', 'image.tar']);

    // Login with the password on stdin; the token is stored for the developer alone.
    const developer = await createSession('developer');
    await lockboxOk(['login', '--url', apiUrl(), '--email', developer.email], { stdin: `${developer.password}\n` });
    const credentials = join(configDir, 'credentials.json');
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(credentials, 'utf8')).token).toMatch(/^lbx_/);

    const submitted = await lockboxOk(['submit', join(work, 'submission.lockbox.tar')]);
    const submissionId = submitted.stdout.trim();
    expect(submissionId).toMatch(/^[0-9a-f-]{36}$/);
    const watched = await lockboxOk(['status', submissionId, '--watch']);
    expect(watched.stdout).toContain(`${name} 0.1.0  awaiting_review`);
    expect((await lockboxOk(['status'])).stdout).toContain(submissionId);

    const admin = await createSession('admin');
    await approveSubmission(admin, submissionId);
    expect((await lockboxOk(['status', submissionId])).stdout).toContain('published');

    // A user runs it on the same data: the platform's result is the local one.
    const user = await createSession('user');
    const datasetId = await uploadDataset(user, data);
    const accepted = await api('POST', '/runs', {
      token: user.token,
      body: { analysis: name, datasetIds: [datasetId], params: { top: 2 }, consent: { scopes: { 'social.posts': ['timestamp', 'likes'] } } },
    });
    expect(accepted.status).toBe(202);
    const run = await eventually(
      async () => {
        const response = await api('GET', `/runs/${accepted.body.id}`, { token: user.token });
        return ['queued', 'running'].includes(response.body.status) ? undefined : response.body;
      },
      90_000,
      'the run to finish',
    );
    expect(run.status).toBe('succeeded');
    const result = await api('GET', `/runs/${accepted.body.id}/result`, { token: user.token });
    expect(result.status).toBe(200);
    expect(result.body).toEqual(localResult);
    // Two image builds, a 130 MiB upload, the checks and two runs: more than the default test timeout on a busy machine.
  }, 360_000);

  it('reports an analysis that writes an invalid result, locally and in the check report', async () => {
    const project = join(work, 'broken');
    const name = `cli-broken-${randomUUID().slice(0, 8)}`;
    builtNames.push(name);
    await lockboxOk(['init', project, '--name', name]);
    // Bypasses the SDK's own validation, as a careless analysis might.
    await writeFile(
      join(project, 'src/main.ts'),
      `import { writeFileSync } from 'node:fs';\nwriteFileSync('/output/result.json', JSON.stringify({ schemaVersion: 1, summary: 'x', blocks: [{ type: 'script' }] }));\n`,
    );
    const local = await lockbox(['run', '--data', 'fixtures/data.jsonl'], { cwd: project });
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('run failed (output_invalid)');

    const developer = await createSession('developer');
    await lockboxOk(['login', '--url', apiUrl(), '--email', developer.email, '--password', developer.password]);
    const submissionId = (await lockboxOk(['submit', project])).stdout.trim();
    const watched = await lockbox(['status', submissionId, '--watch']);
    const submission = (await api('GET', `/submissions/${submissionId}`, { token: developer.token })).body;
    const steps: { name: string }[] = submission.checkReport?.steps ?? [];
    // Only once the checks include a smoke run can they see what the analysis writes.
    if (steps.some((step) => /smoke/i.test(step.name))) {
      expect(submission.status).toBe('check_failed');
      expect(watched.code).toBe(1);
      expect(watched.stdout).toContain('check_failed');
      expect(watched.stdout).toMatch(/FAILED \S*smoke\S*: .*invalid/i);
    } else {
      expect(watched.code).toBe(0);
      expect(watched.stdout).toContain('awaiting_review');
    }
  }, 240_000);

  it('runs on Node 20, and keeps an analysis FROM lockbox/node-base:20 building, running and passing the checks', async () => {
    // The SDK's users keep their Node (engines >= 20.19) and their Dockerfiles. The base build fetches the
    // pinned Node 20 into .tools (once), and the CLI itself then runs on that Node for the whole path.
    const tools = { LOCKBOX_NODE_CACHE: join(repoRoot, '.tools') };
    await lockboxOk(['base', 'build', '--node', '20'], { env: tools });
    const node20 = join(repoRoot, '.tools', `node-${NODE_RELEASE_20}`, 'bin/node');
    expect(execFileSync(node20, ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${NODE_RELEASE_20}`);
    const onNode20 = { node: node20 };
    expect((await lockboxOk(['--help'], onNode20)).stdout).toContain('Usage: lockbox <command>');

    const name = `cli-node20-${randomUUID().slice(0, 8)}`;
    builtNames.push(name);
    const project = join(work, 'legacy');
    await lockboxOk(['init', project, '--name', name], onNode20);
    const dockerfile = join(project, 'Dockerfile');
    await writeFile(dockerfile, (await readFile(dockerfile, 'utf8')).replace('FROM lockbox/node-base:24', 'FROM lockbox/node-base:20'));
    expect((await lockboxOk(['validate'], { ...onNode20, cwd: project })).stdout).toContain(`is valid: ${name} 0.1.0`);
    expect((await lockboxOk(['test'], { ...onNode20, cwd: project })).stdout).toContain('# pass 2');
    const local = await lockboxOk(['run', '--data', 'fixtures/data.jsonl'], { ...onNode20, cwd: project });
    expect(local.stdout).toContain('summary: 200 posts; most liked around');
    const imageId = /^image (sha256:[a-f0-9]{64})$/m.exec(local.stderr)![1]!;
    // The analysis itself ran on Node 20: its image is built on :20.
    expect(execFileSync('docker', ['run', '--rm', '--network', 'none', imageId, '-p', 'process.version'], { encoding: 'utf8' }).trim()).toBe(
      `v${NODE_RELEASE_20}`,
    );

    // The platform accepts and checks it like any other image.
    const developer = await createSession('developer');
    await lockboxOk(['login', '--url', apiUrl(), '--email', developer.email, '--password', developer.password], onNode20);
    const submissionId = (await lockboxOk(['submit', project], onNode20)).stdout.trim();
    const watched = await lockboxOk(['status', submissionId, '--watch'], onNode20);
    expect(watched.stdout).toContain(`${name} 0.1.0  awaiting_review`);
  }, 300_000);

  it('answers wrong usage with a clear message and a non-zero exit code', async () => {
    const unknown = await lockbox(['publish']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'publish'");
    const noData = await lockbox(['run', work]);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toContain('--data <path> is required');
    const notAProject = await lockbox(['validate', work]);
    expect(notAProject.code).toBe(1);
    expect(notAProject.stderr).toContain('lockbox.json not found');
    const loggedOut = await lockbox(['status']);
    expect(loggedOut.code).toBe(1);
    expect(loggedOut.stderr).toContain('not logged in');
    for (const result of [unknown, noData, notAProject, loggedOut]) expect(result.stderr).not.toContain('unexpected error');
  });
});
