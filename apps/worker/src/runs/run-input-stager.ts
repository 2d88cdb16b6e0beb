import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { type CanonicalRecord, type ConsentScopes, isRecordKind, projectRecordWithGrain, type RecordKind, type RunInput } from '@lockbox/analysis-sdk';
import { recordKey } from '@lockbox/exports';
import type { CuratedDataset, CuratedRecordsReader } from '@lockbox/storage';

/** The container user (uid 10001) reads the input through a read-only bind mount: world-readable, nothing more. */
const INPUT_DIR_MODE = 0o755;
const INPUT_FILE_MODE = 0o644;
/** Records of one dataset checked against the run's earlier datasets at a time. */
const DEDUPLICATION_BATCH = 500;

/** Which of a person's record keys some of their datasets hold (RecordKeysRepository fits). */
export interface RecordKeyLookup {
  heldByDatasets(userId: string, datasetIds: readonly string[], keys: readonly string[]): Promise<Set<string>>;
}

export interface StagedInput {
  /** Host path of the directory to mount at /input. */
  inputDir: string;
  /** Records written per consented kind, all datasets together. */
  records: Partial<Record<RecordKind, number>>;
}

/**
 * Writes what an analysis may see (ARCHITECTURE §4): `run.json` and, for each consented kind,
 * `data/<kind>.jsonl` holding only the consented fields of the chosen datasets' curated records, each at
 * its consented grain (projectRecordWithGrain, as `lockbox run` does). Each record is given once however
 * many of the chosen datasets hold it: a dataset's record whose stable key an earlier dataset of the run
 * holds is passed over. Records stream from S3 to disk a small batch at a time, so no dataset is ever
 * held in memory.
 */
export class RunInputStager {
  constructor(
    private readonly curated: CuratedRecordsReader,
    private readonly keys: RecordKeyLookup,
  ) {}

  /** `ownerId`: the person whose datasets these are (every key lookup is scoped to them). */
  async stage(attemptDir: string, runInput: RunInput, datasets: CuratedDataset[], ownerId: string): Promise<StagedInput> {
    const inputDir = join(attemptDir, 'input');
    const dataDir = join(inputDir, 'data');
    await mkdir(dataDir, { recursive: true });
    // Explicit modes: the worker's umask must not decide whether the analysis can read its input.
    await chmod(inputDir, INPUT_DIR_MODE);
    await chmod(dataDir, INPUT_DIR_MODE);

    const runJson = join(inputDir, 'run.json');
    await writeFile(runJson, `${JSON.stringify(runInput)}\n`);
    await chmod(runJson, INPUT_FILE_MODE);

    const records: StagedInput['records'] = {};
    for (const [kind, fields] of consentedKinds(runInput.scopes)) {
      records[kind] = await this.writeKind(join(dataDir, `${kind}.jsonl`), kind, fields, datasets, ownerId);
    }
    return { inputDir, records };
  }

  /** One file per consented kind, even an empty one, so the analysis finds every file it was promised. */
  private async writeKind(path: string, kind: RecordKind, fields: readonly string[], datasets: CuratedDataset[], ownerId: string): Promise<number> {
    const out = createWriteStream(path, { mode: INPUT_FILE_MODE });
    let written = 0;
    const write = async (records: readonly CanonicalRecord[], earlier: readonly string[]): Promise<void> => {
      // The run's first dataset gives all its records: nothing came before it.
      const keys = earlier.length === 0 ? [] : records.map((record) => recordKey(record));
      const given = keys.length === 0 ? new Set<string>() : await this.keys.heldByDatasets(ownerId, earlier, keys);
      for (const [index, record] of records.entries()) {
        if (keys.length > 0 && given.has(keys[index]!)) continue;
        // Only consented fields that the kind's schema knows are copied, each at its grain: nothing else can leak.
        if (!out.write(`${JSON.stringify(projectRecordWithGrain(record, fields))}\n`)) await once(out, 'drain');
        written++;
      }
    };
    try {
      for (const [position, dataset] of datasets.entries()) {
        const earlier = datasets.slice(0, position).map((one) => one.id);
        let batch: CanonicalRecord[] = [];
        for await (const record of this.curated.records(dataset, kind)) {
          batch.push(record);
          if (batch.length < DEDUPLICATION_BATCH) continue;
          await write(batch, earlier);
          batch = [];
        }
        await write(batch, earlier);
      }
      out.end();
      await finished(out);
    } catch (error) {
      out.destroy();
      throw error;
    }
    await chmod(path, INPUT_FILE_MODE);
    return written;
  }
}

/** The consent scopes as [kind, fields] pairs, known kinds only (the receipt was checked when it was written). */
export function consentedKinds(scopes: ConsentScopes): Array<[RecordKind, readonly string[]]> {
  const kinds: Array<[RecordKind, readonly string[]]> = [];
  for (const [kind, fields] of Object.entries(scopes) as Array<[string, unknown]>) {
    if (isRecordKind(kind) && Array.isArray(fields)) kinds.push([kind, fields as string[]]);
  }
  return kinds;
}
