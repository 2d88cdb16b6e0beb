import type { CanonicalRecord } from '@lockbox/analysis-sdk';
import { BufferArchiveSource } from '../src/archive/archive-source';
import { type IngestOptions, type IngestResult, ingestExport } from '../src/ingest-export';

export interface CollectedIngest extends IngestResult {
  records: CanonicalRecord[];
  keys: string[];
}

/** Ingests an upload held in memory and keeps every record and key, for tests. */
export async function collectIngest(upload: Buffer, options: Omit<IngestOptions, 'onRecord'>): Promise<CollectedIngest> {
  const records: CanonicalRecord[] = [];
  const keys: string[] = [];
  const result = await ingestExport(new BufferArchiveSource(upload), {
    ...options,
    onRecord: (record, key) => {
      records.push(record);
      keys.push(key);
    },
  });
  return { ...result, records, keys };
}

export function ofKind<K extends CanonicalRecord['kind']>(records: readonly CanonicalRecord[], kind: K): Extract<CanonicalRecord, { kind: K }>[] {
  return records.filter((record): record is Extract<CanonicalRecord, { kind: K }> => record.kind === kind);
}
