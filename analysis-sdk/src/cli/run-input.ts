// Staging /input for a local run the way a worker does: run.json, and per consented kind a JSONL file
// holding only the consented fields of the developer's dataset (projectRecord, as in production).
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import type { RunInput } from '../container-contract';
import type { ConsentScopes } from '../manifest';
import { isRecordKind, projectRecord, validateRecord, type RecordKind } from '../records';
import { CliError } from './cli-error';

// World-readable: the container's non-root user must read its input, whatever the host's umask.
const INPUT_DIR_MODE = 0o755;
const INPUT_FILE_MODE = 0o644;
/** Line errors listed in full; the rest are only counted. */
const SHOWN_LINE_ERRORS = 5;

export interface StagedInput {
  inputDir: string;
  /** Records staged per consented kind. */
  records: Partial<Record<RecordKind, number>>;
  /** Lines of the dataset that are not valid canonical records, skipped as the platform's ingest skips them. */
  skippedLines: number;
  lineErrors: string[];
  /** Valid records of kinds the analysis did not declare: never staged. */
  undeclaredRecords: number;
}

export async function stageRunInput(parentDir: string, runInput: RunInput, dataPath: string): Promise<StagedInput> {
  const inputDir = join(parentDir, 'input');
  const dataDir = join(inputDir, 'data');
  await mkdir(dataDir, { recursive: true });
  await chmod(inputDir, INPUT_DIR_MODE);
  await chmod(dataDir, INPUT_DIR_MODE);
  const runJson = join(inputDir, 'run.json');
  await writeFile(runJson, `${JSON.stringify(runInput)}\n`, { mode: INPUT_FILE_MODE });
  await chmod(runJson, INPUT_FILE_MODE);

  const scopes = runInput.scopes as ConsentScopes;
  const outputs = new Map<RecordKind, { stream: NodeJS.WritableStream & { end(): void }; fields: readonly string[]; count: number }>();
  // One file per consented kind, even an empty one, as the worker stages it.
  for (const [kind, fields] of Object.entries(scopes)) {
    if (!isRecordKind(kind) || !fields) continue;
    outputs.set(kind, { stream: createWriteStream(join(dataDir, `${kind}.jsonl`), { mode: INPUT_FILE_MODE }), fields, count: 0 });
  }
  const staged: StagedInput = { inputDir, records: {}, skippedLines: 0, lineErrors: [], undeclaredRecords: 0 };
  const source = createReadStream(dataPath);
  const opened = once(source, 'open').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(error.code === 'ENOENT' ? `--data ${dataPath} not found` : `cannot read --data ${dataPath}: ${error.message}`);
  });
  await opened;
  try {
    let lineNumber = 0;
    for await (const line of createInterface({ input: source, crlfDelay: Infinity })) {
      lineNumber++;
      if (line.trim() === '') continue;
      const check = validateRecord(line);
      if (!check.ok) {
        staged.skippedLines++;
        if (staged.lineErrors.length < SHOWN_LINE_ERRORS) staged.lineErrors.push(`line ${lineNumber}: ${check.reason}`);
        continue;
      }
      const output = outputs.get(check.record.kind);
      if (!output) {
        staged.undeclaredRecords++;
        continue;
      }
      if (!output.stream.write(`${JSON.stringify(projectRecord(check.record, output.fields))}\n`)) await once(output.stream, 'drain');
      output.count++;
    }
  } finally {
    source.destroy();
    for (const [kind, output] of outputs) {
      output.stream.end();
      await finished(output.stream);
      staged.records[kind] = output.count;
    }
  }
  return staged;
}
