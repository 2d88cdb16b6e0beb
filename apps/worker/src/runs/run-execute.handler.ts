import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ContainerPolicyError, parseResources, type RunInput, type SandboxRuntime } from '@lockbox/analysis-sdk';
import {
  artifactContentType,
  describeStepTimes,
  type RunProgress,
  type SandboxOutcome,
  SandboxRunner,
  type SandboxRunSpec,
} from '@lockbox/analysis-sdk/sandbox';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { exhaustedRunVerdict, type QuarantineCause, type RunVerdict, type StoredArtifact } from '@lockbox/db';
import { PlatformEventsService } from '@lockbox/events';
import type { QueueMessageOf } from '@lockbox/queue';
import { chooseRuntime, ImageLoader, RunContainers, type RuntimeChoice } from '@lockbox/sandbox';
import { PeriodicTask } from '@lockbox/scheduling';
import { ObjectNotFoundError, ObjectStorageRepository } from '@lockbox/storage';
import { DONE, HANDED_BACK, type JobContext, type JobHandler, type JobOutcome } from '../consumers/job-handler';
import { type HeldLease, JobLeaseService } from '../consumers/job-lease.service';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { WorkerRuntimesService } from '../sandbox-environment/worker-runtimes.service';
import { WorkerOutputAreas } from './worker-output-areas';
import { ProgressThrottle } from './progress-throttle';
import { RunInputStager, type StagedInput } from './run-input-stager';
import { sentence, verdictOf } from './run-outcome';
import { type ClaimedRun, type RunFinish, RunStateStore } from './run-state.store';

/** How often a running run looks for a cancel request (one primary-key read). */
const CANCEL_POLL_MS = 1_000;
/** Progress reaches the database and the live channel at most this often. */
const PROGRESS_INTERVAL_MS = 500;

/** Why the worker stopped a container itself: the lease went elsewhere, the worker is leaving, or the user asked. */
type StopReason = 'lease_lost' | 'shutdown' | 'cancelled';

/** The run's attempt ended without an outcome to record: the job was handed back or taken over. */
class AttemptAbandoned extends Error {
  constructor(readonly reason: 'lease_lost' | 'shutdown') {
    super(reason === 'shutdown' ? 'handed back at shutdown' : 'abandoned: the lease went to another worker');
    this.name = 'AttemptAbandoned';
  }
}

/**
 * `run.execute`: claims the run, stages exactly the consented input, records the data access and runs
 * the analysis in the sandbox, stores its logs and result, and commits the outcome with its event and
 * notification in one transaction; every write is fenced by the claim. Analysis faults are outcomes;
 * platform faults are thrown and retried. A run whose attempts kept killing or stalling their worker
 * ends `failed/attempts_exhausted` at the claim that finds the cap reached, without touching its data.
 */
