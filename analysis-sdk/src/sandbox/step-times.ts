// How long each step of a sandbox run took: the profile that shows where a run's sandbox time goes
// beyond the container's own life (the worker's phase log prints it, the benchmark aggregates it).

/** The runner's steps, in the order a run takes them. */
export const SANDBOX_STEPS = [
  /** inspect the image and check its config */
  'image',
  /** create the output area (a tmpfs mount on a worker) */
  'area',
  'create',
  'attach',
  /** the caller's beforeStart hook (the worker records the data access there) */
  'beforeStart',
  'start',
  /** from the start's answer to the wait's: the container's life and the engine's exit notice */
  'wait',
  /** the last log bytes after the exit */
  'drain',
  'inspect',
  /** whether the output area ran into its caps */
  'check',
  'collect',
  'remove',
  /** unmount and remove the output area */
  'unmount',
] as const;

export type SandboxStep = (typeof SANDBOX_STEPS)[number];

/** Milliseconds per step; a step the run did not reach (an early verdict, no hook) is absent. */
export type SandboxStepTimes = Partial<Record<SandboxStep, number>>;

export class StepClock {
  private readonly times: SandboxStepTimes = {};

  /** Runs the action and records its wall time under `step`, whether it succeeds or throws. */
  async time<T>(step: SandboxStep, action: () => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    try {
      return await action();
    } finally {
      this.record(step, performance.now() - startedAt);
    }
  }

  record(step: SandboxStep, ms: number): void {
    this.times[step] = Math.round(ms * 10) / 10;
  }

  snapshot(): SandboxStepTimes {
    return { ...this.times };
  }
}

/** `image:2,area:4,create:41,…` in the steps' order, whole milliseconds: one field of a log line. */
export function describeStepTimes(times: SandboxStepTimes): string {
  return SANDBOX_STEPS.flatMap((step) => {
    const ms = times[step];
    return ms === undefined ? [] : [`${step}:${Math.round(ms)}`];
  }).join(',');
}

/** The inverse of describeStepTimes; unknown steps and malformed pairs are skipped. */
export function parseStepTimes(field: string): SandboxStepTimes {
  const times: SandboxStepTimes = {};
  for (const pair of field.split(',')) {
    const [, step = '', ms = ''] = /^(\w+):(\d+(?:\.\d+)?)$/.exec(pair) ?? [];
    if (!(SANDBOX_STEPS as readonly string[]).includes(step)) continue;
    times[step as SandboxStep] = Number(ms);
  }
  return times;
}
