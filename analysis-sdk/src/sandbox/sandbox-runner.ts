// Runs one analysis container from start to verdict (ARCHITECTURE §3–§5). The platform's worker and
// the developers' CLI both call this, so a local run and a production run are the same container.
import type Docker from 'dockerode';
import { CONTAINER_LABELS, ContainerPolicyError, DEFAULT_CONTAINER_USER, buildContainerPolicy, checkImageConfig } from '../container-policy';
import type { PlatformLimits } from '../limits';
import type { RunResources, SandboxRuntime } from '../manifest';
import type { ResultDocument } from '../result';
import { collectOutput, describeBytes, type CollectedArtifact } from './collect-output';
import { LogCapture, type RunProgress } from './log-capture';
import type { OutputArea } from './output-area';
import { AREA_PER_RUN, type OutputAreaSource } from './output-area-stock';
import { type SandboxStepTimes, StepClock } from './step-times';

export interface SandboxRunSpec {
  /** The image ID (`sha256:…`); never a tag. */
  imageId: string;
  manifest: { entrypoint: readonly string[]; resources: RunResources };
  runtime: SandboxRuntime;
  limits: PlatformLimits;
  /** Host directory already holding `run.json` and `data/<kind>.jsonl`; mounted read-only at /input. */
  inputDir: string;
  /** Host directory in which the runner creates (and removes) the run's output area, unless `outputAreas` has its own. */
  workDir: string;
  /** Where the output area comes from: by default one mounted in `workDir` for the run (a worker keeps an OutputAreaStock). */
  outputAreas?: OutputAreaSource;
  labels: { instance: string; runId: string; attempt: number | string; workerId: string };
  /** When the container is killed; defaults to now + the manifest timeout. */
  deadlineAt?: Date;
  /** LOCKBOX_* variables only. */
  env?: Readonly<Record<string, string>>;
}

export interface SandboxRunHooks {
  onProgress?: (progress: RunProgress) => void;
  /**
   * Awaited once the container is created and attached, before it starts, i.e. before the analysis can
   * read its input: the place to record that access. A throw means the container never starts; the
   * error is passed on as it is.
   */
  beforeStart?(containerId: string): Promise<void>;
  /** Called once the container is running; not awaited. */
  onContainerStarted?(containerId: string): void | Promise<void>;
  /** Called once the container has exited (or was killed), before its output is collected. */
  onContainerExited?(): void;
  /** Removing the container or the output area failed after the verdict was reached; the orphan reaper finishes the job. */
  onCleanupError?(error: unknown): void;
}

export type SandboxOutcomeStatus = 'succeeded' | 'failed' | 'timed_out';
export type SandboxFailureReason = 'exit_code' | 'oom' | 'output_invalid' | 'output_limit' | 'log_limit' | 'deadline';

export interface SandboxOutcome {
  status: SandboxOutcomeStatus;
  /** Set unless succeeded. */
  reason?: SandboxFailureReason;
  /** For people: what happened, and for a developer what to change. */
  message: string;
  /** Unset when the runner killed the container. */
  exitCode?: number;
  /** From the container's start to its exit. */
  containerMs: number;
  /** The first `runLogKeptBytes` of stdout and stderr. */
  logs: Buffer;
  logBytesTotal: number;
  result?: ResultDocument;
  /** result.json exactly as written, to store. */
  resultBytes?: Buffer;
  artifacts: CollectedArtifact[];
  /** Wall time of each step of the run, removal and unmount included: the sandbox phase's profile. */
  steps: SandboxStepTimes;
}

/**
 * A fault of the platform, not of the analysis (engine unreachable, image not loaded, mount failed):
 * not a run outcome, so callers retry it and never charge the user.
 */
export class SandboxPlatformError extends Error {
  constructor(
    message: string,
    readonly reason?: 'image_unavailable',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SandboxPlatformError';
  }
}

// How long to wait for the last log bytes once the container has exited.
const LOG_DRAIN_MS = 5_000;

type Stop = 'deadline' | 'log_limit';

/** Image IDs whose config passed the check, remembered so that a run of a known image skips the inspect; bounded. */
const CHECKED_IMAGES_KEPT = 1_000;

export class SandboxRunner {
  /**
   * An image ID is the digest of its config, so a config that passed the check passes it forever: the
   * check is not repeated for each run. An image removed from the engine since is noticed at create.
   */
  private readonly checkedImages = new Set<string>();

