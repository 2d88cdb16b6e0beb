// The two references every platform run figure is read against, both on the stack's engine with the same
// analysis image and the same staged input:
//
// - the *engine limit*: the Engine API alone through dockerode. Create with the policy's own settings
//   (buildContainerPolicy: limits, user, no network, read-only root, capabilities dropped, the input
//   mounted read-only), except that /output is an engine-managed tmpfs of the same size instead of the
//   host output area; start, wait, remove. No mount helper, no attach, no output collection: the least
//   a hardened run can cost on this engine.
// - the *sandbox runner*: the SDK's SandboxRunner itself (what `lockbox run` and the worker call), run
//   directly: output area, attach, log capture, inspect, collection, remove, unmount. Its outcome carries
//   the time of each of its steps.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { buildContainerPolicy, CONTAINER_OUTPUT_DIR, DEFAULT_CONTAINER_USER, type PlatformLimits, parseResources } from '@lockbox/analysis-sdk';
import { OutputAreaStock, SandboxRunner, type SandboxStepTimes } from '@lockbox/analysis-sdk/sandbox';
import { BENCH_RESOURCES, benchEntrypoint, type BenchAnalysisKind } from './bench-analysis';
import { readDaemonTicks } from './engine-cpu';

export interface ReferenceRun {
  ms: number;
  steps: SandboxStepTimes;
  /** dockerd's and containerd's ticks per step, when the run was asked to read them (sequential runs only). */
  daemonTicks?: SandboxStepTimes;
}

export interface Reference {
  runOnce(options?: { daemons?: { dockerd: number; containerd: number } }): Promise<ReferenceRun>;
}

/** `count` runs, `concurrency` at a time: the wall time of the batch and each run. */
export async function referenceBatch(reference: Reference, count: number, concurrency: number): Promise<{ wallMs: number; runs: ReferenceRun[] }> {
  const runs: ReferenceRun[] = [];
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        runs.push(await reference.runOnce());
      }
    }),
  );
  return { wallMs: performance.now() - startedAt, runs };
}

/** The input every reference run mounts read-only: run.json and the same small dataset the platform's runs stage. */
export async function stageReferenceInput(parentDir: string, posts: Buffer): Promise<string> {
  const inputDir = join(await mkdtemp(join(parentDir, 'input-')), 'input');
  await mkdir(join(inputDir, 'data'), { recursive: true });
  await writeFile(join(inputDir, 'run.json'), JSON.stringify({ runId: 'reference', analysis: 'bench', version: '1.0.0', params: {}, scopes: {} }));
  await writeFile(join(inputDir, 'data', 'social.posts.jsonl'), posts);
  for (const path of [join(inputDir, '..'), inputDir, join(inputDir, 'data')]) await chmod(path, 0o755);
  for (const path of ['run.json', 'data/social.posts.jsonl']) await chmod(join(inputDir, path), 0o644);
  return inputDir;
}

interface ReferenceSetup {
  docker: Docker;
  kind: BenchAnalysisKind;
  imageId: string;
  limits: PlatformLimits;
  inputDir: string;
  /** Where the runner makes its output areas; the engine line needs no host directory of its own. */
  workDir: string;
}

function labels(instance: string) {
  return { instance, runId: randomUUID(), attempt: 1, workerId: 'bench', deadline: new Date(Date.now() + 60_000) };
}

export class EngineLimitReference implements Reference {
  constructor(private readonly setup: ReferenceSetup) {}

  /** The policy's create settings with /output as an engine tmpfs of the run's output size, owned by the container user. */
  createOptions(): Docker.ContainerCreateOptions {
    const { kind, imageId, limits, inputDir, workDir } = this.setup;
    const resources = parseResources(BENCH_RESOURCES);
    const policy = buildContainerPolicy({
      image: imageId,
      entrypoint: benchEntrypoint(kind),
      resources,
      limits,
      runtime: 'runc',
      user: DEFAULT_CONTAINER_USER,
      inputHostPath: inputDir,
      // Only to satisfy the policy's checks: the bind is replaced by the tmpfs below.
      outputHostPath: join(workDir, 'unused-output'),
      env: {},
      labels: labels('bench-engine'),
    });
    const [uid, gid] = DEFAULT_CONTAINER_USER.split(':');
    const hostConfig = policy.HostConfig;
    return {
      ...policy,
      HostConfig: {
        ...hostConfig,
        Mounts: (hostConfig.Mounts ?? []).filter((mount) => mount.Target !== CONTAINER_OUTPUT_DIR),
        Tmpfs: {
          ...hostConfig.Tmpfs,
          [CONTAINER_OUTPUT_DIR]: `rw,noexec,nosuid,nodev,size=${resources.outputBytes},uid=${uid},gid=${gid},mode=0700`,
        },
      },
    } as Docker.ContainerCreateOptions;
  }

