import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import {
  type Dataset,
  type DatasetIngestOutcome,
  type DatasetLineError,
  DatasetsRepository,
  DatasetStateWriter,
  type IngestVerdict,
  RecordKeysClaimLostError,
  RecordKeysRepository,
} from '@lockbox/db';
import { PlatformEventsService } from '@lockbox/events';
import { FileArchiveSource, type IngestReport, ingestExport, type RequestedFormat } from '@lockbox/exports';
import type { QueueMessageOf } from '@lockbox/queue';
import { curatedPrefix, ObjectNotFoundError, ObjectStorageRepository } from '@lockbox/storage';
import { DONE, HANDED_BACK, type JobContext, type JobHandler, type JobOutcome } from '../consumers/job-handler';
import { type HeldLease, JobLeaseService } from '../consumers/job-lease.service';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { CuratedWriter } from './curated-writer';
import { ExportCuration } from './export-curation';

const TABLE = 'datasets';
/** Line errors kept on the dataset (the report holds every file's first skips); the rest are only counted. */
const MAX_KEPT_LINE_ERRORS = 100;

function failedOutcome(failureMessage: string, report: IngestReport | null = null): DatasetIngestOutcome {
  return { status: 'failed', recordCount: 0, recordKinds: {}, errorCount: report?.skipped ?? 0, lineErrors: lineErrorsOf(report), failureMessage, report };
}

/** The report's failure in the owner's words; a file of lines that are all bad gives its first bad line as an example. */
function failureMessageOf(report: IngestReport): string {
  const message = report.failure?.message ?? 'the upload could not be read';
  const [first] = lineErrorsOf(report);
  return report.failure?.reason === 'no_records' && first ? `${message}, e.g. line ${first.line}: ${first.reason}` : message;
}

/** The skips of a bare file (Lockbox's JSONL, a CSV) by line, as the dataset's line errors have always been. */
function lineErrorsOf(report: IngestReport | null): DatasetLineError[] {
  if (!report || report.archive) return [];
  const errors: DatasetLineError[] = [];
  for (const file of report.files) {
    for (const skip of file.skips) if (skip.line !== undefined && errors.length < MAX_KEPT_LINE_ERRORS) errors.push({ line: skip.line, reason: skip.message });
  }
  return errors;
}

/**
 * `dataset.ingest`: turns a raw upload (a platform's export, a mapped CSV or JSONL, Lockbox's JSONL) into
 * curated records, its record keys and an ingest report (`@lockbox/exports`). Claimed with a lease; the
 * upload is spooled to the worker's scratch directory and read from there, one entry and one record at
 * a time, so memory stays bounded whatever its size. The outcome (ready or failed, counts, the report) is
 * written in one transaction fenced by the claim, together with the event and the notification. A
 * redelivery finds nothing to claim; a worker that lost its claim, or whose dataset was deleted
 * meanwhile, writes nothing. An attempt that starts over (the last one died) first clears what it left:
 * the curated folder and the keys. An upload whose ingest kept killing or stalling its worker ends
 * `failed` at the claim that finds the cap reached, with that reason in its failure message.
 */