  constructor(private readonly docker: Docker) {}

  /**
   * Runs the analysis and returns its outcome. Throws SandboxPlatformError for faults of the platform,
   * and ContainerPolicyError when the spec or the image breaks a sandbox rule (a caller's bug or an
   * image intake should have refused).
   */
  async run(spec: SandboxRunSpec, hooks: SandboxRunHooks = {}): Promise<SandboxOutcome> {
    const { resources } = spec.manifest;
    const deadlineAt = spec.deadlineAt ?? new Date(Date.now() + resources.timeoutSeconds * 1000);
    const clock = new StepClock();
    await clock.time('image', () => this.checkImage(spec.imageId));

    const [uid, gid] = DEFAULT_CONTAINER_USER.split(':').map(Number) as [number, number];
    const areas = spec.outputAreas ?? AREA_PER_RUN;
    const area = await clock.time('area', () =>
      platformStep('create the output area', () =>
        areas.take(spec.workDir, { sizeBytes: resources.outputBytes, uid, gid, maxFiles: spec.limits.runOutputMaxFiles }),
      ),
    );
    let container: Docker.Container | undefined;
    let outcome: Omit<SandboxOutcome, 'steps'>;
    try {
      const createOptions = buildContainerPolicy({
        image: spec.imageId,
        entrypoint: spec.manifest.entrypoint,
        resources,
        limits: spec.limits,
        runtime: spec.runtime,
        user: DEFAULT_CONTAINER_USER,
        inputHostPath: spec.inputDir,
        outputHostPath: area.path,
        env: spec.env ?? {},
        labels: { ...spec.labels, deadline: deadlineAt },
      });
      container = await clock.time('create', () => this.createContainer(createOptions));
      outcome = await this.runContainer(container, area, spec, deadlineAt, hooks, clock);
      const finished = container;
      container = undefined;
      await clock.time('remove', () => removeOwnContainer(finished, hooks));
    } finally {
      // Only after a fault: the verdict path removed the container above.
      if (container) await container.remove({ force: true }).catch((error: unknown) => hooks.onCleanupError?.(error));
      await clock.time('unmount', () => areas.giveBack(area).catch((error: unknown) => hooks.onCleanupError?.(error)));
    }
    return { ...outcome, steps: clock.snapshot() };
  }

