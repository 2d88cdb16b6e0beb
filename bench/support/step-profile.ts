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

/** The worker's phases of a run, in order (its `phases` log line), and `outside`: the platform's latency less their sum. */
export const WORKER_PHASES = ['prepare', 'stage', 'sandbox', 'store', 'commit'] as const;
export type WorkerPhase = (typeof WORKER_PHASES)[number];
export type PhaseTimes = Partial<Record<WorkerPhase | 'outside', number>>;
export type PhaseProfile = Partial<Record<WorkerPhase | 'outside' | 'total', StepFigures>>;

/** What the worker logged of one run: its phases and the sandbox phase's steps. */
export interface WorkerRunTimes {
  runId: string;
  phases: Partial<Record<WorkerPhase, number>>;
  steps: SandboxStepTimes;
}

function figuresOf(values: number[]): StepFigures {
  return {
    runs: values.length,
    meanMs: round(values.reduce((sum, value) => sum + value, 0) / values.length, 1),
    p95Ms: round(percentile(values, 95), 1),
  };
}

/** Per key, in the given order; `total` is the sum of each run's. Keys no run has are absent. */
function aggregate<K extends string>(runs: ReadonlyArray<Partial<Record<K, number>>>, keys: readonly K[]): Partial<Record<K | 'total', StepFigures>> {
  const profile: Partial<Record<K | 'total', StepFigures>> = {};
  for (const key of keys) {
    const values = runs.flatMap((run) => (run[key] === undefined ? [] : [run[key]]));
    if (values.length > 0) profile[key] = figuresOf(values);
  }
  if (runs.length > 0) profile.total = figuresOf(runs.map((run) => keys.reduce((sum, key) => sum + (run[key] ?? 0), 0)));
  return profile;
}

/** Per step, in the run's order; `total` is the sum of each run's steps. Steps no run took are absent. */
export function aggregateSteps(runs: readonly SandboxStepTimes[]): StepProfile {
  return aggregate(runs, SANDBOX_STEPS);
}

/** Per phase of the worker, and `outside` it (API, outbox, queue, claim, events: the latency the phases do not cover). */
export function aggregatePhases(runs: readonly PhaseTimes[]): PhaseProfile {
  return aggregate(runs, [...WORKER_PHASES, 'outside'] as const);
}

/** One line of the profile for the console: `create 41/63 · start 80/120 · …` (mean/p95 ms). */
export function describeProfile(profile: StepProfile | PhaseProfile): string {
  return Object.entries(profile)
    .map(([step, figures]) => `${step} ${Math.round(figures.meanMs)}/${Math.round(figures.p95Ms)}`)
    .join(' · ');
}

/**
 * The steps the worker logged for each of the given runs (`run <id>: phases … steps=image:2,…`). A run
 * without such a line is left out; the caller compares the count with what it asked for.
 */
export function stepsFromWorkerLog(log: string, runIds: readonly string[]): SandboxStepTimes[] {
  return sandboxStepsOf(runTimesFromWorkerLog(log, runIds));
}

/** The sandbox steps of the runs that reached the sandbox (a run stopped before it logs none). */
export function sandboxStepsOf(runs: readonly WorkerRunTimes[]): SandboxStepTimes[] {
  return runs.flatMap((run) => (Object.keys(run.steps).length > 0 ? [run.steps] : []));
}

/** The phases and steps the worker logged for each of the given runs, in the log's order; a run without a line is left out. */
export function runTimesFromWorkerLog(log: string, runIds: readonly string[]): WorkerRunTimes[] {
  const wanted = new Set(runIds);
  const found: WorkerRunTimes[] = [];
  for (const line of log.split('\n')) {
    const match = /run ([\w-]+): phases (.*?) container=\S+ steps=([\w:.,-]+)/.exec(line);
    if (!match || !wanted.has(match[1]!)) continue;
    const phases: WorkerRunTimes['phases'] = {};
    for (const [, name, ms] of match[2]!.matchAll(/(\w+)=(\d+)ms/g)) {
      if ((WORKER_PHASES as readonly string[]).includes(name!)) phases[name as WorkerPhase] = Number(ms);
    }
    found.push({ runId: match[1]!, phases, steps: match[3] === '-' ? {} : parseStepTimes(match[3]!) });
    wanted.delete(match[1]!);
  }
  return found;
}
