// The sandbox runner against the real Docker Engine: every verdict of ARCHITECTURE §3 that an analysis
// can cause, the container settings of §5 as the engine reports them, and no container or mount
// left behind by any run.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { DEFAULT_PLATFORM_LIMITS, parseResources, type SandboxRuntime } from '@lockbox/analysis-sdk';
import {
  OutputAreaStock,
  type OutputAreaSource,
  SandboxPlatformError,
  SandboxRunner,
  killRunContainers,
  listStackContainers,
  removeContainer,
  type RunProgress,
  type SandboxRunHooks,
  type SandboxRunSpec,
} from '@lockbox/analysis-sdk/sandbox';
import { eventually } from '../support/session';

// jest ignores `testTimeout` inside a project of a multi-project config (jest-circus reads only the global one).
jest.setTimeout(120_000);

const execFileAsync = promisify(execFile);
const MiB = 1024 * 1024;
const docker = new Docker();
const runner = new SandboxRunner(docker);
const instance = `sandbox-int-${process.pid}-${Date.now().toString(36)}`;

// One analysis with a mode per behaviour under test; it sees exactly what a real one sees.
const ANALYSIS_JS = String.raw`
const fs = require('fs');
const mode = process.argv[2];
const progress = (p, m) => process.stderr.write(JSON.stringify({ progress: p, message: m }) + '\n');
const writeResult = (doc) => fs.writeFileSync('/output/result.json', JSON.stringify(doc));
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const tryWrite = (path) => { try { fs.writeFileSync(path, 'x'); return 'ok'; } catch (e) { return e.code; } };

if (mode === 'ok' || mode === 'slow-ok') {
  if (mode === 'slow-ok') sleep(2000);
  const run = JSON.parse(fs.readFileSync('/input/run.json', 'utf8'));
  progress(0.1, 'Reading posts');
  const posts = fs.readFileSync('/input/data/social.posts.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const likes = posts.reduce((sum, post) => sum + post.likes, 0);
  progress(0.9, 'Writing the result');
  fs.mkdirSync('/output/artifacts');
  fs.writeFileSync('/output/artifacts/likes.csv', 'likes\n' + likes + '\n');
  writeResult({
    schemaVersion: 1,
    summary: posts.length + ' posts in run ' + run.runId,
    blocks: [
      { type: 'metric', label: 'Likes', value: likes, unit: 'likes' },
      { type: 'table', columns: ['variable', 'value'], rows: [['LOCKBOX_RUN_ID', process.env.LOCKBOX_RUN_ID || null]] },
    ],
  });
  console.log('done');
} else if (mode === 'exit3') {
  console.error('cannot parse the input: boom');
  process.exit(3);
} else if (mode === 'oom') {
  const hog = [];
  for (;;) hog.push(Buffer.alloc(16 * 1024 * 1024, 1));
} else if (mode === 'write-output') {
  // Writes argv[3] bytes to one artifact, then a result; a write past the tmpfs throws ENOSPC.
  let left = Number(process.argv[3]);
  fs.mkdirSync('/output/artifacts');
  const fd = fs.openSync('/output/artifacts/blob.txt', 'w');
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  while (left > 0) left -= fs.writeSync(fd, chunk, 0, Math.min(left, chunk.length));
  fs.closeSync(fd);
  writeResult({ schemaVersion: 1, summary: 'wrote ' + process.argv[3], blocks: [] });
} else if (mode === 'probe-fs') {
  fs.mkdirSync('/output/artifacts');
  const rows = ['/probe', '/input/probe', '/input/data/probe', '/tmp/probe', '/output/artifacts/probe.txt'].map((path) => [path, tryWrite(path)]);
  writeResult({ schemaVersion: 1, summary: 'write probe', blocks: [{ type: 'table', columns: ['path', 'outcome'], rows }] });
} else if (mode === 'markdown-script') {
  writeResult({ schemaVersion: 1, summary: 'x', blocks: [{ type: 'markdown', text: 'Hello <script>alert(1)</script>' }] });
} else {
  console.error('unknown mode ' + mode);
  process.exit(64);
}
`;

