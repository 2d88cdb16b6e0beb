import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: PlatformEventsService,
    private readonly catalogue: CatalogueService,
  ) {}

  async suspend(adminId: string, slug: string, version: string, reason: string): Promise<SuspensionOutcome> {
    const { outcome, recorded } = await this.dataSource.transaction(async (manager) => {
      const [found] = (await manager.query(
        `SELECT v.id, v.status, v.submitted_by, v.row_version, a.title, a.owner_id
           FROM analysis_versions v JOIN analyses a ON a.id = v.analysis_id
          WHERE a.slug = $1 AND v.version = $2
          FOR UPDATE OF v`,
        [slug, version],
      )) as Array<{ id: string; status: string; submitted_by: string; row_version: number; title: string; owner_id: string }>;
      if (!found) throw new DomainError('not_found', `Analysis ${slug} has no version ${version}`);
      if (found.status !== 'published')
        throw new DomainError('conflict', `Version ${version} of ${slug} is ${found.status}; only a published version can be suspended`);

      const [suspended] = (await manager.query(
        `UPDATE analysis_versions
            SET status = 'suspended', suspended_at = now(), suspended_by = $3, suspension_reason = $4,
                row_version = row_version + 1, updated_at = now()
          WHERE id = $1 AND status = 'published' AND row_version = $2
          RETURNING suspended_at`,
        [found.id, found.row_version, adminId, reason],
      )) as [Array<{ suspended_at: Date }>, number];
      if (suspended.length === 0) throw new DomainError('conflict', `Version ${version} of ${slug} changed while it was being suspended; reload it`);

      const recorded: Recorded[] = [];
      const cancelled = await this.cancelQueuedRuns(manager, found.id, found.title, slug, version);
      recorded.push(...cancelled);
      // A running run is the worker's to finish: it sees the request, stops the container and records the outcome.
      const [stopping] = (await manager.query(
        `UPDATE runs SET cancel_requested_at = now(), updated_at = now()
          WHERE analysis_version_id = $1 AND status = 'running' AND cancel_requested_at IS NULL
          RETURNING id`,
        [found.id],
      )) as [Array<{ id: string }>, number];

      await manager.query(
        `INSERT INTO audit_events (actor_id, actor, subject_user_id, action, target_type, target_id, detail)
         VALUES ($1, $2, $3, 'analysis.version_suspended', 'analysis_version', $4, $5)`,
        [
          adminId,
          `user:${adminId}`,
          found.submitted_by,
          found.id,
          { analysis: slug, version, reason, cancelledRuns: cancelled.length, stopRequestedRuns: stopping.length },
        ],
      );
      const developerEvent = await this.events.record(manager, {
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
          suspendedAt: suspended[0]!.suspended_at,
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

  /** Conditional on `queued`, so a run a worker has just claimed is left to the worker (it was asked to stop, or sees the suspension). */
  private async cancelQueuedRuns(manager: EntityManager, versionId: string, title: string, slug: string, version: string): Promise<Recorded[]> {
    const [runs] = (await manager.query(
      `UPDATE runs
          SET status = 'cancelled', reason = 'analysis_suspended', message = 'The analysis was suspended, so it did not run.',
              finished_at = now(), lease_owner = NULL, lease_expires_at = NULL, row_version = row_version + 1, updated_at = now()
        WHERE analysis_version_id = $1 AND status = 'queued'
        RETURNING id, user_id`,
      [versionId],
    )) as [Array<{ id: string; user_id: string }>, number];
    const recorded: Recorded[] = [];
    for (const run of runs) {
      const event = await this.events.record(manager, {
        userId: run.user_id,
        type: 'run.cancelled',
        subjectId: run.id,
        payload: { runId: run.id, status: 'cancelled', reason: 'analysis_suspended', analysis: slug, version },
        dedupeKey: `run:${run.id}:finished`,
        notification: { title: `${title} was cancelled`, body: 'The analysis was suspended by the platform, so your run did not start.' },
      });
      if (event) recorded.push(event);
    }
    return recorded;
  }
}
