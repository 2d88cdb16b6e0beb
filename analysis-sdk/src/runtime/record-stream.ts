// Streaming /input/data/<kind>.jsonl one line at a time, so a large dataset never sits in memory.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RECORD_KIND_NAMES, isRecordKind, type RecordByKind, type RecordKind } from '../records';
import { runtimeDirs } from './run-input';

/**
 * A record as the analysis receives it: `kind` plus only the fields the user consented to. Fields
 * outside the consent scopes are absent even when the canonical schema requires them.
 */
export type ConsentedRecord<K extends RecordKind> = Pick<RecordByKind[K], 'kind'> & Partial<Omit<RecordByKind[K], 'kind'>>;

/** A dataset line that is not a JSON object of the file's kind. */
export class RecordParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file} line ${line} ${reason}`);
    this.name = 'RecordParseError';
  }
}

/** The file that holds the records of `kind` under `inputDir`. */
export function recordsPath(kind: RecordKind, inputDir: string = runtimeDirs().inputDir): string {
  return join(inputDir, 'data', `${kind}.jsonl`);
}

/**
 * The records of `kind`, read line by line. Blank lines are skipped; a line that is not a JSON
 * object of this kind throws RecordParseError naming the file and line. A missing file (the kind
 * was not consented, or the user has no such data) yields nothing.
 */
export async function* records<K extends RecordKind>(kind: K, inputDir: string = runtimeDirs().inputDir): AsyncGenerator<ConsentedRecord<K>, void, undefined> {
  // The kind becomes part of a path: only the known names are accepted.
  if (!isRecordKind(kind)) throw new TypeError(`unknown record kind '${String(kind)}' (known kinds: ${RECORD_KIND_NAMES.join(', ')})`);
  const path = recordsPath(kind, inputDir);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new RecordParseError(path, lineNumber, `is not valid JSON: ${(error as Error).message}`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new RecordParseError(path, lineNumber, 'is not a JSON object');
      }
      const lineKind = (value as { kind?: unknown }).kind;
      if (lineKind !== kind) {
        throw new RecordParseError(path, lineNumber, `has kind ${JSON.stringify(lineKind)} but the file holds ${kind} records`);
      }
      yield value as ConsentedRecord<K>;
    }
  } finally {
    // Also runs when the caller stops early (break/return): the file must not stay open.
    lines.close();
    await handle.close();
  }
}