// The busybox image runs as root with CMD sh by default; result.sh writes a minimal valid result.
const RESULT_SH = `mkdir -p /output && printf '{"schemaVersion":1,"summary":"%s","blocks":[]}' "$1" > /output/result.json\n`;

let buildDir: string;
let workDir: string;
let inputDir: string;
let nodeImage: string;
let busyboxImage: string;
let runSeq = 0;

async function buildImage(tag: string, files: Record<string, string>): Promise<string> {
  const dir = join(buildDir, tag.replace(/[^a-z0-9]+/g, '-'));
  await mkdir(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  await execFileAsync('docker', ['build', '-q', '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  return (await docker.getImage(tag).inspect()).Id;
}

interface RunOptions {
  image: string;
  entrypoint: string[];
  memory?: string;
  timeout?: number;
  output?: string;
  runtime?: SandboxRuntime;
  hooks?: SandboxRunHooks;
  outputAreas?: OutputAreaSource;
}

async function runAnalysis(options: RunOptions) {
  const runId = `run-${++runSeq}`;
  const progress: RunProgress[] = [];
  const spec: SandboxRunSpec = {
    imageId: options.image,
    manifest: {
      entrypoint: options.entrypoint,
      resources: parseResources({ memory: options.memory ?? '256m', cpu: 1, timeout: options.timeout ?? 30, output: options.output ?? '16m' }),
    },
    runtime: options.runtime ?? 'runc',
    limits: DEFAULT_PLATFORM_LIMITS,
    inputDir,
    workDir,
    ...(options.outputAreas ? { outputAreas: options.outputAreas } : {}),
    labels: { instance, runId, attempt: 1, workerId: 'sandbox-int-worker' },
    env: { LOCKBOX_RUN_ID: runId },
  };
  const startedAt = Date.now();
  const outcome = await runner.run(spec, { onProgress: (p) => progress.push(p), ...options.hooks });
  return { outcome, progress, runId, elapsedMs: Date.now() - startedAt };
}

const node = (...args: string[]) => ({ image: nodeImage, entrypoint: ['node', '/app/analysis.js', ...args] });
const sh = (script: string) => ({ image: busyboxImage, entrypoint: ['sh', '-c', script] });

/** "type target options" of every mount under dir. */
async function mountsUnder(dir: string): Promise<string[]> {
  const mounts = await readFile('/proc/mounts', 'utf8');
  return mounts
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, target]) => target?.startsWith(`${dir}/`))
    .map(([, target, type, options]) => `${type} ${target} ${options}`);
}

beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'lockbox-sandbox-images-'));
  workDir = await mkdtemp(join(tmpdir(), 'lockbox-sandbox-work-'));
  inputDir = await mkdtemp(join(tmpdir(), 'lockbox-sandbox-input-'));
  // The input is staged by the worker, readable by the container user, and mounted read-only.
  await chmod(inputDir, 0o755);
  await mkdir(join(inputDir, 'data'), { mode: 0o755 });
  await writeFile(
    join(inputDir, 'run.json'),
    JSON.stringify({ runId: 'run-staged', analysis: 'sandbox-test', version: '1.0.0', params: {}, scopes: { 'social.posts': ['likes'] } }),
  );
  const posts = [3, 5, 0].map((likes) => JSON.stringify({ kind: 'social.posts', likes }));
  await writeFile(join(inputDir, 'data', 'social.posts.jsonl'), `${posts.join('\n')}\n`);

  [nodeImage, busyboxImage] = await Promise.all([
    buildImage('lockbox-test/sandbox-node:1', {
      Dockerfile: 'FROM lockbox/node-base:24\nCOPY analysis.js /app/analysis.js\n',
      'analysis.js': ANALYSIS_JS,
    }),
    buildImage('lockbox-test/sandbox-busybox:1', {
      Dockerfile: 'FROM lockbox/busybox:1\nCOPY result.sh /app/result.sh\n',
      'result.sh': RESULT_SH,
    }),
  ]);
});

afterEach(async () => {
  // Whatever the verdict, the runner leaves nothing behind.
  expect(await listStackContainers(docker, instance)).toEqual([]);
  expect(await mountsUnder(workDir)).toEqual([]);
  expect(await readdir(workDir)).toEqual([]);
});

