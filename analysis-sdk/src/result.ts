// The result document an analysis writes to /output/result.json: schema and validation.
// Third-party output is data, never code: no raw HTML, no remote content, no chart expressions.
import type { ErrorObject } from 'ajv';
import { BoundedValidator, describeAjvError, errorSegments, findNul, formatPath } from './ajv';
import { type JsonCaps, measureJson } from './bounded-json';
import { MAX_RESULT_BYTES } from './limits';

export const RESULT_SCHEMA_VERSION = 1;
export const RESULT_BLOCK_TYPES = ['markdown', 'metric', 'table', 'chart', 'wordcloud'] as const;
export type ResultBlockType = (typeof RESULT_BLOCK_TYPES)[number];

export const RESULT_CAPS = Object.freeze({
  summaryChars: 280,
  blocks: 200,
  markdownChars: 100_000,
  labelChars: 200,
  unitChars: 50,
  tableColumns: 50,
  tableRows: 10_000,
  cellChars: 10_000,
  words: 1000,
  wordChars: 100,
  chartDepth: 64,
});

export interface MarkdownBlock {
  type: 'markdown';
  text: string;
}
export interface MetricBlock {
  type: 'metric';
  label: string;
  value: number;
  unit?: string;
}
export type TableCell = string | number | boolean | null;
export interface TableBlock {
  type: 'table';
  columns: string[];
  rows: TableCell[][];
}
export interface ChartBlock {
  type: 'chart';
  title: string;
  /** A Vega-Lite spec with inline data only. */
  spec: Record<string, unknown>;
}
export interface WordcloudBlock {
  type: 'wordcloud';
  words: { text: string; weight: number }[];
}
export type ResultBlock = MarkdownBlock | MetricBlock | TableBlock | ChartBlock | WordcloudBlock;

export interface ResultDocument {
  schemaVersion: 1;
  /** One line for lists and notifications. */
  summary: string;
  blocks: ResultBlock[];
}

export interface ResultError {
  /** Where the problem is, e.g. `blocks[2].rows[5]`; '' for the whole document. */
  path: string;
  /** A sentence that starts with the path and says what to change. */
  message: string;
}

export type ResultValidation = { ok: true; result: ResultDocument } | { ok: false; errors: ResultError[] };

/** At most this many errors are listed; a final entry counts the rest. */
export const MAX_REPORTED_RESULT_ERRORS = 50;

/**
 * Caps on a result document's JSON, checked before anything else reads it; `maxBytes` is the
 * platform's result cap. The depth leaves room for a chart spec RESULT_CAPS.chartDepth levels deep
 * under blocks[n].spec. The value and path-weight caps grow with the bytes, above what a real result
 * of that size holds: a value takes 2 bytes at least, and real results stay near 2 in path weight
 * per byte (a full table of single digits 2.5, chart rows {"x":1} 1.6). The path weight bounds what
 * any walk that copies paths can hold: 3 × 4 MiB path entries, about 100 MB of paths at worst.
 */
export function resultJsonCaps(maxBytes: number = MAX_RESULT_BYTES): JsonCaps {
  return { maxBytes, maxDepth: RESULT_CAPS.chartDepth + 8, maxNodes: Math.floor(maxBytes / 4), maxStringLength: 1024 * 1024, maxPathWeight: 3 * maxBytes };
}

const text = (maxLength: number, minLength = 0) => ({ type: 'string', minLength, maxLength });
const block = (type: ResultBlockType, required: string[], properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: ['type', ...required],
  properties: { type: { const: type }, ...properties },
});

/** JSON Schema (draft-07) of the result document, schemaVersion 1. Some rules are checked in code (see validateResult). */
export const RESULT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Lockbox result document (result.json), schemaVersion 1',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'summary', 'blocks'],
  properties: {
    schemaVersion: { const: RESULT_SCHEMA_VERSION },
    summary: { type: 'string', minLength: 1, maxLength: RESULT_CAPS.summaryChars, pattern: '^[^\\r\\n]*$' },
    blocks: {
      type: 'array',
      maxItems: RESULT_CAPS.blocks,
      items: {
        type: 'object',
        required: ['type'],
        discriminator: { propertyName: 'type' },
        oneOf: [
          block('markdown', ['text'], { text: text(RESULT_CAPS.markdownChars) }),
          block('metric', ['label', 'value'], {
            label: text(RESULT_CAPS.labelChars, 1),
            value: { type: 'number' },
            unit: text(RESULT_CAPS.unitChars),
          }),
          block('table', ['columns', 'rows'], {
            columns: { type: 'array', minItems: 1, maxItems: RESULT_CAPS.tableColumns, items: text(RESULT_CAPS.labelChars) },
            rows: {
              type: 'array',
              maxItems: RESULT_CAPS.tableRows,
              items: {
                type: 'array',
                items: { anyOf: [text(RESULT_CAPS.cellChars), { type: ['number', 'boolean', 'null'] }] },
              },
            },
          }),
          block('chart', ['title', 'spec'], { title: text(RESULT_CAPS.labelChars), spec: { type: 'object' } }),
          block('wordcloud', ['words'], {
            words: {
              type: 'array',
              maxItems: RESULT_CAPS.words,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['text', 'weight'],
                properties: { text: text(RESULT_CAPS.wordChars, 1), weight: { type: 'number', minimum: 0 } },
              },
            },
          }),
        ],
      },
    },
  },
} as const;

