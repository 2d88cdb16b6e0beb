// Building /output/result.json: a fluent builder that validates the whole document before writing it.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_RESULT_BYTES } from '../limits';
import { RESULT_SCHEMA_VERSION, validateResult, type ResultBlock, type ResultDocument, type ResultError, type TableCell } from '../result';
import { runtimeDirs } from './run-input';

export const VEGA_LITE_SCHEMA_URL = 'https://vega.github.io/schema/vega-lite/v5.json';

/** The result document breaks the contract; `errors` lists every problem, each naming its path. */
export class ResultValidationError extends Error {
  constructor(readonly errors: ResultError[]) {
    super(`Invalid result document:\n${errors.map((error) => `  - ${error.message}`).join('\n')}`);
    this.name = 'ResultValidationError';
  }
}

/** How a bar chart orders its bars: `data` keeps the order of `data` (the default). */
export type BarChartSort = 'data' | 'ascending' | 'descending' | 'x' | '-x' | 'y' | '-y' | readonly (string | number)[];

export interface BarChartOptions {
  title: string;
  /** One object per bar, holding at least the `x` and `y` fields. */
  data: readonly Record<string, string | number | boolean | null>[];
  /** The field of each row that names the bar (a category or an ordinal such as an hour). */
  x: string;
  /** The numeric field of each row that gives the bar's height. */
  y: string;
  xTitle?: string;
  yTitle?: string;
  sort?: BarChartSort;
}

export interface WordcloudWord {
  text: string;
  weight: number;
}

// Vega-Lite reads "." and "[]" in a field name as nested access; a plain name must escape them.
const vegaField = (name: string) => name.replace(/[.[\]\\]/g, '\\$&');

/**
 * Assembles a result document block by block. `build()` checks it against the result schema (the
 * same rules the platform applies) and throws ResultValidationError listing every problem, so an
 * invalid document is never written.
 *
 * A result is data, never code, and the platform refuses rather than rewrites what breaks that:
 * - the summary, metric labels and units, table column names and chart titles are one line of plain
 *   text: no line breaks, control characters (ANSI escapes), bidirectional controls or invisible
 *   formatting characters. Text that comes from a person's data can hold them: pass it through
 *   `toPlainLine(text, maxChars)` first;
 * - markdown makes no links and loads nothing: no raw HTML, images, `[text](url)` links, `[ref]: url`
 *   definitions or `<https://…>` autolinks. A URL written as plain text is shown, never linked;
 * - a chart is a Vega-Lite v5 spec built from an allowlist of keys, marks, channels and transforms
 *   (see chart-spec.ts) with its data inline: no URLs, expressions, signals, params or selections.
 */
export class ResultBuilder {
  private summaryText: string | undefined;
  private readonly blocks: ResultBlock[] = [];
  // Problems the schema cannot see once the document is JSON, e.g. NaN (which serializes as null).
  private readonly problems: ResultError[] = [];

  /**
   * One line for lists and notifications: at most 280 characters of plain text, without line breaks,
   * control, bidirectional or invisible formatting characters (clean text from a person's data with
   * `toPlainLine(text, 280)`).
   */
  summary(text: string): this {
    this.summaryText = text;
    return this;
  }

  /**
   * Markdown that links nowhere and loads nothing: no raw HTML, images, links (`[text](url)`,
   * `[ref]: url` definitions, `<https://…>` autolinks). Write a URL as plain text; it is shown, never
   * linked. Write `]\(` or `]\:` for a literal `](` or `]:`.
   */
  markdown(text: string): this {
    this.blocks.push({ type: 'markdown', text });
    return this;
  }