  async runOnce(options: { daemons?: { dockerd: number; containerd: number } } = {}): Promise<ReferenceRun> {
    const steps: SandboxStepTimes = {};
    const daemonTicks: SandboxStepTimes = {};
    const step = async <T>(name: 'create' | 'start' | 'wait' | 'remove', action: () => Promise<T>): Promise<T> => {
      const ticksBefore = options.daemons ? await readDaemonTicks(options.daemons) : 0;
      const startedAt = performance.now();
      const result = await action();
      steps[name] = performance.now() - startedAt;
      if (options.daemons) daemonTicks[name] = (await readDaemonTicks(options.daemons)) - ticksBefore;
      return result;
    };
    const startedAt = performance.now();
    const container = await step('create', () => this.setup.docker.createContainer(this.createOptions()));
    try {
      await step('start', () => container.start());
      const { StatusCode } = await step('wait', () => container.wait() as Promise<{ StatusCode: number }>);
      if (StatusCode !== 0) throw new Error(`the engine-limit run of the ${this.setup.kind} analysis exited with ${StatusCode}`);
    } finally {
      await step('remove', () => container.remove({ force: true }));
    }
    // The /proc reads between steps are not the run's: they are left out of its time.
    const ms = options.daemons ? Object.values(steps).reduce((sum, value) => sum + (value ?? 0), 0) : performance.now() - startedAt;
    return { ms, steps, ...(options.daemons ? { daemonTicks } : {}) };
  }
}

/** Output areas mounted ahead and unmounted behind, as the worker keeps them (depth: the largest concurrency measured). */
const REFERENCE_STOCK_DEPTH = 4;

export class SandboxRunnerReference implements Reference {
  private readonly runner: SandboxRunner;
  readonly outputAreas: OutputAreaStock;

  constructor(private readonly setup: ReferenceSetup) {
    this.runner = new SandboxRunner(setup.docker);
    this.outputAreas = new OutputAreaStock(join(setup.workDir, 'output-areas'), {
      depth: REFERENCE_STOCK_DEPTH,
      onError: (error) => console.warn(`bench: an output area in stock: ${String(error)}`),
    });
  }

  async runOnce(): Promise<ReferenceRun> {
    const { kind, imageId, limits, inputDir, workDir } = this.setup;
    const startedAt = performance.now();
    const outcome = await this.runner.run({
      imageId,
      manifest: { entrypoint: benchEntrypoint(kind), resources: parseResources(BENCH_RESOURCES) },
      runtime: 'runc',
      limits,
      inputDir,
      workDir,
      outputAreas: this.outputAreas,
      labels: labels('bench-runner'),
    });
    const ms = performance.now() - startedAt;
    if (outcome.status !== 'succeeded') throw new Error(`the sandbox-runner run of the ${kind} analysis ${outcome.status}: ${outcome.message}`);
    return { ms, steps: outcome.steps };
  }
}

export async function prepareReferences(
  docker: Docker,
  kind: BenchAnalysisKind,
  imageId: string,
  limits: PlatformLimits,
  parentDir: string,
  posts: Buffer,
): Promise<{ engine: EngineLimitReference; runner: SandboxRunnerReference; dispose: () => Promise<void> }> {
  await mkdir(parentDir, { recursive: true });
  const root = await mkdtemp(join(parentDir, `${kind}-`));
  const inputDir = await stageReferenceInput(root, posts);
  const workDir = join(root, 'work');
  await mkdir(workDir, { mode: 0o700 });
  const setup = { docker, kind, imageId, limits, inputDir, workDir };
  const runner = new SandboxRunnerReference(setup);
  return {
    engine: new EngineLimitReference(setup),
    runner,
    dispose: async () => {
      await runner.outputAreas.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