// `<tag`, `</tag`, `<!--`, `<!DOCTYPE`, `<?xml`: anything an HTML parser would treat as markup.
const RAW_HTML = /<(?:\/?[A-Za-z]|!|\?)/;
// Images load as soon as the result is shown, so their URL would carry data off the platform.
const MARKDOWN_IMAGE = /!\[/;
const OFFICIAL_VEGA_LITE_SCHEMA = /^https:\/\/vega\.github\.io\/schema\/vega-lite\/v\d+(?:\.\d+){0,2}\.json$/;
const CSS_URL = /url\s*\(/i;
const EXPRESSION_KEYS = new Set(['expr', 'calculate', 'signal', 'bind']);
const DATA_KEYS = new Set(['values', 'name', 'format']);

const resultValidator = new BoundedValidator(RESULT_SCHEMA, { discriminator: true });

function schemaErrorMessage(error: ErrorObject, segments: string[]): string {
  const last = segments[segments.length - 1];
  if (error.keyword === 'discriminator') {
    if (error.params.error === 'mapping') return `must be one of ${RESULT_BLOCK_TYPES.join(', ')}`;
    return error.params.tagValue === undefined ? 'is required' : 'must be a string';
  }
  if (error.keyword === 'pattern' && last === 'summary') return 'must be a single line';
  if (error.keyword === 'const' && last === 'schemaVersion') return `must be ${RESULT_SCHEMA_VERSION}`;
  if (error.keyword === 'anyOf' && segments.includes('rows')) return 'must be a string, number, boolean or null';
  return describeAjvError(error);
}

/**
 * Validates a parsed result document. Beyond the JSON Schema it rejects NUL characters, raw HTML and
 * images in markdown, rows whose length differs from the columns, and chart specs that could load
 * anything from outside the document or run expressions. The value is held to `caps` first (see
 * resultJsonCaps): nothing else walks a document outside them. Of a document of more than
 * ALL_ERRORS_MAX_NODES values, only the first problem the schema finds is listed. The caller checks
 * the text's bytes before parsing.
 */
export function validateResult(doc: unknown, caps: JsonCaps = resultJsonCaps()): ResultValidation {
  const bounded = measureJson(doc, caps);
  if (!bounded.ok) {
    const where = bounded.path.length > 0 ? ` (at ${formatPath(bounded.path, doc)})` : '';
    return { ok: false, errors: [{ path: '', message: `result ${bounded.message}${where}` }] };
  }
  const errors: ResultError[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  const add = (segments: (string | number)[], message: string) => {
    const path = formatPath(segments, doc);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (errors.length >= MAX_REPORTED_RESULT_ERRORS) dropped++;
    else errors.push({ path, message: `${path === '' ? 'result' : path} ${message}` });
  };

  for (const error of resultValidator.errors(doc, bounded.cost.nodes) ?? []) {
    // anyOf reports each failed branch too; the anyOf error itself says it all.
    if (error.schemaPath.includes('/anyOf/')) continue;
    const segments = errorSegments(error);
    add(segments, schemaErrorMessage(error, segments));
  }

  const nul = findNul(doc);
  if (nul === 'too-deep') add([], `is nested too deeply`);
  else if (nul) add(nul, 'must not contain NUL characters');

  const blocks = isObject(doc) && Array.isArray(doc.blocks) ? doc.blocks : [];
  blocks.slice(0, RESULT_CAPS.blocks).forEach((item: unknown, index) => {
    if (!isObject(item)) return;
    const at = ['blocks', index];
    if (item.type === 'markdown' && typeof item.text === 'string') checkMarkdown(item.text, [...at, 'text'], add);
    if (item.type === 'table' && Array.isArray(item.columns) && Array.isArray(item.rows)) {
      const width = item.columns.length;
      item.rows.forEach((row, r) => {
        if (Array.isArray(row) && row.length !== width) {
          add([...at, 'rows', r], `has ${row.length} cell${row.length === 1 ? '' : 's'} but the table has ${width} column${width === 1 ? '' : 's'}`);
        }
      });
    }
    if (item.type === 'chart' && isObject(item.spec)) checkChartSpec(item.spec, [...at, 'spec'], add);
  });

  if (dropped > 0) errors.push({ path: '', message: `…and ${dropped} more problem${dropped === 1 ? '' : 's'}` });
  return errors.length === 0 ? { ok: true, result: doc as ResultDocument } : { ok: false, errors };
}

type Add = (segments: (string | number)[], message: string) => void;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkMarkdown(markdown: string, at: (string | number)[], add: Add): void {
  const html = RAW_HTML.exec(markdown);
  if (html) {
    const found = markdown.slice(html.index, html.index + 12).split(/[\s>]/)[0];
    add(at, `is rejected: markdown must not contain raw HTML (found "${found}" at character ${html.index}); write &lt; for a literal "<"`);
  }
  const image = MARKDOWN_IMAGE.exec(markdown);
  if (image) add(at, `is rejected: markdown must not contain images ("![" at character ${image.index}); a result cannot load anything from outside the platform`);
}

/**
 * Walks a Vega-Lite spec without recursion. Data rows are data: only `url` keys and CSS url() strings
 * are looked for inside them; everywhere else the structural rules apply.
 */
function checkChartSpec(spec: Record<string, unknown>, at: (string | number)[], add: Add): void {
  if ('$schema' in spec && !(typeof spec.$schema === 'string' && OFFICIAL_VEGA_LITE_SCHEMA.test(spec.$schema))) {
    add([...at, '$schema'], 'must be the official Vega-Lite schema URL (https://vega.github.io/schema/vega-lite/v5.json) or left out');
  }
  // inPredicate: under `filter`/`test`; exprList: the array value of a predicate's `and`/`or`.
  type Item = { node: unknown; path: (string | number)[]; inData: boolean; inPredicate: boolean; exprList?: boolean };
  const stack: Item[] = [{ node: spec, path: at, inData: false, inPredicate: false }];
  while (stack.length > 0) {
    const { node, path, inData, inPredicate, exprList } = stack.pop()!;
    if (path.length - at.length > RESULT_CAPS.chartDepth) {
      add(at, `is nested more than ${RESULT_CAPS.chartDepth} levels deep`);
      return;
    }
    if (typeof node === 'string') {
      if (CSS_URL.test(node)) add(path, 'must not use CSS url(): a chart cannot load anything from outside the platform');
      continue;
    }
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        if (exprList && typeof child === 'string') add([...path, i], 'must not be an expression string: use a field predicate such as {"field": "x", "equal": 1}');
        stack.push({ node: child, path: [...path, i], inData, inPredicate });
      });
      continue;
    }
    if (!isObject(node)) continue;
    for (const [key, value] of Object.entries(node)) {
      const here = [...path, key];
      if (key === 'url') {
        add(here, 'is not allowed: charts must use inline data (data.values), never a URL; rename a data field called "url"');
        continue;
      }
      if (inData) {
        stack.push({ node: value, path: here, inData, inPredicate });
        continue;
      }
      if (key === 'href') {
        add(here, 'is not allowed: charts cannot link outside the platform');
        continue;
      }
      if (key === 'usermeta') {
        add(here, 'is not allowed in charts');
        continue;
      }
      if (key === '$schema' && path.length !== at.length) {
        add(here, 'is only allowed at the top of the spec');
        continue;
      }
      if (EXPRESSION_KEYS.has(key)) {
        add(here, `is not allowed: chart expressions (${key}) are code; compute values in the analysis and pass them as data`);
        continue;
      }
      if (key === 'mark' && (value === 'image' || (isObject(value) && value.type === 'image'))) {
        add(here, 'must not be an image mark: a chart cannot load images');
        continue;
      }
      if ((key === 'filter' || key === 'test') && typeof value === 'string') {
        add(here, 'must not be an expression string: use a field predicate such as {"field": "x", "equal": 1}');
        continue;
      }
      if (inPredicate && (key === 'not' || key === 'and' || key === 'or') && typeof value === 'string') {
        add(here, 'must not be an expression string: use a field predicate such as {"field": "x", "equal": 1}');
        continue;
      }
      if (key === 'data' && value !== null) {
        if (!isObject(value) || !Array.isArray(value.values) || Object.keys(value).some((k) => !DATA_KEYS.has(k))) {
          add(here, 'must be inline data: { "values": [ … ] }');
        }
        if (isObject(value)) stack.push({ node: value, path: here, inData: true, inPredicate: false });
        continue;
      }
      if (key === 'datasets' && path.length === at.length) {
        stack.push({ node: value, path: here, inData: true, inPredicate: false });
        continue;
      }
      stack.push({
        node: value,
        path: here,
        inData,
        inPredicate: inPredicate || key === 'filter' || key === 'test',
        exprList: inPredicate && (key === 'and' || key === 'or'),
      });
    }
  }
}
