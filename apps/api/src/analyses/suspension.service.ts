import { Injectable } from '@nestjs/common';
import { AuditRepository, RunsRepository, RunTerminalWriter, SubmissionsRepository, type Transaction, TransactionRunner } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
import { type LiveEvent, PlatformEventsService } from '@lockbox/events';
import { CatalogueService } from './catalogue.service';

export interface SuspensionOutcome {
  slug: string;
  version: string;
  status: 'suspended';
  reason: string;
  suspendedAt: Date;
  /** Queued runs cancelled with reason `analysis_suspended`. */
  cancelledRuns: number;
  /** Running runs whose workers were asked to stop. */
  stopRequestedRuns: number;
}

type Recorded = { userId: string; event: LiveEvent };

/** A queued run of a suspended version: the same words the worker uses when it finds the suspension first. */
const SUSPENDED_BEFORE_START = { status: 'cancelled', reason: 'analysis_suspended', message: 'The analysis was suspended, so it did not run.' } as const;

/**
 * An admin takes a published version off the catalogue. In one transaction: the version becomes
 * `suspended` (conditional on being published), its queued runs are cancelled with reason
 * `analysis_suspended` (each with its event and notification, deduplicated per run like every outcome),
 * its running runs are asked to stop, the developer is notified and the action audited. A run queued
 * after this commit finds the version suspended when a worker claims it, and is cancelled the same way.
 */
@Injectable()
export class SuspensionService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly submissions: SubmissionsRepository,
    private readonly runs: RunsRepository,
    private readonly terminal: RunTerminalWriter,
    private readonly audit: AuditRepository,
    private readonly events: PlatformEventsService,
    private readonly catalogue: CatalogueService,
  ) {}

  async suspend(adminId: string, slug: string, version: string, reason: string): Promise<SuspensionOutcome> {
    const { outcome, recorded } = await this.transactions.run(async (transaction) => {
      const found = await this.submissions.lockVersionBySlug(transaction, slug, version);
      if (!found) throw new DomainError('not_found', `Analysis ${slug} has no version ${version}`);
      if (found.status !== 'published')
        throw new DomainError('conflict', `Version ${version} of ${slug} is ${found.status}; only a published version can be suspended`);

      const suspendedAt = await this.submissions.suspend(transaction, found.id, found.row_version, adminId, reason);
      if (!suspendedAt) throw new DomainError('conflict', `Version ${version} of ${slug} changed while it was being suspended; reload it`);

      const recorded: Recorded[] = [];
      const cancelled = await this.cancelQueuedRuns(transaction, found.id);
      recorded.push(...cancelled);
      // A running run is the worker's to finish: it sees the request, stops the container and records the outcome.
      const stopping = await this.runs.requestStopOfVersionRuns(transaction, found.id);

      await this.audit.record(transaction, {
        actorId: adminId,
        actor: `user:${adminId}`,
        subjectUserId: found.submitted_by,
        action: 'analysis.version_suspended',
        targetType: 'analysis_version',
        targetId: found.id,
        detail: { analysis: slug, version, reason, cancelledRuns: cancelled.length, stopRequestedRuns: stopping.length },
      });
      const developerEvent = await this.events.record(transaction, {
        userId: found.owner_id,
        type: 'analysis.suspended',
        subjectId: found.id,
        payload: { analysis: slug, version, versionId: found.id, reason },
        dedupeKey: `analysis-version:${found.id}:suspended`,
        notification: { title: `${found.title} ${version} was suspended`, body: `It is off the catalogue and no new runs start. Reason: ${reason}` },
      });
      if (developerEvent) recorded.push(developerEvent);
      return {
        outcome: {
          slug,
          version,
          status: 'suspended' as const,
          reason,
          suspendedAt,
          cancelledRuns: cancelled.length,
          stopRequestedRuns: stopping.length,
        },
        recorded,
      };
    });
    this.catalogue.forgetPages();
    for (const event of recorded) await this.events.publish(event);
    return outcome;
  }

  /**
   * Through the one writer of a run's end, each conditional on `queued`, so a run a worker has just
   * claimed is left to the worker (it was asked to stop, or sees the suspension).
   */
  private async cancelQueuedRuns(transaction: Transaction, versionId: string): Promise<Recorded[]> {
    const recorded: Recorded[] = [];
    for (const runId of await this.runs.lockQueuedOfVersion(transaction, versionId)) {
      const ended = await this.terminal.endIn(transaction, { runId, verdict: SUSPENDED_BEFORE_START, endedBy: { by: 'suspension' } });
      if (ended?.recorded) recorded.push(ended.recorded);
    }
    return recorded;
  }
}
