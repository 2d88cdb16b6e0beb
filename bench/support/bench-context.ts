// What every benchmark gets: a running stack, a user with a small dataset, the published bench analyses
// (busybox and Node), and for each the two references on the same engine: the engine limit and the
// sandbox runner.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { SandboxStepTimes } from '@lockbox/analysis-sdk/sandbox';
import { dockerClientFor } from '@lockbox/sandbox';
import {
  type BenchAnalysisKind,
  type BenchImage,
  type PublishedBenchAnalysis,
  postsJsonl,
  publishBenchAnalysis,
  startRun,
  uploadDataset,
} from './bench-analysis';
import { BenchClient, type BenchSession } from './bench-client';
import { type EngineLimitReference, prepareReferences, type SandboxRunnerReference } from './references';
import type { BenchStack } from './stack';
import { runTimesFromWorkerLog, sandboxStepsOf, type WorkerRunTimes } from './step-profile';

/** The small dataset every run reads, so a run stages real (if few) records. */
const SMALL_DATASET_POSTS = 20;

export interface PlatformBatch {
  wallMs: number;
  latencyMs: number[];
  failed: number;
  runIds: string[];
}

/** One analysis, three ways: the engine limit, the sandbox runner and the whole platform. */
export interface BenchLines {
  analysis: PublishedBenchAnalysis;
  engine: EngineLimitReference;
  runner: SandboxRunnerReference;
  /** `count` runs through the API, all posted at once; resolves once every one has ended. Latency is from POST to the owner's SSE event. */
  platform: (count: number) => Promise<PlatformBatch>;
}

export interface BenchContext {
  stack: BenchStack;
  client: BenchClient;
  docker: Docker;
  user: BenchSession;
  /** The Node analysis: what the benchmarks other than the three-line ones run. */
  analysis: PublishedBenchAnalysis;
  datasetId: string;
  lines: Record<BenchAnalysisKind, BenchLines>;
  /** The Node analysis through the API (`lines.node.platform`). */
  runMany(count: number): Promise<PlatformBatch>;
  /** The sandbox steps the worker logged for these runs (those that reached the sandbox). */
  workerSteps(runIds: readonly string[]): Promise<SandboxStepTimes[]>;
  /** The phases and steps the worker logged for these runs, in the log's order. */
  workerRunTimes(runIds: readonly string[]): Promise<WorkerRunTimes[]>;
  dispose(): Promise<void>;
}

export async function prepareContext(stack: BenchStack, images: readonly BenchImage[]): Promise<BenchContext> {
  const client = new BenchClient(stack.apiUrl);
  const docker = dockerClientFor(stack.config.docker.host);
  const user = await client.session('user');
  const posts = postsJsonl(SMALL_DATASET_POSTS);
  const datasetId = await uploadDataset(client, user, posts);

  // Terminal events of the user's runs, as the owner's browser would see them.
  const ended = new Map<string, { at: number; event: string }>();
  const waiters = new Map<string, () => void>();
  const events = await client.openEvents(user.token, (event, data) => {
    if (!['run.succeeded', 'run.failed', 'run.timed_out', 'run.cancelled'].includes(event)) return;
    // The data is the whole event row: `{ id, type, subjectId, payload, … }`; a run's subject is the run.
    const runId = (data as { subjectId?: string }).subjectId;
    if (!runId || ended.has(runId)) return;
    ended.set(runId, { at: performance.now(), event });
    waiters.get(runId)?.();
  });
  const endOf = (runId: string) =>
    new Promise<{ at: number; event: string }>((resolve) => {
      const done = () => resolve(ended.get(runId)!);
      if (ended.has(runId)) done();
      else waiters.set(runId, done);
    });

  const platformOf =
    (analysis: PublishedBenchAnalysis) =>
    async (count: number): Promise<PlatformBatch> => {
      const startedAt = performance.now();
      const runs = await Promise.all(
        Array.from({ length: count }, async () => {
          const postedAt = performance.now();
          const runId = await startRun(client, user, analysis, [datasetId]);
          const end = await endOf(runId);
          return { runId, latencyMs: end.at - postedAt, ok: end.event === 'run.succeeded' };
        }),
      );
      return {
        wallMs: performance.now() - startedAt,
        latencyMs: runs.map((run) => run.latencyMs),
        failed: runs.filter((run) => !run.ok).length,
        runIds: runs.map((run) => run.runId),
      };
    };

  const lines = {} as Record<BenchAnalysisKind, BenchLines>;
  const disposers: Array<() => Promise<void>> = [];
  for (const image of images) {
    const analysis = await publishBenchAnalysis(client, image);
    const references = await prepareReferences(docker, image.kind, image.imageId, stack.config.limits, join(stack.home, 'bench'), posts);
    disposers.push(references.dispose);
    lines[image.kind] = { analysis, engine: references.engine, runner: references.runner, platform: platformOf(analysis) };
  }
  const node = lines.node;
  if (!node) throw new Error('the benchmarks need the Node analysis');

  const workerRunTimes = async (runIds: readonly string[]): Promise<WorkerRunTimes[]> => {
    // One worker logs to logs/worker.log; more (LOCKBOX_WORKERS) to worker-2.log, worker-3.log, …
    const logDir = join(stack.home, 'logs');
    const read = async () => {
      const names = (await readdir(logDir)).filter((name) => /^worker(-\d+)?\.log$/.test(name));
      const logs = await Promise.all(names.map((name) => readFile(join(logDir, name), 'utf8')));
      return runTimesFromWorkerLog(logs.join('\n'), runIds);
    };
    // The worker logs a run's line just after its commit, so the last runs' may not be written yet.
    let runs = await read();
    for (let attempt = 0; attempt < 8 && runs.length < runIds.length; attempt++) {
      await sleep(250);
      runs = await read();
    }
    return runs;
  };
  return {
    stack,
    client,
    docker,
    user,
    analysis: node.analysis,
    datasetId,
    lines,
    runMany: node.platform,
    workerSteps: async (runIds) => sandboxStepsOf(await workerRunTimes(runIds)),
    workerRunTimes,
    dispose: async () => {
      events.close();
      for (const dispose of disposers) await dispose();
    },
  };
}
