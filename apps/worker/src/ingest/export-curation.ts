import type { CanonicalRecord } from '@lockbox/analysis-sdk';
import { CuratedWriter } from './curated-writer';

/** A batch is written when it holds this many records or this many bytes of JSON, whichever comes first. */
export const CURATION_BATCH_RECORDS = 500;
export const CURATION_BATCH_BYTES = 4 * 1024 * 1024;

/** Where a dataset's record keys are kept: adds keys and answers those the dataset did not hold yet. */
export interface DatasetKeyStore {
  addKeys(keys: readonly string[]): Promise<Set<string>>;
}

interface PendingRecord {
  kind: CanonicalRecord['kind'];
  key: string;
  json: string;
}

/**
 * Receives the records of one ingestion (`ingestExport`'s onRecord) and curates each key once: records
 * are gathered in small batches, their keys added to the dataset's in one statement, and only the records
 * whose key was new are written, in the order they were read. A record read twice in one upload (a watch
 * in both YouTube's history and My Activity) is curated once. Memory: one batch, whatever the upload.
 */
export class ExportCuration {
  readonly recordKinds: Record<string, number> = {};
  recordCount = 0;
  /** Records not curated because the upload had already given the same key. */
  repeatedInUpload = 0;
  private pending: PendingRecord[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly writer: CuratedWriter,
    private readonly keys: DatasetKeyStore,
    private readonly limits = { records: CURATION_BATCH_RECORDS, bytes: CURATION_BATCH_BYTES },
  ) {}

  /** Takes one record; waits while a full batch is written (backpressure on the reader). */
  async add(record: CanonicalRecord, key: string): Promise<void> {
    const json = JSON.stringify(record);
    this.pending.push({ kind: record.kind, key, json });
    this.pendingBytes += json.length;
    if (this.pending.length >= this.limits.records || this.pendingBytes >= this.limits.bytes) await this.flush();
  }

  /** Writes the last batch and completes every curated object. */
  async finish(): Promise<void> {
    await this.flush();
    await this.writer.finish();
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (batch.length === 0) return;
    const fresh = await this.keys.addKeys([...new Set(batch.map((item) => item.key))]);
    for (const item of batch) {
      // Deleted once written, so a key repeated within the batch is curated once too.
      if (!fresh.delete(item.key)) {
        this.repeatedInUpload++;
        continue;
      }
      await this.writer.write(item.kind, item.json);
      this.recordKinds[item.kind] = (this.recordKinds[item.kind] ?? 0) + 1;
      this.recordCount++;
    }
  }
}
