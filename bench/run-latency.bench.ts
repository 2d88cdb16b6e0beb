// End-to-end latency: sequential runs, POST /runs → the owner's SSE run.succeeded, against the bare
// lifecycle of the same image run sequentially.
import { percentile, round } from './support/figures';
import type { BenchContext } from './support/bench-context';

export interface LatencyFigures {
  runs: number;
  platformP50Ms: number;
  platformP95Ms: number;
  bareP50Ms: number;
  bareP95Ms: number;
  overheadP50Ms: number;
  overheadP95Ms: number;
}

export async function benchRunLatency(context: BenchContext, runs: number): Promise<LatencyFigures> {
  await context.runMany(1);
  await context.bare.runOnce();
  const platform: number[] = [];
  const bare: number[] = [];
  // Interleaved, so drift on a shared machine hits both sides alike.
  for (let i = 0; i < runs; i++) {
    const run = await context.runMany(1);
    if (run.failed) throw new Error('a latency run did not succeed');
    platform.push(run.latencyMs[0]!); // runMany(1): one latency
    bare.push(await context.bare.runOnce());
  }
  const bareP50 = percentile(bare, 50);
  const figures = {
    runs,
    platformP50Ms: round(percentile(platform, 50), 1),
    platformP95Ms: round(percentile(platform, 95), 1),
    bareP50Ms: round(bareP50, 1),
    bareP95Ms: round(percentile(bare, 95), 1),
    overheadP50Ms: round(percentile(platform, 50) - bareP50, 1),
    overheadP95Ms: round(percentile(platform, 95) - bareP50, 1),
  };
  console.log(
    `latency (${runs} sequential runs): platform p50 ${figures.platformP50Ms} ms p95 ${figures.platformP95Ms} ms; bare p50 ${figures.bareP50Ms} ms p95 ${figures.bareP95Ms} ms; ` +
      `overhead p50 ${figures.overheadP50Ms} ms (target ≤ 100), p95 ${figures.overheadP95Ms} ms (target ≤ 250)`,
  );
  return figures;
}
