import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { RecordedEvent } from '@lockbox/events';
import type { AnalysisVersion, CheckReport, CheckRuleResult } from '../entities/analysis-version.entity';
import { claimFence, type JobClaim } from '../job-lease';
import { type QuarantineCause, quarantineVersion } from '../quarantine';
import { AuditRepository } from './audit.repository';
import { PlatformEventsRepository } from './platform-events.repository';

/** The notification quotes this many violations; the report has them all. */
const VIOLATIONS_IN_NOTIFICATION = 3;

/** The automated checks' verdict on a version, as the worker holding the check found it. */
export interface CheckVerdict {
  claim: JobClaim;
  version: Pick<AnalysisVersion, 'id' | 'submittedBy' | 'manifest'>;
  passed: boolean;
  imageId: string | null;
  imageKey: string | null;
  report: CheckReport;
  violations: CheckRuleResult[];
  /** `worker:<id>`. */
  actor: string;
  /** Set when the checks ran out of attempts: the version is flagged for the admins in the same transaction. */
  quarantine?: QuarantineCause;
}

export interface ReviewVerdict {
  adminId: string;
  /** As locked by the caller, in the same transaction. */
  version: AnalysisVersion;
  decision: 'approve' | 'reject';
  reason: string | null;
}

export interface SuspensionVerdict {
  adminId: string;
  version: { id: string; rowVersion: number; submittedBy: string; ownerId: string; title: string; slug: string; version: string };
  reason: string;
  /** What the suspension did to the version's runs, for the audit row. */
  cancelledRuns: number;
  stopRequestedRuns: number;
}

/**
 * The one writer of a submission's verdicts: checks passed or failed, approved or rejected, suspended.
 * Each, in one transaction, moves the version's status (conditional on the status and the claim or
 * row_version it was read with, so it writes nothing when that changed), writes the audit row, and
 * records the event with the developer's notification, in the words every caller shares.
 */
