// Run throughput: N runs through the public API at one worker concurrency, against the same image run
// bare at the same concurrency. Ratio = platform runs/s ÷ bare runs/s.
import { round } from './support/figures';
import type { BenchContext } from './support/bench-context';

export interface ThroughputFigures {
  concurrency: number;
  runs: number;
  platformRunsPerS: number;
  bareRunsPerS: number;
  ratio: number;
  failed: number;
}

export async function benchRunThroughput(context: BenchContext, concurrency: number, runs: number): Promise<ThroughputFigures> {
  // Warm-up: both paths once, so neither pays first-use costs (connections, page cache) in the figures.
  await context.runMany(concurrency);
  await context.bare.batch(concurrency, concurrency);

  const bare = await context.bare.batch(runs, concurrency);
  const platform = await context.runMany(runs);
  const platformRunsPerS = runs / (platform.wallMs / 1000);
  const bareRunsPerS = runs / (bare.wallMs / 1000);
  const figures = {
    concurrency,
    runs,
    platformRunsPerS: round(platformRunsPerS),
    bareRunsPerS: round(bareRunsPerS),
    ratio: round(platformRunsPerS / bareRunsPerS, 3),
    failed: platform.failed,
  };
  console.log(
    `throughput c=${concurrency}: platform ${figures.platformRunsPerS} runs/s, bare ${figures.bareRunsPerS} runs/s, ratio ${figures.ratio} (target ≥ 0.9)` +
      (figures.failed ? `, ${figures.failed} run(s) did not succeed` : ''),
  );
  return figures;
}