afterAll(async () => {
  for (const dir of [buildDir, workDir, inputDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('SandboxRunner verdicts', () => {
  it('succeeds with the result, artifacts, logs and progress of an analysis that reads its input', async () => {
    const { outcome, progress, runId, elapsedMs } = await runAnalysis(node('ok'));
    expect(outcome).toMatchObject({ status: 'succeeded', message: 'the analysis finished', exitCode: 0, artifacts: [{ name: 'likes.csv' }] });
    expect(outcome.reason).toBeUndefined();
    expect(outcome.result).toEqual({
      schemaVersion: 1,
      summary: '3 posts in run run-staged',
      blocks: [
        { type: 'metric', label: 'Likes', value: 8, unit: 'likes' },
        { type: 'table', columns: ['variable', 'value'], rows: [['LOCKBOX_RUN_ID', runId]] },
      ],
    });
    expect(JSON.parse(outcome.resultBytes!.toString())).toEqual(outcome.result);
    expect(outcome.artifacts[0]!.bytes.toString()).toBe('likes\n8\n');
    expect(progress).toEqual([
      { progress: 0.1, message: 'Reading posts' },
      { progress: 0.9, message: 'Writing the result' },
    ]);
    expect(outcome.logs.toString()).toContain('done\n');
    expect(outcome.logBytesTotal).toBe(outcome.logs.length);
    expect(outcome.containerMs).toBeGreaterThan(0);
    expect(outcome.containerMs).toBeLessThan(elapsedMs);
    // The profile names every step a successful run takes, in order (no beforeStart hook was given).
    expect(Object.keys(outcome.steps)).toEqual([
      'image',
      'area',
      'create',
      'attach',
      'start',
      'wait',
      'drain',
      'inspect',
      'check',
      'collect',
      'remove',
      'unmount',
    ]);
  });

  it('captures the output of containers that exit at once (attached before start)', async () => {
    for (let i = 0; i < 3; i++) {
      const { outcome } = await runAnalysis(sh(`echo first-line-${i}; echo to-stderr >&2; exit 7`));
      expect(outcome).toMatchObject({ status: 'failed', reason: 'exit_code', exitCode: 7, message: 'the analysis exited with code 7' });
      // stdout and stderr are copied separately by the engine: their relative order is not kept.
      expect(outcome.logs.toString().split('\n').sort()).toEqual(['', `first-line-${i}`, 'to-stderr']);
    }
  });

  it('fails with exit_code and keeps the logs when the analysis exits non-zero', async () => {
    const { outcome } = await runAnalysis(node('exit3'));
    expect(outcome).toMatchObject({ status: 'failed', reason: 'exit_code', exitCode: 3, message: 'the analysis exited with code 3', artifacts: [] });
    expect(outcome.result).toBeUndefined();
    expect(outcome.logs.toString()).toContain('cannot parse the input: boom');
    // No output is collected for a failed run, and the container and its area are still cleaned up.
    expect(Object.keys(outcome.steps)).toEqual(['image', 'area', 'create', 'attach', 'start', 'wait', 'drain', 'inspect', 'check', 'remove', 'unmount']);
  });

  it('fails with output_invalid when the analysis exits 0 without a result', async () => {
    const { outcome } = await runAnalysis(sh('echo nothing to say'));
    expect(outcome).toMatchObject({ status: 'failed', reason: 'output_invalid', exitCode: 0, message: 'no /output/result.json was written' });
  });

  it('fails with oom when the analysis outgrows its memory', async () => {
    const { outcome } = await runAnalysis({ ...node('oom'), memory: '128m' });
    expect(outcome).toMatchObject({ status: 'failed', reason: 'oom', message: 'the analysis used more than its 128 MiB of memory' });
  });

  it('times out at the deadline with SIGKILL, even when SIGTERM is trapped', async () => {
    const { outcome, elapsedMs } = await runAnalysis({ ...sh("trap '' TERM; echo waiting; sleep 1000"), timeout: 2 });
    expect(outcome).toMatchObject({ status: 'timed_out', reason: 'deadline', message: 'the analysis ran past its 2 s deadline and was stopped' });
    expect(outcome.exitCode).toBeUndefined();
    expect(outcome.logs.toString()).toBe('waiting\n');
    expect(outcome.containerMs).toBeGreaterThanOrEqual(1000);
    expect(elapsedMs).toBeLessThan(6000);
  });

  it('fails with log_limit on a 10 MB flood without newlines, keeping at most 1 MiB', async () => {
    const { outcome, progress } = await runAnalysis(sh("head -c 10485760 /dev/zero | tr '\\0' x >&2; sleep 1000"));
    expect(outcome).toMatchObject({ status: 'failed', reason: 'log_limit', message: 'the analysis wrote more than 8 MiB of logs and was stopped' });
    expect(outcome.logs.length).toBe(DEFAULT_PLATFORM_LIMITS.runLogKeptBytes);
    expect(outcome.logs.toString()).toMatch(/^x+$/);
    expect(outcome.logBytesTotal).toBeGreaterThan(DEFAULT_PLATFORM_LIMITS.runLogKillBytes);
    expect(progress).toEqual([]);
  });

  it('accepts output just under the cap, and fails with output_limit just over it', async () => {
    const under = await runAnalysis({ ...node('write-output', String(16 * MiB - 4096)), output: '16m' });
    expect(under.outcome).toMatchObject({ status: 'succeeded', artifacts: [{ name: 'blob.txt' }] });
    expect(under.outcome.artifacts[0]!.bytes.length).toBe(16 * MiB - 4096);
    // Fits the tmpfs (which has page slack) but not the cap: collection refuses it, naming the file.
    const over = await runAnalysis({ ...node('write-output', String(17 * MiB)), output: '16m' });
    expect(over.outcome).toMatchObject({
      status: 'failed',
      reason: 'output_limit',
      exitCode: 0,
      message: 'output/artifacts/blob.txt is 17 MiB; the output limit is 16 MiB',
    });
  });

  it('fails with output_limit when a write hits the tmpfs, and the tmpfs is gone after', async () => {
    let mounted: Promise<string[]> | undefined;
    const { outcome } = await runAnalysis({
      ...node('write-output', String(20 * MiB)),
      output: '16m',
      hooks: { onContainerStarted: () => void (mounted = mountsUnder(workDir)) },
    });
    // The analysis crashed on ENOSPC; the full output area explains why better than its exit code.
    expect(outcome).toMatchObject({ status: 'failed', reason: 'output_limit', exitCode: 1, message: 'the analysis wrote more than its 16 MiB of /output' });
    expect(outcome.logs.toString()).toContain('ENOSPC');
    // While it ran, the output area was a capped tmpfs of its own: 16 MiB + one 4 KiB page per
    // allowed file, 1,000 files + 32 directories + 2 inodes (afterEach: it is gone now).
    const during = await mounted!;
    expect(during).toHaveLength(1);
    const [type, target, options] = during[0]!.split(' ');
    expect(type).toBe('tmpfs');
    expect(target).toMatch(new RegExp(`^${workDir}/output-`));
    expect(options!.split(',')).toEqual(
      expect.arrayContaining(['nosuid', 'nodev', 'noexec', `size=${16 * 1024 + 1001 * 4}k`, 'nr_inodes=1034', 'mode=700', 'uid=10001', 'gid=10001']),
    );
    expect(existsSync(target!)).toBe(false);
  });

  it('refuses a symbolic link, naming it', async () => {
    const { outcome } = await runAnalysis(sh('ln -s /etc/passwd /output/result.json'));
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: 'output_invalid',
      message: 'output/result.json is a symbolic link (to /etc/passwd); only regular files are collected',
    });
    expect(outcome.result).toBeUndefined();
  });

  it('refuses a FIFO', async () => {
    const { outcome } = await runAnalysis(sh('mkfifo /output/pipe && sh /app/result.sh ok'));
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: 'output_invalid',
      message: 'output/pipe is a FIFO (named pipe); only regular files are collected',
    });
  });

  it('accepts exactly 1,000 files and fails with output_limit at 1,001', async () => {
    const writeFiles = (n: number) =>
      `mkdir /output/artifacts && i=1; while [ $i -le ${n} ]; do : > /output/artifacts/f$i.txt; i=$((i+1)); done; sh /app/result.sh ok`;
    const atLimit = await runAnalysis(sh(writeFiles(999)));
    expect(atLimit.outcome).toMatchObject({ status: 'succeeded' });
    expect(atLimit.outcome.artifacts).toHaveLength(999);
    const overLimit = await runAnalysis(sh(writeFiles(1000)));
    expect(overLimit.outcome).toMatchObject({ status: 'failed', reason: 'output_limit', message: 'output has 1001 files; the limit is 1000' });
  });

  it('stops a flood of files at the tmpfs inode cap with output_limit', async () => {
    const { outcome } = await runAnalysis(
      sh('i=1; while [ $i -le 3000 ]; do { true > /output/f$i; } 2>/dev/null || break; i=$((i+1)); done; echo stopped at $i'),
    );
    expect(outcome).toMatchObject({ status: 'failed', reason: 'output_limit', message: 'the analysis created more than 1000 files in /output' });
    // 1,000 files + 32 directories + root + 1 spare inodes: the flood stops well short of 3,000.
    expect(outcome.logs.toString()).toBe('stopped at 1034\n');
  });

  it('refuses a result with raw HTML in markdown', async () => {
    const { outcome } = await runAnalysis(node('markdown-script'));
    expect(outcome).toMatchObject({ status: 'failed', reason: 'output_invalid' });
    expect(outcome.message).toMatch(/^result\.json: blocks\[0\]\.text is rejected: markdown must not contain raw HTML \(found "<script" at character 6\)/);
  });
});

