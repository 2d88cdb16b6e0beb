import { Injectable, Logger } from '@nestjs/common';
import { type AnalysisVersion, type JobClaim, type QuarantineCause, SubmissionStateWriter, SubmissionsRepository } from '@lockbox/db';
import { PlatformEventsService, type RecordedEvent } from '@lockbox/events';
import type { QueueMessageOf } from '@lockbox/queue';
import { RunContainers } from '@lockbox/sandbox';
import { DONE, HANDED_BACK, type JobContext, type JobHandler, type JobOutcome } from '../consumers/job-handler';
import { type HeldLease, JobLeaseService } from '../consumers/job-lease.service';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { smokeRunId } from './smoke-run';
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

  constructor(
    private readonly submissions: SubmissionsRepository,
    private readonly states: SubmissionStateWriter,
    private readonly leases: JobLeaseService,
    private readonly events: PlatformEventsService,
    private readonly identity: WorkerIdentity,
    private readonly checks: SubmissionChecks,
    private readonly containers: RunContainers,
  ) {}

  /** A platform fault is thrown to the lease service, which hands the job back for a retry. */
  async handle(message: QueueMessageOf<'submission.check'>, context: JobContext): Promise<JobOutcome> {
    return this.leases.runClaimed(TABLE, message.id, context, async (lease) => {
      if (!lease.claim.exhausted) return this.checkClaimed(message.id, lease, context.shutdown);
      await this.endExhausted(message.id, lease);
      return DONE;
    });
  }

  private async checkClaimed(id: string, lease: HeldLease, shutdown: AbortSignal): Promise<JobOutcome> {
    const version = await this.submissions.find(id);
    if (!version) return DONE;
    const findings = await this.checks.check(version, AbortSignal.any([lease.lost, shutdown]));
    // Another worker has the job now: leave the verdict to it.
    if (lease.lost.aborted) return DONE;
    if (!findings || shutdown.aborted) return HANDED_BACK;
    const recorded = await this.finish(version, lease.claim, findings);
    if (recorded === false) return DONE;
    lease.stop();
    await this.events.publish(recorded);
    return DONE;
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
    await this.containers
      .killLeftovers(smokeRunId(version.id))
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
