import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditEvent, claimFence, Dataset, type JobClaim } from '@lockbox/db';
import { type LiveEvent, PlatformEventsService } from '@lockbox/events';
import type { QueueMessageOf } from '@lockbox/queue';
import { curatedPrefix, ObjectNotFoundError, ObjectStorageRepository } from '@lockbox/storage';
import type { JobContext, JobHandler } from '../consumers/job-handler';
import { type HeldLease, JobLeaseService } from '../consumers/job-lease.service';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import type { IngestOutcome, IngestTally } from './ingest-tally';
import { curateRecords } from './curate-records';

const TABLE = 'datasets';

interface IngestResult {
  tally?: IngestTally;
  outcome: IngestOutcome;
  /** Why it failed, for the audit trail, when the words alone are not enough (`attempts_exhausted`). */
  reason?: 'attempts_exhausted';
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * `dataset.ingest`: turns a raw upload into curated records. Claimed with a lease; the outcome (ready or
 * failed, counts, line errors) is written in one transaction fenced by the claim, together with the
 * event and the notification. A redelivery finds nothing to claim; a worker that lost its claim, or whose
 * dataset was deleted meanwhile, writes nothing. An upload whose ingest kept killing or stalling its worker
 * ends `failed` at the claim that finds the cap reached, with that reason in its failure message.
 */
@Injectable()
export class IngestHandler implements JobHandler<'dataset.ingest'> {
  readonly messageType = 'dataset.ingest' as const;
  private readonly logger = new Logger(IngestHandler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly leases: JobLeaseService,
    private readonly storage: ObjectStorageRepository,
    private readonly events: PlatformEventsService,
    private readonly identity: WorkerIdentity,
  ) {}

  async handle(message: QueueMessageOf<'dataset.ingest'>, context: JobContext): Promise<void> {
    const lease = await this.leases.claim(TABLE, message.id, context);
    if (!lease) return;
    try {
      if (lease.claim.exhausted) await this.endExhausted(message.id, lease);
      else await this.ingestClaimed(message.id, lease, context.shutdown);
    } catch (error) {
      // A platform fault: hand the job back so the retry can claim it at once instead of waiting out the lease.
      if (!lease.lost.aborted) await this.leases.release(TABLE, lease).catch(() => undefined);
      throw error;
    } finally {
      lease.stop();
    }
  }

  private async ingestClaimed(id: string, lease: HeldLease, shutdown: AbortSignal): Promise<void> {
    const dataset = await this.dataSource.getRepository(Dataset).findOneBy({ id });
    if (!dataset) return;

    // The curated folder is recorded before anything is written to it, so a deletion always finds it.
    // A retry keeps the folder of the first attempt and empties it: re-ingesting overwrites, never duplicates.
    const prefix = dataset.curatedPrefix ?? curatedPrefix({ userId: dataset.userId, source: dataset.source, date: new Date(), datasetId: id });
    if (dataset.curatedPrefix !== null) await this.storage.deletePrefix(prefix);
    else if (!(await this.recordCuratedPrefix(lease.claim, prefix))) return;

    let result: IngestResult;
    try {
      const tally = await curateRecords(this.storage, { rawKey: dataset.rawKey, curatedPrefix: prefix, stop: AbortSignal.any([lease.lost, shutdown]) });
      result = { tally, outcome: tally.outcome() };
    } catch (error) {
      // Another worker has the job now and rewrites the same objects: leave them to it.
      if (lease.lost.aborted) return;
      if (shutdown.aborted) {
        await this.leases.release(TABLE, lease);
        return;
      }
      if (!(error instanceof ObjectNotFoundError && error.key === dataset.rawKey)) throw error;
      // Usually a deletion under way (the row goes next, and then nothing below is written).
      result = { outcome: { status: 'failed', failureMessage: 'the uploaded file is no longer stored; upload it again' } };
    }

    const recorded = await this.finish(dataset, lease.claim, result);
    if (recorded === false) {
      await this.discardIfDeleted(id, prefix);
      return;
    }
    lease.stop();
    await this.events.publish(recorded);
  }

