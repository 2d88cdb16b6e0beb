import { Inject, Injectable, Logger } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { type AnalysisVersion, type JobClaim, type QuarantineCause, SubmissionStateWriter, SubmissionsRepository } from '@lockbox/db';
import { PlatformEventsService, type RecordedEvent } from '@lockbox/events';
import type { QueueMessageOf } from '@lockbox/queue';
import { DockerEngineRepository } from '@lockbox/sandbox';
import { ObjectStorageRepository } from '@lockbox/storage';
import type { JobContext, JobHandler } from '../consumers/job-handler';
import { type HeldLease, JobLeaseService } from '../consumers/job-lease.service';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { WorkerRuntimesService } from '../sandbox-environment/worker-runtimes.service';
import { SmokeRun, smokeRunId } from './smoke-run';
import { CheckFindings, SubmissionChecks } from './submission-checks';

const TABLE = 'analysis_versions';

/**
 * `submission.check`: claims the submitted version (submitted → checking), runs the automated checks and
 * writes the verdict (`awaiting_review` with the image ID, or `check_failed`) with its report, audit row,
 * event and notification in one transaction fenced by the claim. A redelivery finds nothing to claim; a
 * worker that lost its claim writes nothing. Checks whose attempts kept killing or stalling their worker
 * end `check_failed` with the violation `attempts_exhausted` at the claim that finds the cap reached.
 */
@Injectable()
export class SubmissionCheckHandler implements JobHandler<'submission.check'> {
  readonly messageType = 'submission.check' as const;
  private readonly logger = new Logger(SubmissionCheckHandler.name);
  private readonly checks: SubmissionChecks;

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly submissions: SubmissionsRepository,
    private readonly states: SubmissionStateWriter,
    private readonly engine: DockerEngineRepository,
    storage: ObjectStorageRepository,
    private readonly leases: JobLeaseService,
    private readonly events: PlatformEventsService,
    private readonly identity: WorkerIdentity,
    runtimes: WorkerRuntimesService,
  ) {
    const smoke = new SmokeRun(engine, {
      home: config.home,
      instanceId: config.instanceId,
      workerId: identity.id,
      limits: config.limits,
      requiredRuntime: config.sandbox.requiredRuntime,
      availableRuntimes: () => runtimes.available(),
    });
    this.checks = new SubmissionChecks(config.limits, engine, storage, smoke);
  }

  async handle(message: QueueMessageOf<'submission.check'>, context: JobContext): Promise<void> {
    const lease = await this.leases.claim(TABLE, message.id, context);
    if (!lease) return;
    try {
      if (lease.claim.exhausted) await this.endExhausted(message.id, lease);
      else await this.checkClaimed(message.id, lease, context.shutdown);
    } catch (error) {
      // A platform fault: hand the job back so the retry can claim it at once instead of waiting out the lease.
      if (!lease.lost.aborted) await this.leases.release(TABLE, lease).catch(() => undefined);
      throw error;
    } finally {
      lease.stop();
    }
  }

  private async checkClaimed(id: string, lease: HeldLease, shutdown: AbortSignal): Promise<void> {
    const version = await this.submissions.find(id);
    if (!version) return;
    const findings = await this.checks.check(version, AbortSignal.any([lease.lost, shutdown]));
    // Another worker has the job now: leave the verdict to it.
    if (lease.lost.aborted) return;
    if (!findings || shutdown.aborted) {
      await this.leases.release(TABLE, lease);
      return;
    }
    const recorded = await this.finish(version, lease.claim, findings);
    if (recorded === false) return;
    lease.stop();
    await this.events.publish(recorded);
  }

  /**
   * The claim found the check's attempts used up: each one killed or stalled its worker (a smoke run whose
   * output the worker could not survive, say). The version fails its checks with that reason in the report
   * and is flagged for the admins; a smoke-run container an attempt left behind is killed.
   */
  private async endExhausted(id: string, lease: HeldLease): Promise<void> {
    const { claim } = lease;
    const version = await this.submissions.find(id);
    if (!version) return;
    // Best effort: the orphan reaper removes a dead worker's containers anyway, and the check must end.
    await this.engine
      .killRunContainers({ instance: this.config.instanceId, runId: smokeRunId(version.id) })
      .catch((error: unknown) =>
        this.logger.warn(`submission ${id}: killing the smoke runs of its lost attempts failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    const findings = new CheckFindings();
    findings.violation(
      'attempts_exhausted',
      `the checks were tried ${claim.lostAttempts} times and each attempt killed or stalled the worker running them (for example, output the worker ran out of memory reading), so they were not tried again`,
    );
    this.logger.warn(`submission ${id}: ${claim.lostAttempts} check attempt(s) lost, the cap; failing it and flagging it for the admins`);
    const recorded = await this.finish(version, claim, findings, {
      job: 'check',
      jobId: version.id,
      lostAttempts: claim.lostAttempts,
      actor: `worker:${this.identity.id}`,
    });
    if (recorded === false) return;
    lease.stop();
    await this.events.publish(recorded);
  }

  /**
   * The verdict with its audit row, event and notification (and the quarantine flag of a check out of
   * attempts); false when the claim no longer holds (nothing written).
   */
  private async finish(version: AnalysisVersion, claim: JobClaim, findings: CheckFindings, quarantine?: QuarantineCause): Promise<RecordedEvent | false> {
    return this.states.checked({
      claim,
      version,
      passed: findings.passed,
      imageId: findings.imageId ?? null,
      imageKey: findings.imageKey ?? null,
      report: findings.toReport(new Date()),
      violations: findings.violations,
      actor: `worker:${this.identity.id}`,
      quarantine,
    });
  }
}
