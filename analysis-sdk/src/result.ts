// The result document an analysis writes to /output/result.json: schema and validation.
// Third-party output is data, never code: no raw HTML, no links, no remote content, no chart expressions,
// and the one-line texts shown in lists and notifications hold nothing that draws differently than it reads.
import type { ErrorObject } from 'ajv';
import { BoundedValidator, describeAjvError, errorSegments, findNul, formatPath } from './ajv';
import { type JsonCaps, measureJson } from './bounded-json';
import { checkChartSpec } from './chart-spec';
import { MAX_RESULT_BYTES } from './limits';
import { findHiddenCharacter, PLAIN_LINE_PATTERN } from './plain-text';

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
// A text shown on one line (in a list, a notification, a label): no line breaks, controls, bidi or invisible characters.
const line = (maxLength: number, minLength = 0) => ({ ...text(maxLength, minLength), pattern: PLAIN_LINE_PATTERN });
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
    summary: line(RESULT_CAPS.summaryChars, 1),
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
            label: line(RESULT_CAPS.labelChars, 1),
            value: { type: 'number' },
            unit: line(RESULT_CAPS.unitChars),
          }),
          block('table', ['columns', 'rows'], {
            columns: { type: 'array', minItems: 1, maxItems: RESULT_CAPS.tableColumns, items: line(RESULT_CAPS.labelChars) },
            rows: {
              type: 'array',
              maxItems: RESULT_CAPS.tableRows,
              items: {
                type: 'array',
                items: { anyOf: [text(RESULT_CAPS.cellChars), { type: ['number', 'boolean', 'null'] }] },
              },
            },
          }),
          block('chart', ['title', 'spec'], { title: line(RESULT_CAPS.labelChars), spec: { type: 'object' } }),
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

/**
 * What markdown may not hold, each with why. A result makes no links at all: a link (even to a page that
 * looks harmless) carries whatever its URL encodes off the platform when clicked, and an image does so as
 * soon as the result is shown. Markdown makes links in four ways, each refused here: inline `[x](url)`
 * (and images `![x](url)`), reference definitions `[ref]: url` (without one, `[x][ref]` and `[ref]` stay
 * plain text), autolinks `<https://…>` (markup, refused with raw HTML), and raw HTML `<a href>`. Entities
 * (`&lt;`) decode to text, never to markup, so they stay allowed. A bare URL is plain text: the platform's
 * renderer turns off GFM's autolinking of `www.` and `https://`, so it is shown and never linked.
 */
const MARKDOWN_RULES: readonly { pattern: RegExp; message: (found: string, index: number) => string }[] = [
  {
    // `<tag`, `</tag`, `<!--`, `<!DOCTYPE`, `<?xml`, `<https://…>`: anything an HTML parser would treat as markup.
    pattern: /<(?:\/?[A-Za-z]|!|\?)/,
    message: (found, index) =>
      `must not contain raw HTML (found "${found}" at character ${index}); write &lt; for a literal "<" (an autolink such as <https://…> is markup too)`,
  },
  {
    pattern: /!\[/,
    message: (_, index) => `must not contain images ("![" at character ${index}); a result cannot load anything from outside the platform`,
  },
  {
    pattern: /\]\(/,
    message: (_, index) =>
      `must not contain links ("](" at character ${index}); write a URL as plain text, which is shown but never linked, or "]\\(" for a literal "]("`,
  },
  {
    pattern: /\]:/,
    message: (_, index) =>
      `must not contain link or footnote definitions ("]:" at character ${index}); write a URL as plain text, or "]\\:" for a literal "]:"`,
  },
];

const resultValidator = new BoundedValidator(RESULT_SCHEMA, { discriminator: true });

function schemaErrorMessage(error: ErrorObject, segments: string[], doc: unknown): string {
  const last = segments[segments.length - 1];
  if (error.keyword === 'discriminator') {
    if (error.params.error === 'mapping') return `must be one of ${RESULT_BLOCK_TYPES.join(', ')}`;
    return error.params.tagValue === undefined ? 'is required' : 'must be a string';
  }
  if (error.keyword === 'pattern') return plainLineMessage(valueAt(doc, segments));
  if (error.keyword === 'const' && last === 'schemaVersion') return `must be ${RESULT_SCHEMA_VERSION}`;
  if (error.keyword === 'anyOf' && segments.includes('rows')) return 'must be a string, number, boolean or null';
  return describeAjvError(error);
}

/**
 * Validates a parsed result document. Beyond the JSON Schema it rejects NUL characters, raw HTML,
 * links and images in markdown, rows whose length differs from the columns, and chart specs outside
 * the Vega-Lite allowlist (chart-spec.ts). The value is held to `caps` first (see resultJsonCaps):
 * nothing else walks a document outside them. Of a document of more than ALL_ERRORS_MAX_NODES values,
 * only the first problem the schema finds is listed. The caller checks the text's bytes before parsing.
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
    add(segments, schemaErrorMessage(error, segments, doc));
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
  for (const rule of MARKDOWN_RULES) {
    const match = rule.pattern.exec(markdown);
    if (!match) continue;
    const found = markdown.slice(match.index, match.index + 12).split(/[\s>]/)[0]!;
    add(at, `is rejected: markdown ${rule.message(found, match.index)}`);
  }
}

/** The value at `segments` in a parsed document, or undefined. */
function valueAt(doc: unknown, segments: readonly string[]): unknown {
  let node = doc;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function plainLineMessage(value: unknown): string {
  const rule = 'line breaks, control characters, bidirectional controls and invisible formatting characters are not allowed';
  const found = typeof value === 'string' ? findHiddenCharacter(value) : undefined;
  if (!found) return `must be one line of plain text: ${rule}`;
  return `must be one line of plain text, but has ${found.kind} (${found.code}) at character ${found.index}; ${rule}`;
}
