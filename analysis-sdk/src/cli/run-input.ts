// Staging /input for a local run the way a worker does: run.json, and per consented kind a JSONL file
// holding only the consented fields of the developer's dataset, each at its grain (projectRecordWithGrain, as in production).
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import type { RunInput } from '../container-contract';
import type { ConsentScopes } from '../manifest';
import { projectRecordWithGrain } from '../grain';
import { isRecordKind, validateRecord, type RecordKind } from '../records';
import { CliError } from './cli-error';

// World-readable: the container's non-root user must read its input, whatever the host's umask.
const INPUT_DIR_MODE = 0o755;
const INPUT_FILE_MODE = 0o644;
/** Line errors listed in full; the rest are only counted. */
const SHOWN_LINE_ERRORS = 5;

/** What --data takes, for the messages that say it was given something else. */
export const DATA_EXPECTED = 'a dataset file in canonical JSONL (lockbox fixtures writes fixtures/data.jsonl), or a directory of such .jsonl files';

/**
 * The files --data names: the dataset file itself, or every `*.jsonl` file of a directory (such as the
 * fixtures/ directory lockbox fixtures writes into), in name order. CliError, saying what --data
 * expects, for anything else.
 */
export async function datasetFiles(dataPath: string): Promise<string[]> {
  const info = await stat(dataPath).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(
      error.code === 'ENOENT' ? `--data ${dataPath} not found: it must be ${DATA_EXPECTED}` : `cannot read --data ${dataPath}: ${error.message}`,
    );
  });
  let files: string[];
  if (info.isFile()) {
    files = [dataPath];
  } else if (info.isDirectory()) {
    const names = (await readdir(dataPath)).filter((name) => name.endsWith('.jsonl')).sort();
    files = [];
    for (const name of names) {
      // A directory or socket named *.jsonl is not a dataset; a symbolic link to a file is.
      if ((await stat(join(dataPath, name)).catch(() => undefined))?.isFile()) files.push(join(dataPath, name));
    }
    if (files.length === 0) throw new CliError(`--data ${dataPath} is a directory without .jsonl files: --data takes ${DATA_EXPECTED}`);
  } else {
    throw new CliError(`--data ${dataPath} is neither a file nor a directory: --data takes ${DATA_EXPECTED}`);
  }
  for (const file of files) {
    await access(file, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read --data ${file}: ${error.code === 'EACCES' ? 'permission denied' : error.message}`);
    });
  }
  return files;
}

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

/** Stages run.json and the consented fields of the records in `dataFiles` (from datasetFiles), in that order. */
export async function stageRunInput(parentDir: string, runInput: RunInput, dataFiles: readonly string[]): Promise<StagedInput> {
  const inputDir = join(parentDir, 'input');
  const dataDir = join(inputDir, 'data');
  await mkdir(dataDir, { recursive: true });
  await chmod(inputDir, INPUT_DIR_MODE);
  await chmod(dataDir, INPUT_DIR_MODE);
  const runJson = join(inputDir, 'run.json');
  await writeFile(runJson, `${JSON.stringify(runInput)}\n`, { mode: INPUT_FILE_MODE });
  await chmod(runJson, INPUT_FILE_MODE);

  const scopes = runInput.scopes as ConsentScopes;
  const outputs: StagedOutputs = new Map();
  // One file per consented kind, even an empty one, as the worker stages it.
  for (const [kind, fields] of Object.entries(scopes)) {
    if (!isRecordKind(kind) || !fields) continue;
    outputs.set(kind, { stream: createWriteStream(join(dataDir, `${kind}.jsonl`), { mode: INPUT_FILE_MODE }), fields, count: 0 });
  }
  const staged: StagedInput = { inputDir, records: {}, skippedLines: 0, lineErrors: [], undeclaredRecords: 0 };
  try {
    for (const dataFile of dataFiles) {
      // Line errors name the file when there are several.
      const where = dataFiles.length > 1 ? `${basename(dataFile)} ` : '';
      await stageFile(dataFile, where, outputs, staged);
    }
  } finally {
    for (const [kind, output] of outputs) {
      output.stream.end();
      await finished(output.stream);
      staged.records[kind] = output.count;
    }
  }
  return staged;
}

type StagedOutputs = Map<RecordKind, { stream: NodeJS.WritableStream & { end(): void }; fields: readonly string[]; count: number }>;

async function stageFile(dataFile: string, where: string, outputs: StagedOutputs, staged: StagedInput): Promise<void> {
  const source = createReadStream(dataFile);
  await once(source, 'open').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(error.code === 'ENOENT' ? `--data ${dataFile} not found` : `cannot read --data ${dataFile}: ${error.message}`);
  });
  try {
    let lineNumber = 0;
    for await (const line of createInterface({ input: source, crlfDelay: Infinity })) {
      lineNumber++;
      if (line.trim() === '') continue;
      const check = validateRecord(line);
      if (!check.ok) {
        staged.skippedLines++;
        if (staged.lineErrors.length < SHOWN_LINE_ERRORS) staged.lineErrors.push(`${where}line ${lineNumber}: ${check.reason}`);
        continue;
      }
      const output = outputs.get(check.record.kind);
      if (!output) {
        staged.undeclaredRecords++;
        continue;
      }
      if (!output.stream.write(`${JSON.stringify(projectRecordWithGrain(check.record, output.fields))}\n`)) await once(output.stream, 'drain');
      output.count++;
    }
  } finally {
    source.destroy();
  }
}