  private async runContainer(
    container: Docker.Container,
    area: OutputArea,
    spec: SandboxRunSpec,
    deadlineAt: Date,
    hooks: SandboxRunHooks,
    clock: StepClock,
  ): Promise<Omit<SandboxOutcome, 'steps'>> {
    const { resources } = spec.manifest;
    let stopLogs!: () => void;
    const logLimit = new Promise<Stop>((resolve) => (stopLogs = () => resolve('log_limit')));
    const capture = new LogCapture({
      keptBytes: spec.limits.runLogKeptBytes,
      killBytes: spec.limits.runLogKillBytes,
      onLimit: () => stopLogs(),
      onProgress: hooks.onProgress,
    });

    // Attached before start, so not one byte of output is missed.
    const stream = await clock.time('attach', () =>
      platformStep('attach to the container', () => container.attach({ stream: true, stdout: true, stderr: true })),
    );
    const logsDone = capture.consume(stream);

    let deadlineTimer: NodeJS.Timeout | undefined;
    try {
      if (hooks.beforeStart) await clock.time('beforeStart', async () => hooks.beforeStart?.(container.id));
      const hostStartedAt = Date.now();
      await clock.time('start', () => platformStep('start the container', () => container.start()));
      const waitStartedAt = performance.now();
      if (hooks.onContainerStarted)
        void Promise.resolve()
          .then(() => hooks.onContainerStarted?.(container.id))
          .catch(() => undefined);

      // Waiting only after start: wait() on a container that never ran returns at once.
      const exited = platformStep('wait for the container', () => container.wait() as Promise<{ StatusCode: number }>);
      const deadline = new Promise<Stop>((resolve) => {
        deadlineTimer = setTimeout(() => resolve('deadline'), Math.max(0, deadlineAt.getTime() - Date.now()));
      });
      const first = await Promise.race([exited.then(() => 'exited' as const), deadline, logLimit]);
      let stoppedFor: Stop | undefined;
      if (first !== 'exited') {
        stoppedFor = first;
        // SIGKILL: an analysis cannot trap or delay it, and Init takes every process down with it.
        await container.kill({ signal: 'SIGKILL' }).catch((error: unknown) => {
          // 409: it exited meanwhile. Anything else: it may still run, so do not wait for it.
          if (statusCode(error) !== 409) throw platformError('kill the container', error);
        });
      }
      const waited = await exited;
      clock.record('wait', performance.now() - waitStartedAt);
      const hostMs = Date.now() - hostStartedAt;
      hooks.onContainerExited?.();
      await clock.time('drain', () => withTimeout(logsDone, LOG_DRAIN_MS));
      stream.removeAllListeners('data');

      const info = await clock.time('inspect', () => platformStep('inspect the container', () => container.inspect()));
      const state = info.State;
      const containerMs = engineDuration(state.StartedAt, state.FinishedAt) ?? hostMs;
      const exitCode = typeof state.ExitCode === 'number' ? state.ExitCode : waited.StatusCode;
      const base = { containerMs, logs: capture.logs, logBytesTotal: capture.totalBytes, artifacts: [] as CollectedArtifact[] };
      const failed = (reason: SandboxFailureReason, message: string, withExitCode = true): Omit<SandboxOutcome, 'steps'> => ({
        status: 'failed',
        reason,
        message,
        ...(withExitCode ? { exitCode } : {}),
        ...base,
      });

      // Verdicts in order of cause: what the runner stopped, then what the kernel stopped, then
      // what the analysis itself reported.
      if (stoppedFor === 'deadline') {
        return {
          status: 'timed_out',
          reason: 'deadline',
          message: `the analysis ran past its ${resources.timeoutSeconds} s deadline and was stopped`,
          ...base,
        };
      }
      if (stoppedFor === 'log_limit' || capture.limitExceeded) {
        return failed(
          'log_limit',
          `the analysis wrote more than ${describeBytes(spec.limits.runLogKillBytes)} of logs and was stopped`,
          stoppedFor === undefined,
        );
      }
      if (state.OOMKilled) return failed('oom', `the analysis used more than its ${describeBytes(resources.memoryBytes)} of memory`);
      // A full output area explains a crash better than the exit code it caused.
      const fullness = await clock.time('check', () => platformStep('check the output area', () => area.fullness()));
      if (fullness === 'bytes') return failed('output_limit', `the analysis wrote more than its ${describeBytes(resources.outputBytes)} of /output`);
      if (fullness === 'files') return failed('output_limit', `the analysis created more than ${spec.limits.runOutputMaxFiles} files in /output`);
      if (exitCode !== 0) return failed('exit_code', `the analysis exited with code ${exitCode}`);

      const output = await clock.time('collect', () =>
        platformStep('collect the output', () =>
          collectOutput(area.path, {
            runOutputMaxFiles: spec.limits.runOutputMaxFiles,
            runOutputMaxBytes: resources.outputBytes,
            resultMaxBytes: spec.limits.resultMaxBytes,
          }),
        ),
      );
      if (!output.ok) return failed(output.reason, output.message);
      return {
        status: 'succeeded',
        message: 'the analysis finished',
        exitCode,
        ...base,
        result: output.result,
        resultBytes: output.resultBytes,
        artifacts: output.artifacts,
      };
    } finally {
      clearTimeout(deadlineTimer);
      stream.removeAllListeners('data');
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    }
  }

  /** A create that finds the image gone answers as the image check does: `image_unavailable`, forgotten. */
  private async createContainer(options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer(options);
    } catch (error) {
      if (statusCode(error) === 404 && options.Image) {
        this.checkedImages.delete(options.Image);
        throw new SandboxPlatformError(`image ${options.Image} is not loaded in this Docker Engine`, 'image_unavailable', { cause: error });
      }
      throw platformError('create the container', error);
    }
  }

  /** The image must be loaded and must still pass the intake rules (a VOLUME would bypass the output cap). */
  private async checkImage(imageId: string): Promise<void> {
    if (this.checkedImages.has(imageId)) return;
    let info: unknown;
    try {
      info = await this.docker.getImage(imageId).inspect();
    } catch (error) {
      if (statusCode(error) === 404) {
        throw new SandboxPlatformError(`image ${imageId} is not loaded in this Docker Engine`, 'image_unavailable', { cause: error });
      }
      throw platformError('inspect the image', error);
    }
    const check = checkImageConfig(info);
    if (!check.ok) throw new ContainerPolicyError(check.violations.map((violation) => `image ${imageId}: ${violation}`));
    if (this.checkedImages.size >= CHECKED_IMAGES_KEPT) this.checkedImages.clear();
    this.checkedImages.add(imageId);
  }
}