  metric(label: string, value: number, unit?: string): this {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problem(['value'], `must be a finite number (got ${String(value)})`);
    }
    this.blocks.push(unit === undefined ? { type: 'metric', label, value } : { type: 'metric', label, value, unit });
    return this;
  }

  /** Every row must have as many cells as there are columns. */
  table(columns: readonly string[], rows: readonly (readonly TableCell[])[]): this {
    this.blocks.push({ type: 'table', columns: [...columns], rows: rows.map((row) => [...row]) });
    return this;
  }

  /**
   * A Vega-Lite v5 spec from the platform's allowlist (marks, encoding channels, field definitions, the
   * transforms aggregate, bin, timeUnit, fold, stack, window, joinaggregate and filter with field
   * predicates, layer/concat/facet/repeat, config), with inline data (`data.values`, at most 10,000
   * rows). No URLs, expressions (`expr`, `signal`, `calculate`, `labelExpr`, string filters), `params`
   * or selections: compute values and labels in the analysis and pass them as data.
   */
  chart(title: string, spec: Record<string, unknown>): this {
    this.blocks.push({ type: 'chart', title, spec });
    return this;
  }

  /** A bar chart of `y` per `x`, as a Vega-Lite spec with the rows inline. */
  barChart(options: BarChartOptions): this {
    const { title, data, x, y, xTitle, yTitle, sort = 'data' } = options;
    data.forEach((row, index) => {
      const at = ['spec', 'data', 'values', index];
      if (!(x in row)) this.problem(at, `has no field '${x}' (the chart's x)`);
      const height = row[y];
      if (typeof height !== 'number' || !Number.isFinite(height)) {
        this.problem(at, `field '${y}' (the chart's y) must be a finite number (got ${JSON.stringify(height) ?? 'nothing'})`);
      }
    });
    const spec = {
      $schema: VEGA_LITE_SCHEMA_URL,
      data: { values: data.map((row) => ({ ...row })) },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: { field: vegaField(x), type: 'ordinal', title: xTitle ?? x, sort: sort === 'data' ? null : sort, axis: { labelAngle: 0 } },
        y: { field: vegaField(y), type: 'quantitative', title: yTitle ?? y },
      },
    };
    return this.chart(title, spec);
  }

  wordcloud(words: readonly WordcloudWord[]): this {
    this.blocks.push({ type: 'wordcloud', words: words.map(({ text, weight }) => ({ text, weight })) });
    return this;
  }

  /** The validated document. Throws ResultValidationError listing every problem. */
  build(): ResultDocument {
    return checkResult(this.draft(), this.problems).result;
  }

  /** Validates, then writes `<outputDir>/result.json` atomically. Returns the path written. */
  async write(outputDir: string = runtimeDirs().outputDir): Promise<string> {
    const { json } = checkResult(this.draft(), this.problems);
    return writeResultJson(json, outputDir);
  }

  private draft(): Record<string, unknown> {
    const doc: Record<string, unknown> = { schemaVersion: RESULT_SCHEMA_VERSION };
    if (this.summaryText !== undefined) doc.summary = this.summaryText;
    doc.blocks = this.blocks;
    return doc;
  }

  /** Records a problem with the block being added (the next index). */
  private problem(segments: (string | number)[], message: string): void {
    const path = `blocks[${this.blocks.length}]${segments.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}`;
    this.problems.push({ path, message: `${path} ${message}` });
  }
}

/**
 * Serializes a result document and validates exactly those bytes: the size cap, then the schema.
 * Throws ResultValidationError listing every problem; `known` problems replace the schema's
 * messages about the same path.
 */
export function checkResult(doc: unknown, known: readonly ResultError[] = []): { result: ResultDocument; json: string } {
  let json: string | undefined;
  try {
    json = JSON.stringify(doc);
  } catch (error) {
    throw new ResultValidationError([{ path: '', message: `result cannot be serialized as JSON: ${(error as Error).message}` }]);
  }
  if (json === undefined) throw new ResultValidationError([{ path: '', message: 'result must be a JSON object' }]);
  const errors: ResultError[] = [...known];
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_RESULT_BYTES) {
    // The platform refuses it unread: validating it further would only cost.
    errors.push({ path: '', message: `result is ${bytes} bytes of JSON; the limit is ${MAX_RESULT_BYTES} bytes (4 MiB)` });
    throw new ResultValidationError(errors);
  }
  const validation = validateResult(JSON.parse(json));
  if (!validation.ok) {
    const knownPaths = new Set(known.map((error) => error.path));
    errors.push(...validation.errors.filter((error) => !knownPaths.has(error.path)));
  }
  if (errors.length > 0 || !validation.ok) throw new ResultValidationError(errors);
  return { result: validation.result, json };
}

/** Validates a finished document and writes `<outputDir>/result.json` atomically. Returns the path. */
export async function writeResult(doc: ResultDocument, outputDir: string = runtimeDirs().outputDir): Promise<string> {
  return writeResultJson(checkResult(doc).json, outputDir);
}

// Written to a temporary name in the same directory, then renamed: the platform (or a crash) can
// never see half a result.json.
async function writeResultJson(json: string, outputDir: string): Promise<string> {
  await mkdir(outputDir, { recursive: true });
  const target = join(outputDir, 'result.json');
  const temporary = join(outputDir, `.result.json.${process.pid}.tmp`);
  try {
    await writeFile(temporary, json, { encoding: 'utf8', mode: 0o644 });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return target;
}