describe('SandboxRunner with an output-area stock, as a worker keeps one', () => {
  /** The host path mounted at /output of a container. */
  async function outputAreaOf(containerId: string): Promise<string> {
    const { Mounts } = await docker.getContainer(containerId).inspect();
    return Mounts.find((mount) => mount.Destination === '/output')!.Source;
  }

  it('gives each run a fresh tmpfs of its own, mounted ahead, and unmounts each one given back', async () => {
    const stockDir = join(workDir, 'output-areas', 'worker-a');
    const errors: unknown[] = [];
    const stock = new OutputAreaStock(stockDir, { depth: 1, onError: (error) => errors.push(error) });
    const used: string[] = [];
    try {
      for (let run = 0; run < 3; run++) {
        let during: Promise<[string, string[]]> | undefined;
        const { outcome } = await runAnalysis({
          ...node('ok'),
          outputAreas: stock,
          hooks: { onContainerStarted: (id) => void (during = Promise.all([outputAreaOf(id), mountsUnder(stockDir)])) },
        });
        expect(outcome.status).toBe('succeeded');
        const [area, mounts] = await during!;
        used.push(area);
        // The run's own area is a capped tmpfs in the stock's directory; from the kind's second run on, the
        // next run's is mounted beside it.
        expect(mounts).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^tmpfs ${area} .*nosuid,nodev,noexec`))]));
        expect(mounts.length).toBeGreaterThanOrEqual(run === 0 ? 1 : 2);
      }
      expect(new Set(used).size).toBe(3);
      // Given back: unmounted in the background, never handed out again.
      await eventually(async () => (used.every((area) => !existsSync(area)) ? true : undefined), 10_000, 'the areas given back to be unmounted');
    } finally {
      await stock.close();
      expect(errors).toEqual([]);
      expect(await mountsUnder(stockDir)).toEqual([]);
      await rm(join(workDir, 'output-areas'), { recursive: true, force: true });
    }
  });

  it('never hands out an area that was unmounted behind its back: the run gets a fresh tmpfs', async () => {
    const stockDir = join(workDir, 'output-areas', 'worker-b');
    const stock = new OutputAreaStock(stockDir, { depth: 1, onError: () => undefined });
    try {
      // From the kind's second run on, an area waits mounted ahead.
      await runAnalysis({ ...node('ok'), outputAreas: stock });
      await runAnalysis({ ...node('ok'), outputAreas: stock });
      await eventually(async () => ((await mountsUnder(stockDir)).length === 1 ? true : undefined), 10_000, 'one area mounted ahead');
      // What a reaper that took this worker for dead would do to the area waiting in stock.
      const [waiting] = (await mountsUnder(stockDir)).map((mount) => mount.split(' ')[1]!);
      expect(waiting).toBeDefined();
      await execFileAsync('umount', [waiting!]);
      let area: Promise<[string, string[]]> | undefined;
      const { outcome } = await runAnalysis({
        ...node('ok'),
        outputAreas: stock,
        hooks: { onContainerStarted: (id) => void (area = Promise.all([outputAreaOf(id), mountsUnder(stockDir)])) },
      });
      expect(outcome.status).toBe('succeeded');
      const [used, mounts] = await area!;
      expect(used).not.toBe(waiting);
      expect(mounts).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^tmpfs ${used} `))]));
    } finally {
      await stock.close();
      await rm(join(workDir, 'output-areas'), { recursive: true, force: true });
    }
  });
});