@Injectable()
export class RunExecuteHandler implements JobHandler<'run.execute'> {
  readonly messageType = 'run.execute' as const;
  private readonly logger = new Logger(RunExecuteHandler.name);

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly leases: JobLeaseService,
    private readonly identity: WorkerIdentity,
    private readonly events: PlatformEventsService,
    private readonly storage: ObjectStorageRepository,
    private readonly runtimes: WorkerRuntimesService,
    private readonly runs: RunStateStore,
    private readonly stager: RunInputStager,
    private readonly images: ImageLoader,
    private readonly sandbox: SandboxRunner,
    private readonly containers: RunContainers,
    private readonly outputAreas: WorkerOutputAreas,
  ) {}

  /** A platform fault is thrown to the lease service, which hands the run back for a retry. */
  async handle(message: QueueMessageOf<'run.execute'>, context: JobContext): Promise<JobOutcome> {
    return this.leases.runClaimed('runs', message.id, context, async (lease) => {
      const attemptDir = join(this.config.home, 'work', 'runs', `${message.id}-${lease.claim.attempts}`);
      try {
        if (lease.claim.exhausted) await this.endExhausted(lease);
        else await this.execute(lease, attemptDir, context);
        return DONE;
      } catch (error) {
        if (!(error instanceof AttemptAbandoned)) throw error;
        this.logger.log(`run ${message.id}: attempt ${lease.claim.attempts} ${error.message}`);
        // At shutdown the next worker may claim it at once; a lost lease is another worker's job now.
        return error.reason === 'shutdown' ? HANDED_BACK : DONE;
      } finally {
        // An exhausted claim made no directory: the one of its number is the last lost attempt's, the reaper's to remove.
        if (!lease.claim.exhausted) {
          await rm(attemptDir, { recursive: true, force: true }).catch((error: unknown) =>
            this.logger.warn(`run ${message.id}: could not remove ${attemptDir}: ${describe(error)}`),
          );
        }
      }
    });
  }

  private async execute(lease: HeldLease, attemptDir: string, context: JobContext): Promise<void> {
    const { claim } = lease;
    // Per-phase wall times, logged once per run: what the benchmark (bench/) reads to find the overhead.
    const phases = new PhaseTimes();
    const run = await this.runs.load(claim.id);
    const started = await this.runs.markStarted(claim, run);
    if (!started.held) throw new AttemptAbandoned('lease_lost');
    await this.events.publish(started.recorded);

    // Reasons not to run at all, decided before any data is touched.
    if (run.cancelRequested) return this.finish(lease, run, { status: 'cancelled', reason: 'by_user', message: 'You cancelled the run.' });
    if (run.version.status === 'suspended') {
      return this.finish(lease, run, { status: 'cancelled', reason: 'analysis_suspended', message: 'The analysis was suspended, so it did not run.' });
    }
    const datasets = await this.runs.datasets(run);
    const gone = run.datasetIds.filter((id) => !datasets.some((dataset) => dataset.id === id && dataset.status === 'ready'));
    if (gone.length > 0) {
      // Only the owner can delete a dataset, so the run ends as theirs to have stopped.
      const which = gone.length === 1 ? `Dataset ${gone[0]} was` : `Datasets ${gone.join(', ')} were`;
      return this.finish(lease, run, { status: 'cancelled', reason: 'by_user', message: `${which} deleted before the run could read it.` });
    }

    // One container per attempt: whatever an earlier attempt left running on this engine goes first.
    // Containers are only ever created after a claim, so the first attempt has none to look for.
    if (claim.attempts > 1) await this.containers.killLeftovers(run.id);
    if (!(await this.ensureImage(run))) {
      return this.finish(lease, run, { status: 'failed', reason: 'image_unavailable', message: "The analysis' image is no longer available." });
    }

    const choice = await this.runtimeFor(run);
    if (choice.refusal !== undefined) {
      // Never silently weaker than asked: a run that needs gVisor does not fall back to runc.
      this.logger.warn(`run ${run.id}: ${choice.refusal}`);
      return this.finish(lease, run, { status: 'failed', reason: 'image_unavailable', message: sentence(choice.refusal) });
    }
    const runtime = choice.runtime;

    phases.mark('prepare');
    await mkdir(attemptDir, { recursive: true, mode: 0o700 });
    const runInput: RunInput = { runId: run.id, analysis: run.analysis.slug, version: run.version.version, params: run.params, scopes: run.consent.scopes };
    const staged = await this.stager.stage(attemptDir, runInput, datasets, run.userId);
    phases.mark('stage');
    let ran: Awaited<ReturnType<RunExecuteHandler['runSandbox']>>;
    try {
      ran = await this.runSandbox(lease, run, { attemptDir, staged, runtime }, context);
    } catch (error) {
      // The image or manifest breaks a sandbox rule that intake should have caught: no retry can fix that.
      if (!(error instanceof ContainerPolicyError)) throw error;
      this.logger.error(`run ${run.id}: ${error.message}`);
      return this.finish(lease, run, { status: 'failed', reason: 'image_unavailable', message: "The analysis' image cannot run in the sandbox." });
    }
    const { sandbox, cancelled } = ran;
    phases.mark('sandbox');

    // Logs, result and artifacts go to S3 before the final write, so the committed pointers always resolve.
    const prefix = attemptObjectsPrefix(run, claim.attempts);
    const logKey = sandbox ? `${prefix}logs.txt` : null;
    // A result that was complete before the cancel took effect is kept: the work is done.
    const succeeded = sandbox?.status === 'succeeded' && sandbox.resultBytes !== undefined;
    const resultKey = succeeded ? `${prefix}result.json` : null;
    // Artifacts come with a result: collection keeps them only when the whole output was valid.
    const artifacts: StoredArtifact[] = succeeded
      ? sandbox.artifacts.map(({ name, bytes }) => ({ name, key: `${prefix}artifacts/${name}`, bytes: bytes.length, contentType: artifactContentType(name) }))
      : [];
    await Promise.all([
      sandbox && logKey ? this.storage.putBuffer(logKey, sandbox.logs, 'text/plain; charset=utf-8') : undefined,
      sandbox?.resultBytes && resultKey ? this.storage.putBuffer(resultKey, sandbox.resultBytes, 'application/json') : undefined,
      ...artifacts.map((artifact, index) => this.storage.putBuffer(artifact.key, sandbox!.artifacts[index]!.bytes, artifact.contentType)),
    ]);

    phases.mark('store');
    const verdict: RunVerdict = sandbox && (succeeded || !cancelled) ? verdictOf(sandbox) : await this.cancelVerdict(run);
    await this.finish(lease, run, verdict, {
      containerMs: sandbox?.containerMs ?? null,
      resultKey,
      resultSummary: resultKey ? (sandbox?.result?.summary ?? null) : null,
      logKey,
      logBytes: sandbox ? sandbox.logs.length : null,
      artifacts,
    });
    phases.mark('commit');
    this.logger.log(
      `run ${run.id}: phases ${phases.describe()} container=${sandbox?.containerMs ?? '-'}ms steps=${sandbox ? describeStepTimes(sandbox.steps) : '-'}`,
    );
  }

  /**
   * The claim found the run's attempts used up: each one killed or stalled its worker. It ends without
   * another look at the data: what an attempt may have left running is killed, the verdict is committed
   * with its event and notification, the version is flagged for the admins, and whatever the attempts
   * stored is removed (none of it is an outcome).
   */
  private async endExhausted(lease: HeldLease): Promise<void> {
    const { claim } = lease;
    const run = await this.runs.load(claim.id);
    // Best effort: the orphan reaper removes a dead worker's containers anyway, and the run must end.
    await this.containers
      .killLeftovers(run.id)
      .catch((error: unknown) => this.logger.warn(`run ${run.id}: killing the containers of its lost attempts failed: ${describe(error)}`));
    const verdict = exhaustedRunVerdict({
      cancelRequested: run.cancelRequested,
      versionSuspended: run.version.status === 'suspended',
      lostAttempts: claim.lostAttempts,
    });
    const quarantine: QuarantineCause = { job: 'run', jobId: run.id, lostAttempts: claim.lostAttempts, actor: `worker:${this.identity.id}` };
    this.logger.warn(`run ${run.id}: ${claim.lostAttempts} attempt(s) lost, the cap; ending it and flagging version ${run.version.id} for the admins`);
    await this.finish(lease, run, verdict, { ...emptyFinish(), quarantine });
  }

  /**
   * Runs the container while watching for the three reasons to stop it early: a cancel request, a lost
   * lease and the worker's shutdown. Throws AttemptAbandoned for the last two, and platform faults as
   * they come; an outcome of the analysis, even a crash, is returned.
   */
  private async runSandbox(
    lease: HeldLease,
    run: ClaimedRun,
    { attemptDir, staged, runtime }: { attemptDir: string; staged: StagedInput; runtime: SandboxRuntime },
    { shutdown, giveBackCapacity }: JobContext,
  ): Promise<{ sandbox?: SandboxOutcome; cancelled: boolean }> {
    const { claim } = lease;
    let stopped: StopReason | undefined;
    let containerId: string | undefined;
    const kill = (id: string) => void this.containers.kill(id);
    const stop = (reason: StopReason) => {
      if (stopped) return;
      stopped = reason;
      if (containerId) kill(containerId);
    };
    const onLost = () => stop('lease_lost');
    const onShutdown = () => stop('shutdown');
    lease.lost.addEventListener('abort', onLost);
    shutdown.addEventListener('abort', onShutdown);
    if (lease.lost.aborted) onLost();
    if (shutdown.aborted) onShutdown();
    const pollCancel = () =>
      this.runs
        .cancelRequested(run.id)
        .then((requested) => (requested ? stop('cancelled') : undefined))
        .catch((error: unknown) => this.logger.warn(`run ${run.id}: checking for a cancel request failed: ${describe(error)}`));
    const cancelPolling = new PeriodicTask({ name: `run ${run.id}: polling for a cancel`, intervalMs: CANCEL_POLL_MS, logger: this.logger }, pollCancel);
    const progress = new ProgressThrottle(PROGRESS_INTERVAL_MS, (report) => this.recordProgress(lease, run, report));

    let sandbox: SandboxOutcome | undefined;
    try {
      // The cancel may have come while the image loaded and the input was staged.
      await pollCancel();
      cancelPolling.start();
      if (!stopped) {
        const spec: SandboxRunSpec = {
          imageId: run.consent.imageId,
          manifest: { entrypoint: run.version.manifest.entrypoint, resources: parseResources(run.version.manifest.resources) },
          runtime,
          limits: this.config.limits,
          inputDir: staged.inputDir,
          workDir: attemptDir,
          outputAreas: this.outputAreas.stock,
          labels: { instance: this.config.instanceId, runId: run.id, attempt: claim.attempts, workerId: this.identity.id },
        };
        sandbox = await this.sandbox.run(spec, {
          onProgress: (report) => progress.report(report),
          // The access is on record before the analysis can read a byte, and only while the claim holds.
          // Stopped meanwhile (lease lost, shutdown, cancel): the container never starts.
          beforeStart: async (id) => {
            if (stopped) throw new Error(`not starting the container: ${stopped}`);
            const access = {
              datasetIds: run.datasetIds,
              scopes: run.consent.scopes,
              imageId: run.consent.imageId,
              runtime,
              records: staged.records,
              workerId: this.identity.id,
              containerId: id,
            };
            if (await this.runs.recordDataAccess(claim, run, access)) return;
            stop('lease_lost');
            throw new Error('not starting the container: the claim no longer holds');
          },
          onContainerStarted: (id) => {
            containerId = id;
            if (stopped) kill(id);
          },
          // The engine is free for the next run while this one is collected, stored and committed.
          onContainerExited: giveBackCapacity,
          onCleanupError: (error) => this.logger.warn(`run ${run.id}: cleaning up after the container failed: ${describe(error)}`),
        });
      }
    } catch (error) {
      // Once the worker has stopped the container itself, what the runner says about that no longer matters.
      if (!stopped) throw error;
    } finally {
      await cancelPolling.stop();
      lease.lost.removeEventListener('abort', onLost);
      shutdown.removeEventListener('abort', onShutdown);
      await progress.close();
    }

    if (stopped === 'lease_lost' || stopped === 'shutdown') throw new AttemptAbandoned(stopped);
    return { sandbox, cancelled: stopped === 'cancelled' };
  }

  /**
   * Commits the terminal state with its event and notification (and, for a run out of attempts, the
   * version's quarantine flag), then publishes the event.
   */
  private async finish(lease: HeldLease, run: ClaimedRun, verdict: RunVerdict, stored: Omit<RunFinish, 'verdict'> = emptyFinish()): Promise<void> {
    const committed = await this.runs.finish(lease.claim, run, { verdict, ...stored });
    if (!committed) throw new AttemptAbandoned('lease_lost');
    lease.stop();
    await this.events.publish(committed.recorded);
    this.logger.log(`run ${run.id}: ${verdict.status}${verdict.reason ? `/${verdict.reason}` : ''} (attempt ${lease.claim.attempts})`);
    // An exhausted claim is no attempt of its own: every stored object belongs to a lost one.
    if (lease.claim.exhausted) await this.removeAttemptObjects(run);
    else if (lease.claim.attempts > 1) await this.removeAttemptObjects(run, lease.claim.attempts);
  }

  /**
   * Logs and results that an attempt cut short (a killed worker, a lost lease) stored before it could
   * commit belong to no outcome: once this attempt has committed, only its own objects stay (none, when
   * no attempt committed).
   */
  private async removeAttemptObjects(run: ClaimedRun, committedAttempt?: number): Promise<void> {
    const keep = committedAttempt === undefined ? undefined : attemptObjectsPrefix(run, committedAttempt);
    try {
      for (const object of await this.storage.list(runObjectsPrefix(run))) {
        if (keep === undefined || !object.key.startsWith(keep)) await this.storage.delete(object.key);
      }
    } catch (error) {
      this.logger.warn(`run ${run.id}: removing what earlier attempts stored failed: ${describe(error)}`);
    }
  }

  /** A stop request comes from the user, or from an admin suspending the version (which asks its running runs to stop). */
  private async cancelVerdict(run: ClaimedRun): Promise<RunVerdict> {
    return (await this.runs.versionStatus(run)) === 'suspended'
      ? { status: 'cancelled', reason: 'analysis_suspended', message: 'The analysis was suspended while it ran, so the run was stopped.' }
      : { status: 'cancelled', reason: 'by_user', message: 'You cancelled the run.' };
  }

  /** Makes sure the consented image is in this engine. False when neither it nor its tarball exists. */
  private async ensureImage(run: ClaimedRun): Promise<boolean> {
    const imageId = run.consent.imageId;
    if (await this.images.has(imageId)) return true;
    if (!run.version.imageKey) return false;
    let tarball: Readable;
    try {
      tarball = await this.storage.getStream(run.version.imageKey);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return false;
      throw error;
    }
    this.logger.log(`run ${run.id}: loading image ${imageId} from storage`);
    await this.images.load(tarball, imageId);
    return true;
  }

  /** The runtime the platform's policy picks for this run on this worker, or why it cannot run here (`chooseRuntime`). */
  private async runtimeFor(run: ClaimedRun): Promise<RuntimeChoice> {
    return chooseRuntime({
      purpose: 'run',
      requested: run.version.manifest.runtime,
      available: await this.runtimes.available(),
      forceRunsc: this.config.sandbox.requiredRuntime === 'runsc',
    });
  }

  private async recordProgress(lease: HeldLease, run: ClaimedRun, report: RunProgress): Promise<void> {
    try {
      await this.runs.recordProgress(lease.claim, report.progress, report.message);
      await this.events.publishTransient(run.userId, 'run.progress', run.id, { runId: run.id, progress: report.progress, message: report.message });
    } catch (error) {
      this.logger.warn(`run ${run.id}: recording progress failed: ${describe(error)}`);
    }
  }
}

/** Wall time between successive marks, e.g. `prepare=12ms stage=3ms`. */
class PhaseTimes {
  private last = performance.now();
  private readonly times: string[] = [];

  mark(phase: string): void {
    const now = performance.now();
    this.times.push(`${phase}=${Math.round(now - this.last)}ms`);
    this.last = now;
  }

  describe(): string {
    return this.times.join(' ');
  }
}

/** Where a run's logs and result live: `runs/<user>/<run>/attempt-<n>/`. */
function runObjectsPrefix(run: Pick<ClaimedRun, 'userId' | 'id'>): string {
  return `runs/${run.userId}/${run.id}/`;
}

function attemptObjectsPrefix(run: Pick<ClaimedRun, 'userId' | 'id'>, attempt: number): string {
  return `${runObjectsPrefix(run)}attempt-${attempt}/`;
}

function emptyFinish(): Omit<RunFinish, 'verdict'> {
  return { containerMs: null, resultKey: null, resultSummary: null, logKey: null, logBytes: null, artifacts: [] };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