export interface RunContainerRef {
  /** The container ID. */
  id: string;
  runId: string;
  attempt: string;
  workerId: string;
  /** From the lockbox.deadline label; undefined if it is missing or unreadable. */
  deadline?: Date;
  /** The engine's state: created, running, exited… */
  state: string;
}

/** Every analysis container of one stack (`lockbox.instance`), running or not: what the orphan reaper looks at. */
export async function listStackContainers(docker: Docker, instance: string): Promise<RunContainerRef[]> {
  return listLabelled(docker, [`${CONTAINER_LABELS.instance}=${instance}`]);
}

/**
 * Kills and removes every container of one run, e.g. an earlier attempt's before a new attempt
 * starts. Returns the IDs removed. Output areas are left to the orphan reaper.
 */
export async function killRunContainers(docker: Docker, selector: { instance: string; runId: string }): Promise<string[]> {
  const containers = await listLabelled(docker, [`${CONTAINER_LABELS.instance}=${selector.instance}`, `${CONTAINER_LABELS.run}=${selector.runId}`]);
  const removed: string[] = [];
  for (const { id } of containers) {
    if (await removeContainer(docker, id)) removed.push(id);
  }
  return removed;
}

/**
 * Force-removes a container (the engine sends SIGKILL first) and resolves once it is gone. Another
 * caller may be removing it at the same moment (the orphan reaper and a new attempt both remove a dead
 * worker's container): the engine answers 409 "removal already in progress", and this waits for that
 * removal to finish. Returns false when the container was already gone.
 */
export async function removeContainer(docker: Docker, id: string): Promise<boolean> {
  const container = docker.getContainer(id);
  try {
    await container.remove({ force: true });
    return true;
  } catch (error) {
    if (statusCode(error) === 404) return false;
    if (statusCode(error) !== 409) throw platformError(`remove container ${id}`, error);
  }
  try {
    await container.wait({ condition: 'removed' });
  } catch (error) {
    if (statusCode(error) !== 404) throw platformError(`wait for container ${id} to be removed`, error);
  }
  return false;
}

async function listLabelled(docker: Docker, labels: string[]): Promise<RunContainerRef[]> {
  const containers = await platformStep('list containers', () => docker.listContainers({ all: true, filters: { label: labels } }));
  return containers.map((container) => {
    const label = (key: string) => container.Labels?.[key] ?? '';
    const deadline = new Date(label(CONTAINER_LABELS.deadline));
    return {
      id: container.Id,
      runId: label(CONTAINER_LABELS.run),
      attempt: label(CONTAINER_LABELS.attempt),
      workerId: label(CONTAINER_LABELS.worker),
      deadline: Number.isNaN(deadline.getTime()) ? undefined : deadline,
      state: container.State,
    };
  });
}

/**
 * Removes the run's container once the verdict is reached. That it is still there to remove also
 * proves nobody took the run over: a newer attempt's killRunContainers (or the reaper) force-removes
 * it, which looks like an exit with code 137 to this runner. Then the verdict is void.
 */
async function removeOwnContainer(container: Docker.Container, hooks: SandboxRunHooks): Promise<void> {
  try {
    await container.remove({ force: true });
  } catch (error) {
    const code = statusCode(error);
    if (code === 404 || code === 409) {
      throw new SandboxPlatformError(
        `container ${container.id} was removed by someone else during the run (a newer attempt?); its outcome is void`,
        undefined,
        {
          cause: error,
        },
      );
    }
    // The verdict stands; the orphan reaper removes what is left.
    hooks.onCleanupError?.(error);
  }
}

/** Runs one call to the engine or the host, turning any failure into a SandboxPlatformError. */
async function platformStep<T>(step: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw platformError(step, error);
  }
}

function platformError(step: string, error: unknown): SandboxPlatformError {
  if (error instanceof SandboxPlatformError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new SandboxPlatformError(`could not ${step}: ${detail}`, undefined, { cause: error });
}

function statusCode(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function engineDuration(startedAt: string | undefined, finishedAt: string | undefined): number | undefined {
  const ms = Date.parse(finishedAt ?? '') - Date.parse(startedAt ?? '');
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