describe('SandboxRunner container settings', () => {
  it('runs the container locked down, as the engine reports while it runs', async () => {
    let inspected: Promise<Docker.ContainerInspectInfo> | undefined;
    const { outcome, runId } = await runAnalysis({
      ...node('slow-ok'),
      hooks: { onContainerStarted: (id) => void (inspected = docker.getContainer(id).inspect()) },
    });
    expect(outcome.status).toBe('succeeded');
    const info = await inspected!;
    const host = info.HostConfig as Docker.HostConfig & { Init?: boolean; CgroupnsMode?: string };
    expect(info.State.Running).toBe(true);
    expect(host.NetworkMode).toBe('none');
    // NetworkDisabled: not even the "none" network is attached.
    expect(Object.keys(info.NetworkSettings.Networks).filter((name) => name !== 'none')).toEqual([]);
    expect((info.NetworkSettings as { IPAddress?: string }).IPAddress).toBe('');
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.Privileged).toBe(false);
    expect(host.CapDrop).toEqual(['ALL']);
    expect(host.CapAdd ?? []).toEqual([]);
    expect(host.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(info.Config.User).toBe('10001:10001');
    expect(host.Memory).toBe(256 * MiB);
    expect(host.MemorySwap).toBe(host.Memory);
    expect(host.PidsLimit).toBe(DEFAULT_PLATFORM_LIMITS.containerPidsLimit);
    expect(host.NanoCpus).toBe(1e9);
    expect(host.Init).toBe(true);
    expect(host.Tmpfs).toEqual({ '/tmp': `rw,noexec,nosuid,nodev,size=${DEFAULT_PLATFORM_LIMITS.containerTmpBytes}` });
    expect(host.Binds ?? []).toEqual([]);
    const mounts = info.Mounts.map((mount) => ({ Type: mount.Type, Destination: mount.Destination, RW: mount.RW }));
    expect(mounts.sort((a, b) => a.Destination.localeCompare(b.Destination))).toEqual([
      { Type: 'bind', Destination: '/input', RW: false },
      { Type: 'bind', Destination: '/output', RW: true },
    ]);
    expect(info.Mounts.find((mount) => mount.Destination === '/input')!.Source).toBe(inputDir);
    expect(JSON.stringify(info)).not.toContain('docker.sock');
    expect(info.Config.Labels).toMatchObject({
      'lockbox.instance': instance,
      'lockbox.run': runId,
      'lockbox.attempt': '1',
      'lockbox.worker': 'sandbox-int-worker',
    });
    expect(Date.parse(info.Config.Labels['lockbox.deadline']!)).toBeGreaterThan(Date.now());
    // Only LOCKBOX_* variables are added to what the image itself sets.
    const imageEnv = new Set((await docker.getImage(nodeImage).inspect()).Config.Env ?? []);
    expect(info.Config.Env.filter((entry) => !imageEnv.has(entry))).toEqual([`LOCKBOX_RUN_ID=${runId}`]);
  });

  it('runs an image that says root as uid 10001', async () => {
    const image = await docker.getImage(busyboxImage).inspect();
    expect(image.Config.User ?? '').toBe('');
    const { outcome } = await runAnalysis(sh('sh /app/result.sh "uid=$(id -u) gid=$(id -g)"'));
    expect(outcome).toMatchObject({ status: 'succeeded', result: { summary: 'uid=10001 gid=10001' } });
  });

  it('lets the analysis write only /output and /tmp', async () => {
    const { outcome } = await runAnalysis(node('probe-fs'));
    expect(outcome.status).toBe('succeeded');
    expect(outcome.result!.blocks[0]).toEqual({
      type: 'table',
      columns: ['path', 'outcome'],
      rows: [
        ['/probe', 'EROFS'],
        ['/input/probe', 'EROFS'],
        ['/input/data/probe', 'EROFS'],
        ['/tmp/probe', 'ok'],
        ['/output/artifacts/probe.txt', 'ok'],
      ],
    });
  });

  it('runs under gVisor (runsc)', async () => {
    const info = (await docker.info()) as { Runtimes?: Record<string, unknown> };
    if (!('runsc' in (info.Runtimes ?? {}))) {
      console.warn('SKIPPED: runsc is not registered with this Docker Engine (docker info lists no runsc runtime)');
      return;
    }
    let runtime: Promise<string | undefined> | undefined;
    const { outcome } = await runAnalysis({
      ...node('ok'),
      runtime: 'runsc',
      hooks: {
        onContainerStarted: (id) =>
          void (runtime = docker
            .getContainer(id)
            .inspect()
            .then((c) => (c.HostConfig as { Runtime?: string }).Runtime)),
      },
    });
    expect(await runtime!).toBe('runsc');
    expect(outcome).toMatchObject({ status: 'succeeded', result: { summary: '3 posts in run run-staged' }, artifacts: [{ name: 'likes.csv' }] });
  });
});

