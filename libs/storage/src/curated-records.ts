import { Injectable } from '@nestjs/common';
import type { RecordByKind, RecordKind } from '@lockbox/analysis-sdk';
import { curatedRecordsKey } from './dataset-keys';
import { readJsonlLines } from './jsonl-lines';
import { ObjectStorageRepository } from './object-storage.repository';

/** What the reader needs of a dataset row (the `Dataset` entity fits). */
export interface CuratedDataset {
  id: string;
  status: string;
  curatedPrefix: string | null;
  recordKinds: Record<string, number>;
}

/** A curated object does not hold what ingestion wrote: the curated zone was changed behind our back. */
export class CuratedRecordsCorruptError extends Error {
  constructor(datasetId: string, kind: string, detail: string) {
    super(`Curated ${kind} records of dataset ${datasetId} are corrupt: ${detail}`);
    this.name = 'CuratedRecordsCorruptError';
  }
}

/**
 * Reads a ready dataset's curated records of one kind, streaming: one record in memory at a time.
 * The records were validated against the canonical schema by ingestion; here they are only parsed and
 * their kind checked, so callers must still project them to consented fields before handing them on.
 */
@Injectable()
export class CuratedRecordsReader {
  constructor(private readonly storage: ObjectStorageRepository) {}

  /** How many records of the kind the dataset holds (0 when none, so callers can skip it). */
  count(dataset: CuratedDataset, kind: RecordKind): number {
    return dataset.recordKinds[kind] ?? 0;
  }

  async *records<K extends RecordKind>(dataset: CuratedDataset, kind: K): AsyncGenerator<RecordByKind[K]> {
    if (dataset.status !== 'ready' || dataset.curatedPrefix === null) {
      throw new Error(`Dataset ${dataset.id} is not ready (status ${dataset.status}); it has no curated records`);
    }
    const expected = this.count(dataset, kind);
    if (expected === 0) return;
    const body = await this.storage.getStream(curatedRecordsKey(dataset.curatedPrefix, kind));
    let read = 0;
    try {
      for await (const line of readJsonlLines(body)) {
        if (line.error !== undefined) throw new CuratedRecordsCorruptError(dataset.id, kind, `line ${line.number}: ${line.error}`);
        if (line.text === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(line.text);
        } catch {
          throw new CuratedRecordsCorruptError(dataset.id, kind, `line ${line.number} is not JSON`);
        }
        if ((record as { kind?: unknown } | null)?.kind !== kind)
          throw new CuratedRecordsCorruptError(dataset.id, kind, `line ${line.number} is not a ${kind} record`);
        read++;
        yield record as RecordByKind[K];
      }
    } finally {
      body.destroy();
    }
    if (read !== expected) throw new CuratedRecordsCorruptError(dataset.id, kind, `${read} records found, ${expected} expected`);
  }
}
