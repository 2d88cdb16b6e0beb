// The sandbox phase's profile: per step, the mean and p95 of its wall time over a set of runs, from the
// runner's own outcome (the runner line) or from the worker's phase log (the platform line).
import { SANDBOX_STEPS, type SandboxStep, type SandboxStepTimes, parseStepTimes } from '@lockbox/analysis-sdk/sandbox';
import { percentile, round } from './figures';

export interface StepFigures {
  /** Runs that took the step. */
  runs: number;
  meanMs: number;
  p95Ms: number;
}

export type StepProfile = Partial<Record<SandboxStep | 'total', StepFigures>>;

/** Per step, in the run's order; `total` is the sum of each run's steps. Steps no run took are absent. */
export function aggregateSteps(runs: readonly SandboxStepTimes[]): StepProfile {
  const profile: StepProfile = {};
  const figures = (values: number[]): StepFigures => ({
    runs: values.length,
    meanMs: round(values.reduce((sum, value) => sum + value, 0) / values.length, 1),
    p95Ms: round(percentile(values, 95), 1),
  });
  for (const step of SANDBOX_STEPS) {
    const values = runs.flatMap((run) => (run[step] === undefined ? [] : [run[step]]));
    if (values.length > 0) profile[step] = figures(values);
  }
  if (runs.length > 0) profile.total = figures(runs.map((run) => Object.values(run).reduce((sum, value) => sum + (value ?? 0), 0)));
  return profile;
}

/** One line of the profile for the console: `create 41/63 · start 80/120 · …` (mean/p95 ms). */
export function describeProfile(profile: StepProfile): string {
  return Object.entries(profile)
    .map(([step, figures]) => `${step} ${Math.round(figures.meanMs)}/${Math.round(figures.p95Ms)}`)
    .join(' · ');
}

/**
 * The steps the worker logged for each of the given runs (`run <id>: phases … steps=image:2,…`). A run
 * without such a line is left out; the caller compares the count with what it asked for.
 */
export function stepsFromWorkerLog(log: string, runIds: readonly string[]): SandboxStepTimes[] {
  const wanted = new Set(runIds);
  const found: SandboxStepTimes[] = [];
  for (const line of log.split('\n')) {
    const match = /run ([\w-]+): phases .*?steps=([\w:.,]+)/.exec(line);
    if (match && wanted.has(match[1]!)) {
      found.push(parseStepTimes(match[2]!));
      wanted.delete(match[1]!);
    }
  }
  return found;
}