@Injectable()
export class IngestHandler implements JobHandler<'dataset.ingest'> {
  readonly messageType = 'dataset.ingest' as const;
  private readonly logger = new Logger(IngestHandler.name);

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly datasets: DatasetsRepository,
    private readonly recordKeys: RecordKeysRepository,
    private readonly states: DatasetStateWriter,
    private readonly leases: JobLeaseService,
    private readonly storage: ObjectStorageRepository,
    private readonly events: PlatformEventsService,
    private readonly identity: WorkerIdentity,
  ) {}

  /** A platform fault is thrown to the lease service, which hands the job back for a retry. */
  async handle(message: QueueMessageOf<'dataset.ingest'>, context: JobContext): Promise<JobOutcome> {
    return this.leases.runClaimed(TABLE, message.id, context, async (lease) => {
      if (!lease.claim.exhausted) return this.ingestClaimed(message.id, lease, context.shutdown);
      await this.endExhausted(message.id, lease);
      return DONE;
    });
  }

  /** `handed_back` when the worker began to shut down before the outcome was written. */
  private async ingestClaimed(id: string, lease: HeldLease, shutdown: AbortSignal): Promise<JobOutcome> {
    const dataset = await this.datasets.findForIngest(id);
    if (!dataset) return DONE;

    // The curated folder is recorded before anything is written to it, so a deletion always finds it.
    // A retry keeps the folder of the first attempt and empties it, and clears the keys it added:
    // re-ingesting overwrites, never duplicates.
    const prefix = dataset.curatedPrefix ?? curatedPrefix({ userId: dataset.userId, source: dataset.source, date: new Date(), datasetId: id });
    if (dataset.curatedPrefix !== null) await this.storage.deletePrefix(prefix);
    else if (!(await this.datasets.recordCuratedPrefix(lease.claim, prefix))) return DONE;
    await this.recordKeys.clearDataset(id);

    const scratch = join(this.config.home, 'work', 'ingest', `${id}-${lease.claim.attempts}`);
    let outcome: DatasetIngestOutcome;
    try {
      outcome = await this.readUpload(dataset, lease, prefix, scratch, AbortSignal.any([lease.lost, shutdown]));
    } catch (error) {
      // Another worker has the job now and rewrites the same objects: leave them to it.
      if (lease.lost.aborted) return DONE;
      // The claim went while keys were being added: taken over (leave it), or the dataset deleted (erase what this attempt wrote).
      if (error instanceof RecordKeysClaimLostError) {
        await this.discardIfDeleted(id, prefix);
        return DONE;
      }
      if (shutdown.aborted) return HANDED_BACK;
      if (!(error instanceof ObjectNotFoundError && error.key === dataset.rawKey)) throw error;
      // Usually a deletion under way (the row goes next, and then nothing below is written).
      outcome = failedOutcome('the uploaded file is no longer stored; upload it again');
    } finally {
      await rm(scratch, { recursive: true, force: true }).catch((error: unknown) =>
        this.logger.warn(`dataset ${id}: could not remove ${scratch}: ${describe(error)}`),
      );
    }
    const recorded = await this.states.ingested(this.verdict(dataset, lease, outcome));
    if (recorded === false) {
      await this.discardIfDeleted(id, prefix);
      return DONE;
    }
    lease.stop();
    // Only once the outcome holds: before, a claim taken over meanwhile would lose its new holder's objects.
    if (outcome.status === 'failed') await this.storage.deletePrefix(prefix);
    await this.events.publish(recorded);
    return DONE;
  }

  /**
   * Spools the raw upload to scratch (one sequential read; a ZIP is then read from its end, entry by
   * entry) and runs the ingestion, curating each record as it comes. Throws what is not the upload's
   * fault: storage, the stop signal, a claim lost while adding keys.
   */
  private async readUpload(dataset: Dataset, lease: HeldLease, prefix: string, scratch: string, stop: AbortSignal): Promise<DatasetIngestOutcome> {
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    const spooled = join(scratch, 'upload');
    await pipeline(await this.storage.getStream(dataset.rawKey), createWriteStream(spooled, { mode: 0o600 }), { signal: stop });

    const writer = new CuratedWriter(this.storage, prefix);
    const curation = new ExportCuration(writer, { addKeys: (keys) => this.recordKeys.addForClaim(lease.claim, keys) });
    const source = await FileArchiveSource.open(spooled);
    let report: IngestReport;
    try {
      ({ report } = await ingestExport(source, {
        format: dataset.format as RequestedFormat,
        ...(dataset.mapping ? { mapping: dataset.mapping } : {}),
        limits: { maxEntries: this.config.exports.maxEntries, maxTotalInflatedBytes: this.config.exports.maxTotalInflatedBytes },
        stop,
        onRecord: (record, key) => curation.add(record, key),
      }));
      stop.throwIfAborted();
      // A failed ingestion's objects are erased by the caller; a ready one's must be complete.
      if (report.status === 'ready') await curation.finish();
      else await writer.abort(new Error('the ingestion failed'));
    } catch (error) {
      await writer.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    } finally {
      await source.close();
    }

    if (report.status === 'failed') return failedOutcome(failureMessageOf(report), report);
    report.alreadyPresent = await this.recordKeys.countHeldElsewhere(dataset.userId, dataset.id);
    return {
      status: 'ready',
      recordCount: curation.recordCount,
      recordKinds: curation.recordKinds,
      errorCount: report.skipped,
      lineErrors: lineErrorsOf(report),
      failureMessage: null,
      report,
    };
  }

  /**
   * The claim found the ingest's attempts used up: each one killed or stalled its worker. The dataset
   * fails with that reason, and what the attempts wrote to the curated zone is erased.
   */
  private async endExhausted(id: string, lease: HeldLease): Promise<void> {
    const dataset = await this.datasets.findForIngest(id);
    if (!dataset) return;
    if (dataset.curatedPrefix !== null) await this.storage.deletePrefix(dataset.curatedPrefix);
    const failureMessage = `ingesting it was tried ${lease.claim.lostAttempts} times and each attempt killed or stalled the worker doing it, so it was not tried again; check that the file is a valid export`;
    this.logger.warn(`dataset ${id}: ${lease.claim.lostAttempts} ingest attempt(s) lost, the cap; failing it`);
    const recorded = await this.states.ingested({ ...this.verdict(dataset, lease, failedOutcome(failureMessage)), reason: 'attempts_exhausted' });
    if (recorded === false) return;
    lease.stop();
    await this.events.publish(recorded);
  }

  private verdict(dataset: Dataset, lease: HeldLease, outcome: DatasetIngestOutcome): IngestVerdict {
    return { claim: lease.claim, dataset, outcome, actor: `worker:${this.identity.id}` };
  }

  /** A dataset deleted while it was ingested: nobody will erase what this attempt wrote, so erase it here. */
  private async discardIfDeleted(id: string, prefix: string): Promise<void> {
    const stillThere = await this.datasets.exists(id);
    if (stillThere) {
      this.logger.warn(`dataset ${id}: lost the claim before finishing; the new holder finishes it`);
      return;
    }
    const erased = await this.storage.deletePrefix(prefix);
    this.logger.log(`dataset ${id} was deleted during ingestion; erased ${erased} curated object(s)`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
