// End-to-end latency, one run after another, three ways for each bench analysis: the engine limit (the
// Engine API alone), the sandbox runner (the SDK's SandboxRunner) and the platform (POST /runs → the
// owner's SSE run.succeeded). Interleaved, so drift on a shared machine hits the three alike. The runs
// also give the sequential profile of the sandbox phase, and dockerd's and containerd's CPU per step of
// the engine-limit runs.
import { SANDBOX_STEPS, type SandboxStep, type SandboxStepTimes } from '@lockbox/analysis-sdk/sandbox';
import { BENCH_ANALYSIS_KINDS, type BenchAnalysisKind } from './support/bench-analysis';
import type { BenchContext } from './support/bench-context';
import { findDaemons, TICKS_PER_SECOND } from './support/engine-cpu';
import { percentile, round } from './support/figures';
import type { ReferenceRun } from './support/references';
import { aggregatePhases, aggregateSteps, describeProfile, type PhaseProfile, sandboxStepsOf, type StepProfile } from './support/step-profile';

export interface LineLatency {
  p50Ms: number;
  p95Ms: number;
}

export interface LatencyFigures {
  analysis: BenchAnalysisKind;
  runs: number;
  engine: LineLatency;
  runner: LineLatency;
  platform: LineLatency;
  /** Each line's p50 minus the engine's p50, and its p95 minus the engine's p95. */
  gaps: { runnerMinusEngine: LineLatency; platformMinusEngine: LineLatency };
  /** p50 over the engine's p50. */
  ratios: { runnerToEngine: number; platformToEngine: number };
  /** Sequential profile of the sandbox phase: the runner line's own steps, the platform worker's, and the engine line's four calls. */
  profile: { runner: StepProfile; platform: StepProfile; engine: StepProfile };
  /** The platform line's latency split into the worker's phases and what lies outside them (API, outbox, queue, claim, events). */
  platformPhases: PhaseProfile;
  /** dockerd + containerd CPU per engine-limit run, per step, in ms (10 ms ticks, averaged over the runs); absent with a remote engine. */
  engineDaemonCpuMsPerStep?: Partial<Record<SandboxStep | 'total', number>>;
}

export async function benchRunLatency(context: BenchContext, runs: number): Promise<LatencyFigures[]> {
  const daemons = await findDaemons();
  const figures: LatencyFigures[] = [];
  for (const kind of BENCH_ANALYSIS_KINDS) {
    const lines = context.lines[kind];
    // Warm-up: each line once, so none pays first-use costs (connections, page cache) in the figures.
    await lines.platform(1);
    await lines.runner.runOnce();
    await lines.engine.runOnce();
    const platform: number[] = [];
    const platformRunIds: string[] = [];
    const runner: ReferenceRun[] = [];
    const engine: ReferenceRun[] = [];
    for (let i = 0; i < runs; i++) {
      const run = await lines.platform(1);
      if (run.failed) throw new Error(`a latency run of the ${kind} analysis did not succeed`);
      platform.push(run.latencyMs[0]!); // platform(1): one latency
      platformRunIds.push(...run.runIds);
      runner.push(await lines.runner.runOnce());
      engine.push(await lines.engine.runOnce(daemons ? { daemons } : {}));
    }
    const workerRuns = await context.workerRunTimes(platformRunIds);
    const platformSteps = sandboxStepsOf(workerRuns);
    const latencyOf = new Map(platformRunIds.map((id, index) => [id, platform[index]!]));
    const platformPhases = aggregatePhases(
      workerRuns.map((run) => {
        const inWorker = Object.values(run.phases).reduce((sum, ms) => sum + ms, 0);
        return { ...run.phases, outside: round(latencyOf.get(run.runId)! - inWorker, 1) };
      }),
    );
    figures.push(
      latencyFigures(
        kind,
        { engine: engine.map((run) => run.ms), runner: runner.map((run) => run.ms), platform },
        {
          runner: aggregateSteps(runner.map((run) => run.steps)),
          platform: aggregateSteps(platformSteps),
          engine: aggregateSteps(engine.map((run) => run.steps)),
        },
        platformPhases,
        daemons ? daemonCpuPerStep(engine.flatMap((run) => (run.daemonTicks ? [run.daemonTicks] : []))) : undefined,
      ),
    );
    printLatency(figures.at(-1)!);
  }
  return figures;
}

