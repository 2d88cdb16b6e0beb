// Run throughput at one concurrency, three ways for each bench analysis: the engine limit, the sandbox
// runner and the platform (N runs posted at once through POST /runs, finished when the owner's SSE stream
// has every terminal event; the worker runs `concurrency` at a time). Each batch also gives the engine's
// own CPU per run (/proc) and the sandbox phase's profile at that concurrency.
import { BENCH_ANALYSIS_KINDS, type BenchAnalysisKind } from './support/bench-analysis';
import type { BenchContext } from './support/bench-context';
import { type EngineCpu, measureEngineCpu } from './support/engine-cpu';
import { round } from './support/figures';
import { referenceBatch } from './support/references';
import { aggregateSteps, describeProfile, type StepProfile } from './support/step-profile';

export interface LineThroughput {
  runsPerS: number;
  engineCpu: EngineCpu;
}

export interface ThroughputFigures {
  analysis: BenchAnalysisKind;
  concurrency: number;
  runs: number;
  engine: LineThroughput;
  runner: LineThroughput;
  platform: LineThroughput;
  /** runs/s over the engine limit's runs/s. */
  ratios: { runnerToEngine: number; platformToEngine: number };
  /** The sandbox phase at this concurrency: the runner line's steps and the platform worker's. */
  profile: { runner: StepProfile; platform: StepProfile };
  failed: number;
}

export async function benchRunThroughput(context: BenchContext, concurrency: number, runs: number): Promise<ThroughputFigures[]> {
  const figures: ThroughputFigures[] = [];
  for (const kind of BENCH_ANALYSIS_KINDS) {
    const lines = context.lines[kind];
    // Warm-up: each line once at this concurrency.
    await lines.platform(concurrency);
    await referenceBatch(lines.runner, concurrency, concurrency);
    await referenceBatch(lines.engine, concurrency, concurrency);

    const engine = await measureEngineCpu(runs, () => referenceBatch(lines.engine, runs, concurrency));
    const runner = await measureEngineCpu(runs, () => referenceBatch(lines.runner, runs, concurrency));
    const platform = await measureEngineCpu(runs, () => lines.platform(runs));
    const rate = (wallMs: number) => runs / (wallMs / 1000);
    const engineRate = rate(engine.result.wallMs);
    const runnerRate = rate(runner.result.wallMs);
    const platformRate = rate(platform.result.wallMs);
    const result: ThroughputFigures = {
      analysis: kind,
      concurrency,
      runs,
      engine: { runsPerS: round(engineRate), engineCpu: engine.cpu },
      runner: { runsPerS: round(runnerRate), engineCpu: runner.cpu },
      platform: { runsPerS: round(platformRate), engineCpu: platform.cpu },
      ratios: { runnerToEngine: round(runnerRate / engineRate, 3), platformToEngine: round(platformRate / engineRate, 3) },
      profile: {
        runner: aggregateSteps(runner.result.runs.map((run) => run.steps)),
        platform: aggregateSteps(await context.workerSteps(platform.result.runIds)),
      },
      failed: platform.result.failed,
    };
    figures.push(result);
    printThroughput(result);
  }
  return figures;
}

function printThroughput(figures: ThroughputFigures): void {
  const { analysis, concurrency, runs, engine, runner, platform, ratios, profile } = figures;
  const cpu = (line: LineThroughput) => `${line.engineCpu.msPerRun.total} ms`;
  const target = analysis === 'node' && concurrency <= 2 ? ' (target ≥ 0.9)' : '';
  console.log(
    `throughput, ${analysis} analysis, c=${concurrency} (${runs} runs each): engine limit ${engine.runsPerS} runs/s; sandbox runner ${runner.runsPerS} runs/s; platform ${platform.runsPerS} runs/s\n` +
      `  runner ÷ engine ${ratios.runnerToEngine} (target ≥ ${round(1 / 1.3, 2)}); platform ÷ engine ${ratios.platformToEngine}${target}` +
      (figures.failed ? `; ${figures.failed} platform run(s) did not succeed` : '') +
      `\n  engine CPU per run (dockerd, containerd, shims, runc): engine limit ${cpu(engine)}, runner ${cpu(runner)}, platform ${cpu(platform)}\n` +
      `  profile (mean/p95 ms), runner: ${describeProfile(profile.runner)}\n` +
      `  profile, platform worker: ${describeProfile(profile.platform)}`,
  );
}
