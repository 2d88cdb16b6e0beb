// Worker memory: the worker process's RSS before and after many runs (target: < 20 MB growth over 1,000).
import { round } from './support/figures';
import type { BenchContext } from './support/bench-context';
import { rssBytes } from './support/stack';

/** Runs in flight at once: enough to keep the worker busy without piling up thousands of queued rows. */
const BATCH = 20;

export interface MemoryFigures {
  runs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  growthMb: number;
  failed: number;
}

export async function benchWorkerMemory(context: BenchContext, runs: number): Promise<MemoryFigures> {
  const pid = context.stack.workerPid();
  await context.runMany(BATCH); // warm-up: the first runs load code and fill pools
  const before = rssBytes(pid);
  let failed = 0;
  for (let done = 0; done < runs; done += BATCH) {
    failed += (await context.runMany(Math.min(BATCH, runs - done))).failed;
  }
  const after = rssBytes(pid);
  const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);
  const figures = { runs, rssBeforeMb: mb(before), rssAfterMb: mb(after), growthMb: mb(after - before), failed };
  console.log(`worker RSS: ${figures.rssBeforeMb} MB before, ${figures.rssAfterMb} MB after ${runs} runs: growth ${figures.growthMb} MB (target < 20)`);
  return figures;
}
