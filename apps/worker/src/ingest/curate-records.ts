import { validateRecord } from '@lockbox/analysis-sdk';
import { type ObjectStorageRepository, readJsonlLines } from '@lockbox/storage';
import { CuratedWriter } from './curated-writer';
import { IngestTally } from './ingest-tally';

export interface CurateRecordsJob {
  rawKey: string;
  curatedPrefix: string;
  /** Aborted when the work must stop part-way (lease lost, shutdown). */
  stop: AbortSignal;
}

/**
 * One pass over a raw upload: stream it line by line, validate each line against the canonical record
 * schema, write the valid records to the curated folder (one object per kind) and tally the rest.
 *
 * Throws (after stopping every upload) when `stop` is aborted or storage fails; objects already
 * completed stay, and the caller decides whether to erase them. ObjectNotFoundError: no raw upload.
 */
export async function curateRecords(storage: ObjectStorageRepository, job: CurateRecordsJob): Promise<IngestTally> {
  const { rawKey, curatedPrefix, stop } = job;
  const tally = new IngestTally();
  const writer = new CuratedWriter(storage, curatedPrefix);
  const body = await storage.getStream(rawKey);
  try {
    for await (const line of readJsonlLines(body)) {
      stop.throwIfAborted();
      if (line.error !== undefined) {
        tally.addError(line.number, line.error);
        continue;
      }
      // Blank lines (a trailing newline, spacing) carry nothing; they are not errors.
      if (line.text.trim() === '') continue;
      const checked = validateRecord(line.text);
      if (!checked.ok) {
        tally.addError(line.number, checked.reason);
        continue;
      }
      // Re-serialized from the validated value: the curated zone holds canonical fields only.
      await writer.write(checked.record.kind, JSON.stringify(checked.record));
      tally.addRecord(checked.record.kind);
    }
    stop.throwIfAborted();
    await writer.finish();
  } catch (error) {
    body.destroy();
    await writer.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  return tally;
}
