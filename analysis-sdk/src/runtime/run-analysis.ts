// The wrapper an analysis' main file calls: read the input, run, write the result, exit clearly on failure.
import type { RunInput } from '../container-contract';
import type { ParamsSchema } from '../manifest';
import type { RecordKind } from '../records';
import type { ResultDocument } from '../result';
import { ProgressReporter } from './progress';
import { records, type ConsentedRecord } from './record-stream';
import { ResultBuilder, checkResult, writeResult } from './result-builder';
import { checkParams, readRunInput, runtimeDirs, type RuntimeDirs } from './run-input';

/** What an analysis' main function is given. */
export interface AnalysisContext {
  /** The content of run.json. */
  readonly input: RunInput;
  readonly dirs: RuntimeDirs;
  /** The run's params checked against `schema` (normally the manifest's), with top-level defaults applied. */
  params<T extends object = Record<string, unknown>>(schema?: ParamsSchema): T;
  /** The consented records of `kind`, streamed; nothing when the kind was not consented or has no data. */
  records<K extends RecordKind>(kind: K): AsyncIterable<ConsentedRecord<K>>;
  /** Reports progress (0..1) on stderr, rate-limited. */
  progress(fraction: number, message?: string): void;
}

export type AnalysisMain = (ctx: AnalysisContext) => Promise<ResultBuilder | ResultDocument>;

export interface RunAnalysisOptions {
  /** Defaults to runtimeDirs(): the container paths or LOCKBOX_INPUT_DIR / LOCKBOX_OUTPUT_DIR. */
  dirs?: RuntimeDirs;
  /** Where failure messages go; stderr by default. */
  writeError?: (text: string) => void;
  /** Called with 1 on failure; process.exit by default, so a stray timer cannot keep a failed run alive. */
  exit?: (code: number) => void;
  progress?: ProgressReporter;
}

// Errors thrown by this runtime already say what is wrong; a stack trace would only add noise.
const EXPLAINED_ERRORS = new Set(['RunInputError', 'ParamsValidationError', 'RecordParseError', 'ResultValidationError']);

/**
 * Runs an analysis: reads run.json, calls `main`, validates what it returns and writes result.json.
 * On any error nothing is written; a message goes to stderr and the process exits with code 1.
 * Resolves with the path of result.json on success.
 */
export async function runAnalysis(main: AnalysisMain, options: RunAnalysisOptions = {}): Promise<string | undefined> {
  const dirs = options.dirs ?? runtimeDirs();
  const reporter = options.progress ?? new ProgressReporter();
  try {
    const input = await readRunInput(dirs.inputDir);
    const ctx: AnalysisContext = {
      input,
      dirs,
      params: (schema) => checkParams(input.params, schema),
      records: (kind) => records(kind, dirs.inputDir),
      progress: (fraction, message) => void reporter.report(fraction, message),
    };
    const outcome = await main(ctx);
    let doc: ResultDocument;
    if (outcome instanceof ResultBuilder) doc = outcome.build();
    else if (outcome !== null && typeof outcome === 'object') doc = checkResult(outcome).result;
    else throw new TypeError(`the analysis must return a ResultBuilder or a result document (got ${outcome === null ? 'null' : typeof outcome})`);
    const path = await writeResult(doc, dirs.outputDir);
    reporter.report(1, 'Result written');
    return path;
  } catch (error) {
    const writeError = options.writeError ?? ((text: string) => process.stderr.write(text));
    writeError(`Analysis failed: ${describeError(error)}\n`);
    (options.exit ?? ((code: number) => process.exit(code)))(1);
    return undefined;
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (EXPLAINED_ERRORS.has(error.name)) return error.message;
  return error.stack ?? `${error.name}: ${error.message}`;
}