  /**
   * The claim found the ingest's attempts used up: each one killed or stalled its worker. The dataset
   * fails with that reason, and what the attempts wrote to the curated zone is erased.
   */
  private async endExhausted(id: string, lease: HeldLease): Promise<void> {
    const dataset = await this.dataSource.getRepository(Dataset).findOneBy({ id });
    if (!dataset) return;
    if (dataset.curatedPrefix !== null) await this.storage.deletePrefix(dataset.curatedPrefix);
    const failureMessage = `ingesting it was tried ${lease.claim.lostAttempts} times and each attempt killed or stalled the worker doing it, so it was not tried again; check that the file is a valid export`;
    this.logger.warn(`dataset ${id}: ${lease.claim.lostAttempts} ingest attempt(s) lost, the cap; failing it`);
    const recorded = await this.finish(dataset, lease.claim, { outcome: { status: 'failed', failureMessage }, reason: 'attempts_exhausted' });
    if (recorded === false) return;
    lease.stop();
    await this.events.publish(recorded);
  }

  /** False when the claim no longer holds (lease taken over, or the row deleted). */
  private async recordCuratedPrefix(claim: JobClaim, prefix: string): Promise<boolean> {
    const fence = claimFence(claim, 3);
    const [, affected] = (await this.dataSource.query(
      `UPDATE datasets SET curated_prefix = $2, updated_at = now() WHERE id = $1 AND status = 'ingesting' AND ${fence.sql}`,
      [claim.id, prefix, ...fence.parameters],
    )) as [unknown, number];
    return affected === 1;
  }

  /**
   * The outcome, the audit event, the event and its notification, in one transaction fenced by the claim.
   * False when the claim no longer holds: nothing is written then.
   */
  private async finish(dataset: Dataset, claim: JobClaim, result: IngestResult): Promise<{ userId: string; event: LiveEvent } | undefined | false> {
    const { tally, outcome } = result;
    const recordCount = tally?.recordCount ?? 0;
    const errorCount = tally?.errorCount ?? 0;
    const recordKinds = tally?.recordKinds ?? {};
    return this.dataSource.transaction(async (manager) => {
      const fence = claimFence(claim, 8);
      const [, affected] = (await manager.query(
        `UPDATE datasets
            SET status = $2, record_count = $3, record_kinds = $4::jsonb, error_count = $5, line_errors = $6::jsonb,
                failure_message = $7, ingested_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                row_version = row_version + 1, updated_at = now()
          WHERE id = $1 AND status = 'ingesting' AND ${fence.sql}`,
        [
          dataset.id,
          outcome.status,
          recordCount,
          JSON.stringify(recordKinds),
          errorCount,
          JSON.stringify(tally?.lineErrors ?? []),
          outcome.failureMessage,
          ...fence.parameters,
        ],
      )) as [unknown, number];
      if (affected !== 1) return false;
      await this.audit(manager, dataset, result, recordCount, errorCount);
      const ready = outcome.status === 'ready';
      return this.events.record(manager, {
        userId: dataset.userId,
        type: ready ? 'dataset.ready' : 'dataset.failed',
        subjectId: dataset.id,
        payload: {
          datasetId: dataset.id,
          name: dataset.name,
          status: outcome.status,
          recordCount,
          recordKinds,
          errorCount,
          failureMessage: outcome.failureMessage,
        },
        dedupeKey: `dataset:${dataset.id}:ingested`,
        notification: ready
          ? { title: 'Dataset ready', body: `Your dataset "${dataset.name}" is ready: ${plural(recordCount, 'record')}` }
          : { title: 'Dataset failed', body: `Your dataset "${dataset.name}" could not be ingested: ${outcome.failureMessage}` },
      });
    });
  }

  private async audit(manager: EntityManager, dataset: Dataset, { outcome, reason }: IngestResult, recordCount: number, errorCount: number): Promise<void> {
    await manager.insert(AuditEvent, {
      actorId: null,
      actor: `worker:${this.identity.id}`,
      subjectUserId: dataset.userId,
      action: 'dataset.ingested',
      targetType: 'dataset',
      targetId: dataset.id,
      detail: { status: outcome.status, recordCount, errorCount, ...(reason ? { reason } : {}) },
    });
  }

  /** A dataset deleted while it was ingested: nobody will erase what this attempt wrote, so erase it here. */
  private async discardIfDeleted(id: string, prefix: string): Promise<void> {
    const stillThere = await this.dataSource.getRepository(Dataset).existsBy({ id });
    if (stillThere) {
      this.logger.warn(`dataset ${id}: lost the claim before finishing; the new holder finishes it`);
      return;
    }
    const erased = await this.storage.deletePrefix(prefix);
    this.logger.log(`dataset ${id} was deleted during ingestion; erased ${erased} curated object(s)`);
  }
}