describe('SandboxRunner platform faults and attempts', () => {
  it('throws image_unavailable, not an outcome, for an image that is not loaded', async () => {
    const missing = `sha256:${'0'.repeat(64)}`;
    const error = await runAnalysis({ image: missing, entrypoint: ['node', '/app/analysis.js', 'ok'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxPlatformError);
    expect(error).toMatchObject({ reason: 'image_unavailable', message: `image ${missing} is not loaded in this Docker Engine` });
  });

  it('kills and removes the containers of an earlier attempt', async () => {
    let started!: (id: string) => void;
    const containerId = new Promise<string>((resolve) => (started = resolve));
    const running = runAnalysis({ ...sh('sleep 1000'), hooks: { onContainerStarted: (id) => started(id) } }).catch((e: unknown) => e);
    const id = await containerId;
    const runId = `run-${runSeq}`;
    const listed = await listStackContainers(docker, instance);
    expect(listed).toEqual([{ id, runId, attempt: '1', workerId: 'sandbox-int-worker', deadline: expect.any(Date), state: 'running' }]);

    expect(await killRunContainers(docker, { instance, runId: 'some-other-run' })).toEqual([]);
    expect(await killRunContainers(docker, { instance, runId })).toEqual([id]);
    // The first attempt's runner sees its container vanish: a platform fault, never a verdict.
    expect(await running).toBeInstanceOf(SandboxPlatformError);
  });

  it('a beforeStart hook that throws: the container is created but never started, is removed, and the error comes back as it was', async () => {
    let created: string | undefined;
    let wasRunning: boolean | undefined;
    const refusal = new Error('not starting the container: the claim no longer holds');
    const error = await runAnalysis({
      ...sh('echo started > /output/proof'),
      hooks: {
        beforeStart: async (id) => {
          created = id;
          wasRunning = (await docker.getContainer(id).inspect()).State.Running;
          throw refusal;
        },
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(refusal);
    expect(wasRunning).toBe(false);
    await expect(docker.getContainer(created!).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('two removals of one container at the same moment both end with it gone, neither fails', async () => {
    // The orphan reaper and a new attempt both remove a dead worker's container: the engine answers
    // the later of the two with 409 "removal already in progress".
    let started!: (id: string) => void;
    const containerId = new Promise<string>((resolve) => (started = resolve));
    const running = runAnalysis({ ...sh('sleep 1000'), hooks: { onContainerStarted: (id) => started(id) } }).catch((e: unknown) => e);
    const id = await containerId;

    const removals = await Promise.all([removeContainer(docker, id), removeContainer(docker, id), removeContainer(docker, id)]);
    expect(removals.filter(Boolean)).toHaveLength(1);
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await removeContainer(docker, id)).toBe(false);
    expect(await running).toBeInstanceOf(SandboxPlatformError);
  });
});