@Injectable()
export class SubmissionStateWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: PlatformEventsRepository,
    private readonly audit: AuditRepository,
  ) {}

  /** `checking` → `awaiting_review` or `check_failed`, fenced by the claim; false (nothing written) when it no longer holds. */
  async checked(verdict: CheckVerdict): Promise<RecordedEvent | false> {
    const { version, passed, claim } = verdict;
    const status = passed ? 'awaiting_review' : 'check_failed';
    return this.dataSource.transaction(async (manager) => {
      const fence = claimFence(claim, 6);
      const [, affected] = (await manager.query(
        `UPDATE analysis_versions
            SET status = $2, image_id = $3, image_key = $4, check_report = $5::jsonb,
                lease_owner = NULL, lease_expires_at = NULL, row_version = row_version + 1, updated_at = now()
          WHERE id = $1 AND status = 'checking' AND ${fence.sql}`,
        [version.id, status, passed ? verdict.imageId : null, passed ? verdict.imageKey : null, JSON.stringify(verdict.report), ...fence.parameters],
      )) as [unknown, number];
      if (affected !== 1) return false;
      if (verdict.quarantine) await quarantineVersion(manager, version.id, verdict.quarantine);

      const { manifest } = version;
      await this.audit.record(manager, {
        actor: verdict.actor,
        subjectUserId: version.submittedBy,
        action: 'submission.checked',
        targetType: 'analysis_version',
        targetId: version.id,
        detail: { status, imageId: verdict.imageId, violations: verdict.violations.length },
      });
      const headline = `${manifest.title} ${manifest.version}`;
      const failures = verdict.violations.slice(0, VIOLATIONS_IN_NOTIFICATION).map((violation) => `${violation.rule}: ${violation.message}`);
      const more = verdict.violations.length - failures.length;
      return this.events.record(manager, {
        userId: version.submittedBy,
        type: passed ? 'submission.awaiting_review' : 'submission.check_failed',
        subjectId: version.id,
        payload: {
          submissionId: version.id,
          analysis: manifest.name,
          version: manifest.version,
          status,
          imageId: verdict.imageId,
          failedRules: [...new Set(verdict.violations.map((violation) => violation.rule))],
        },
        dedupeKey: `submission:${version.id}:checked`,
        notification: passed
          ? { title: `${headline} passed the automated checks`, body: 'It is now waiting for review by an admin.' }
          : { title: `${headline} failed the automated checks`, body: `${failures.join('\n')}${more > 0 ? `\n…and ${more} more in the check report` : ''}` },
      });
    });
  }

  /**
   * `awaiting_review` → `published` (bound to the image ID the checks found) or `rejected`, in the
   * caller's transaction, conditional on the row_version and image read; false when either changed.
   */
  async reviewed(manager: EntityManager, { adminId, version, decision, reason }: ReviewVerdict): Promise<RecordedEvent | false> {
    const status = decision === 'approve' ? 'published' : 'rejected';
    const [rows] = (await manager.query(
      `UPDATE analysis_versions
          SET status = $3::text, review_reason = $4, reviewed_by = $5, reviewed_at = now(),
              published_at = CASE WHEN $3::text = 'published' THEN now() END,
              approved_image_id = CASE WHEN $3::text = 'published' THEN image_id END,
              row_version = row_version + 1, updated_at = now()
        WHERE id = $1 AND row_version = $2 AND status = 'awaiting_review' AND image_id IS NOT DISTINCT FROM $6::text
        RETURNING id`,
      [version.id, version.rowVersion, status, reason, adminId, version.imageId],
    )) as [Array<{ id: string }>, number];
    if (rows.length === 0) return false;

    const { manifest } = version;
    await this.audit.record(manager, {
      actorId: adminId,
      actor: `user:${adminId}`,
      subjectUserId: version.submittedBy,
      action: decision === 'approve' ? 'submission.approved' : 'submission.rejected',
      targetType: 'analysis_version',
      targetId: version.id,
      detail: { analysis: manifest.name, version: manifest.version, imageId: version.imageId, reason },
    });
    const headline = `${manifest.title} ${manifest.version}`;
    return this.events.record(manager, {
      userId: version.submittedBy,
      type: status === 'published' ? 'submission.published' : 'submission.rejected',
      subjectId: version.id,
      payload: { submissionId: version.id, analysis: manifest.name, version: manifest.version, status, reason, imageId: version.imageId },
      dedupeKey: `submission:${version.id}:reviewed`,
      notification:
        status === 'published'
          ? { title: `${headline} is published`, body: `It was approved and is now in the catalogue.${reason ? ` Reviewer's note: ${reason}` : ''}` }
          : { title: `${headline} was rejected`, body: `Reason: ${reason ?? 'none given'}` },
    });
  }

  /**
   * `published` → `suspended`, in the caller's transaction (which also ends the version's queued runs),
   * conditional on the row_version read; undefined when it changed.
   */
  async suspended(manager: EntityManager, verdict: SuspensionVerdict): Promise<{ suspendedAt: Date; recorded: RecordedEvent } | undefined> {
    const { version, reason, adminId } = verdict;
    const [rows] = (await manager.query(
      `UPDATE analysis_versions
          SET status = 'suspended', suspended_at = now(), suspended_by = $3, suspension_reason = $4,
              row_version = row_version + 1, updated_at = now()
        WHERE id = $1 AND status = 'published' AND row_version = $2
        RETURNING suspended_at`,
      [version.id, version.rowVersion, adminId, reason],
    )) as [Array<{ suspended_at: Date }>, number];
    const suspendedAt = rows[0]?.suspended_at;
    if (!suspendedAt) return undefined;
    await this.audit.record(manager, {
      actorId: adminId,
      actor: `user:${adminId}`,
      subjectUserId: version.submittedBy,
      action: 'analysis.version_suspended',
      targetType: 'analysis_version',
      targetId: version.id,
      detail: { analysis: version.slug, version: version.version, reason, cancelledRuns: verdict.cancelledRuns, stopRequestedRuns: verdict.stopRequestedRuns },
    });
    const recorded = await this.events.record(manager, {
      userId: version.ownerId,
      type: 'analysis.suspended',
      subjectId: version.id,
      payload: { analysis: version.slug, version: version.version, versionId: version.id, reason },
      dedupeKey: `analysis-version:${version.id}:suspended`,
      notification: { title: `${version.title} ${version.version} was suspended`, body: `It is off the catalogue and no new runs start. Reason: ${reason}` },
    });
    return { suspendedAt, recorded };
  }
}
