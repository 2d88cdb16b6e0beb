import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Docker from 'dockerode';
import type { DataSource } from 'typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { killRunContainers } from '@lockbox/analysis-sdk/sandbox';
import { AnalysisVersion, claimFence, type JobClaim, type QuarantineCause, quarantineVersion } from '@lockbox/db';
import { type LiveEvent, PlatformEventsService } from '@lockbox/events';
import type { QueueMessageOf } from '@lockbox/queue';
import { DOCKER_CLIENT, DockerEngineRepository } from '@lockbox/sandbox';
import { ObjectStorageRepository } from '@lockbox/storage';
import type { JobContext, JobHandler } from '../consumers/job-handler';
import { type HeldLease, JobLeaseService } from '../consumers/job-lease.service';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { WorkerRuntimesService } from '../sandbox-environment/worker-runtimes.service';
import { SmokeRun, smokeRunId } from './smoke-run';
import { CheckFindings, SubmissionChecks } from './submission-checks';

const TABLE = 'analysis_versions';
/** The notification quotes this many violations; the report has them all. */
const VIOLATIONS_IN_NOTIFICATION = 3;

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
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DOCKER_CLIENT) private readonly docker: Docker,
    engine: DockerEngineRepository,
    storage: ObjectStorageRepository,
    private readonly leases: JobLeaseService,
    private readonly events: PlatformEventsService,
    private readonly identity: WorkerIdentity,
    runtimes: WorkerRuntimesService,
  ) {
    const smoke = new SmokeRun(docker, {
      home: config.home,
      instanceId: config.instanceId,
      workerId: identity.id,
      limits: config.limits,
      requiredRuntime: config.sandbox.requiredRuntime,
      availableRuntimes: () => runtimes.available(),
    });
    this.checks = new SubmissionChecks(config.limits, docker, engine, storage, smoke);
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
    const version = await this.dataSource.getRepository(AnalysisVersion).findOneBy({ id });
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
    const version = await this.dataSource.getRepository(AnalysisVersion).findOneBy({ id });
    if (!version) return;
    // Best effort: the orphan reaper removes a dead worker's containers anyway, and the check must end.
    await killRunContainers(this.docker, { instance: this.config.instanceId, runId: smokeRunId(version.id) }).catch((error: unknown) =>
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
  private async finish(
    version: AnalysisVersion,
    claim: JobClaim,
    findings: CheckFindings,
    quarantine?: QuarantineCause,
  ): Promise<{ userId: string; event: LiveEvent } | undefined | false> {
    const passed = findings.passed;
    const status = passed ? 'awaiting_review' : 'check_failed';
    const report = findings.toReport(new Date());
    return this.dataSource.transaction(async (manager) => {
      const fence = claimFence(claim, 6);
      const [, affected] = (await manager.query(
        `UPDATE analysis_versions
            SET status = $2, image_id = $3, image_key = $4, check_report = $5::jsonb,
                lease_owner = NULL, lease_expires_at = NULL, row_version = row_version + 1, updated_at = now()
          WHERE id = $1 AND status = 'checking' AND ${fence.sql}`,
        [version.id, status, passed ? findings.imageId : null, passed ? findings.imageKey : null, JSON.stringify(report), ...fence.parameters],
      )) as [unknown, number];
      if (affected !== 1) return false;
      if (quarantine) await quarantineVersion(manager, version.id, quarantine);

      const { manifest } = version;
      await manager.query(
        `INSERT INTO audit_events (actor, subject_user_id, action, target_type, target_id, detail) VALUES ($1, $2, 'submission.checked', 'analysis_version', $3, $4)`,
        [`worker:${this.identity.id}`, version.submittedBy, version.id, { status, imageId: findings.imageId ?? null, violations: findings.violations.length }],
      );
      const headline = `${manifest.title} ${manifest.version}`;
      const failures = findings.violations.slice(0, VIOLATIONS_IN_NOTIFICATION).map((violation) => `${violation.rule}: ${violation.message}`);
      const more = findings.violations.length - failures.length;
      return this.events.record(manager, {
        userId: version.submittedBy,
        type: `submission.${status}`,
        subjectId: version.id,
        payload: {
          submissionId: version.id,
          analysis: manifest.name,
          version: manifest.version,
          status,
          imageId: findings.imageId ?? null,
          failedRules: [...new Set(findings.violations.map((violation) => violation.rule))],
        },
        dedupeKey: `submission:${version.id}:checked`,
        notification: passed
          ? { title: `${headline} passed the automated checks`, body: 'It is now waiting for review by an admin.' }
          : { title: `${headline} failed the automated checks`, body: `${failures.join('\n')}${more > 0 ? `\n…and ${more} more in the check report` : ''}` },
      });
    });
  }
}
