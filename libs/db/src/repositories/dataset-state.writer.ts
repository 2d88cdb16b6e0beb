import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RecordedEvent } from '@lockbox/events';
import type { Dataset } from '../entities/dataset.entity';
import type { JobClaim } from '../job-lease';
import { AuditRepository } from './audit.repository';
import { type DatasetIngestOutcome, DatasetsRepository } from './datasets.repository';
import { PlatformEventsRepository } from './platform-events.repository';
import { RecordKeysRepository } from './record-keys.repository';

/** How an ingestion ended, as the worker holding its claim found it. */
export interface IngestVerdict {
  claim: JobClaim;
  dataset: Pick<Dataset, 'id' | 'userId' | 'name'>;
  outcome: DatasetIngestOutcome;
  /** `worker:<id>`. */
  actor: string;
  /** Why it failed, for the audit trail, when the words alone are not enough. */
  reason?: 'attempts_exhausted';
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * The one writer of a dataset's ingest outcome (`ingesting` → `ready` or `failed`): in one transaction
 * fenced by the claim, the outcome, the record keys a failure leaves none of, the audit row, and the
 * event with its owner's notification. Whether the ingestion ran to its end or its attempts ran out,
 * the owner reads the same words.
 */
@Injectable()
export class DatasetStateWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly datasets: DatasetsRepository,
    private readonly recordKeys: RecordKeysRepository,
    private readonly events: PlatformEventsRepository,
    private readonly audit: AuditRepository,
  ) {}

  /** False, with nothing written, when the claim no longer holds (taken over, or the dataset deleted). */
  async ingested({ claim, dataset, outcome, actor, reason }: IngestVerdict): Promise<RecordedEvent | false> {
    const { recordCount, recordKinds, errorCount } = outcome;
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.datasets.finishIngest(manager, claim, outcome))) return false;
      // A failed ingestion keeps no keys: an archive fault can be found after records were curated (a bomb in the last entry).
      if (outcome.status === 'failed') await this.recordKeys.clearDataset(dataset.id, manager);
      await this.audit.record(manager, {
        actor,
        subjectUserId: dataset.userId,
        action: 'dataset.ingested',
        targetType: 'dataset',
        targetId: dataset.id,
        detail: { status: outcome.status, recordCount, errorCount, ...(reason ? { reason } : {}) },
      });
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
}
