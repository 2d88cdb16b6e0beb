// What every benchmark gets: a running stack, a user with a small dataset, the published bench analysis,
// and the bare reference on the same engine.
import { join } from 'node:path';
import type Docker from 'dockerode';
import { dockerClientFor } from '@lockbox/sandbox';
import { BareLifecycle } from './bare-lifecycle';
import { type BenchImage, type PublishedBenchAnalysis, postsJsonl, publishBenchAnalysis, startRun, uploadDataset } from './bench-analysis';
import { BenchClient, type BenchSession } from './bench-client';
import type { BenchStack } from './stack';

/** The small dataset every run reads, so a run stages real (if few) records. */
const SMALL_DATASET_POSTS = 20;

export interface BenchContext {
  stack: BenchStack;
  client: BenchClient;
  docker: Docker;
  user: BenchSession;
  analysis: PublishedBenchAnalysis;
  datasetId: string;
  bare: BareLifecycle;
  /** Starts `count` runs through the API, `concurrency` requests at a time, and resolves once every one has ended; per-run latency from POST to the SSE event. */
  runMany(count: number): Promise<{ wallMs: number; latencyMs: number[]; failed: number }>;
  dispose(): Promise<void>;
}

export async function prepareContext(stack: BenchStack, image: BenchImage): Promise<BenchContext> {
  const client = new BenchClient(stack.apiUrl);
  const docker = dockerClientFor(stack.config.docker.host);
  const user = await client.session('user');
  const posts = postsJsonl(SMALL_DATASET_POSTS);
  const datasetId = await uploadDataset(client, user, posts);
  const analysis = await publishBenchAnalysis(client, image);
  const bare = await BareLifecycle.prepare(docker, image.imageId, stack.config.limits, join(stack.home, 'bench'), posts);

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

  const runMany = async (count: number) => {
    const startedAt = performance.now();
    const runs = await Promise.all(
      Array.from({ length: count }, async () => {
        const postedAt = performance.now();
        const runId = await startRun(client, user, analysis, [datasetId]);
        const end = await endOf(runId);
        return { latencyMs: end.at - postedAt, ok: end.event === 'run.succeeded' };
      }),
    );
    return { wallMs: performance.now() - startedAt, latencyMs: runs.map((run) => run.latencyMs), failed: runs.filter((run) => !run.ok).length };
  };

  return {
    stack,
    client,
    docker,
    user,
    analysis,
    datasetId,
    bare,
    runMany,
    dispose: async () => {
      events.close();
      await bare.dispose();
    },
  };
}
