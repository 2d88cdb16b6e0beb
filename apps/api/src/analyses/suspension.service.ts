import { Injectable } from '@nestjs/common';
import { RunsRepository, RunTerminalWriter, SubmissionStateWriter, SubmissionsRepository, type Transaction, TransactionRunner } from '@lockbox/db';
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
 * An admin takes a published version off the catalogue. In one transaction: its queued runs are
 * cancelled with reason `analysis_suspended` (RunTerminalWriter: each with its event and notification,
 * deduplicated per run like every outcome), its running runs are asked to stop, and the version becomes
 * `suspended` (SubmissionStateWriter: conditional on being published), audited, with the developer notified. A run queued
 * after this commit finds the version suspended when a worker claims it, and is cancelled the same way.
 */
@Injectable()
export class SuspensionService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly submissions: SubmissionsRepository,
    private readonly runs: RunsRepository,
    private readonly terminal: RunTerminalWriter,
    private readonly states: SubmissionStateWriter,
    private readonly events: PlatformEventsService,
    private readonly catalogue: CatalogueService,
  ) {}

  async suspend(adminId: string, slug: string, version: string, reason: string): Promise<SuspensionOutcome> {
    const { outcome, recorded } = await this.transactions.run(async (transaction) => {
      const found = await this.submissions.lockVersionBySlug(transaction, slug, version);
      if (!found) throw new DomainError('not_found', `Analysis ${slug} has no version ${version}`);
      if (found.status !== 'published')
        throw new DomainError('conflict', `Version ${version} of ${slug} is ${found.status}; only a published version can be suspended`);

      const recorded: Recorded[] = [];
      const cancelled = await this.cancelQueuedRuns(transaction, found.id);
      recorded.push(...cancelled);
      // A running run is the worker's to finish: it sees the request, stops the container and records the outcome.
      const stopping = await this.runs.requestStopOfVersionRuns(transaction, found.id);

      // The version is locked since it was read, so this finds it as read; it rolls everything back otherwise.
      const suspended = await this.states.suspended(transaction, {
        adminId,
        version: { id: found.id, rowVersion: found.row_version, submittedBy: found.submitted_by, ownerId: found.owner_id, title: found.title, slug, version },
        reason,
        cancelledRuns: cancelled.length,
        stopRequestedRuns: stopping.length,
      });
      if (!suspended) throw new DomainError('conflict', `Version ${version} of ${slug} changed while it was being suspended; reload it`);
      const { suspendedAt } = suspended;
      if (suspended.recorded) recorded.push(suspended.recorded);
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