function latencyFigures(
  analysis: BenchAnalysisKind,
  ms: { engine: number[]; runner: number[]; platform: number[] },
  profile: LatencyFigures['profile'],
  platformPhases: PhaseProfile,
  engineDaemonCpuMsPerStep: LatencyFigures['engineDaemonCpuMsPerStep'],
): LatencyFigures {
  const line = (values: number[]): LineLatency => ({ p50Ms: round(percentile(values, 50), 1), p95Ms: round(percentile(values, 95), 1) });
  const engine = line(ms.engine);
  const runner = line(ms.runner);
  const platform = line(ms.platform);
  const gap = (of: LineLatency): LineLatency => ({ p50Ms: round(of.p50Ms - engine.p50Ms, 1), p95Ms: round(of.p95Ms - engine.p95Ms, 1) });
  return {
    analysis,
    runs: ms.engine.length,
    engine,
    runner,
    platform,
    gaps: { runnerMinusEngine: gap(runner), platformMinusEngine: gap(platform) },
    ratios: { runnerToEngine: round(runner.p50Ms / engine.p50Ms, 2), platformToEngine: round(platform.p50Ms / engine.p50Ms, 2) },
    profile,
    platformPhases,
    ...(engineDaemonCpuMsPerStep ? { engineDaemonCpuMsPerStep } : {}),
  };
}

/** Mean ms of dockerd + containerd CPU per step over the runs. */
function daemonCpuPerStep(runs: SandboxStepTimes[]): LatencyFigures['engineDaemonCpuMsPerStep'] {
  if (runs.length === 0) return undefined;
  const perStep: Partial<Record<SandboxStep | 'total', number>> = {};
  let total = 0;
  for (const step of SANDBOX_STEPS) {
    const ticks = runs.reduce((sum, run) => sum + (run[step] ?? 0), 0);
    if (!runs.some((run) => run[step] !== undefined)) continue;
    perStep[step] = round((ticks * 1000) / TICKS_PER_SECOND / runs.length, 1);
    total += ticks;
  }
  perStep.total = round((total * 1000) / TICKS_PER_SECOND / runs.length, 1);
  return perStep;
}

function printLatency(figures: LatencyFigures): void {
  const { analysis, runs, engine, runner, platform, gaps, ratios, profile, platformPhases } = figures;
  const ms = (line: LineLatency) => `p50 ${line.p50Ms} / p95 ${line.p95Ms} ms`;
  const minimal = analysis === 'busybox';
  console.log(
    `latency, ${analysis} analysis (${runs} sequential runs each): engine limit ${ms(engine)}; sandbox runner ${ms(runner)}; platform ${ms(platform)}\n` +
      `  runner − engine: p50 +${gaps.runnerMinusEngine.p50Ms} ms, p95 +${gaps.runnerMinusEngine.p95Ms} ms; runner ÷ engine p50 ${ratios.runnerToEngine} (target ≤ 1.3)\n` +
      `  platform − engine: p50 +${gaps.platformMinusEngine.p50Ms} ms${minimal ? ' (target ≤ 100)' : ''}, p95 +${gaps.platformMinusEngine.p95Ms} ms${minimal ? ' (target ≤ 250)' : ''}; platform ÷ engine p50 ${ratios.platformToEngine}\n` +
      `  profile (mean/p95 ms), runner: ${describeProfile(profile.runner)}\n` +
      `  profile, platform worker: ${describeProfile(profile.platform)}\n` +
      `  platform phases (mean/p95 ms): ${describeProfile(platformPhases)}\n` +
      `  profile, engine limit: ${describeProfile(profile.engine)}` +
      (figures.engineDaemonCpuMsPerStep
        ? `\n  dockerd + containerd CPU per engine-limit run (ms): ${Object.entries(figures.engineDaemonCpuMsPerStep)
            .map(([step, value]) => `${step} ${value}`)
            .join(' · ')}`
        : ''),
  );
}
