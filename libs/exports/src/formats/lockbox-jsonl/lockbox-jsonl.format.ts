import { type EntryParser, type EntryPlan, type ExportFormat, recordItem, skipItem } from '../export-format';
import { readLines } from '../../streams/lines';
import { isObject } from '../../text/json-values';

/** Lockbox's canonical JSONL: each line already a record (checked by the caller like any other). */
const parseLockboxJsonl: EntryParser = async function* (input, context) {
  for await (const line of readLines(input, { maxLineBytes: context.limits.maxLineBytes, gauge: context.gauge })) {
    if ('skip' in line) {
      yield skipItem(line.skip, line.message, { line: line.line });
      continue;
    }
    // Blank lines (a trailing newline, spacing) carry nothing; they are not errors.
    if (line.text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      yield skipItem('invalid_json', 'the line is not valid JSON', { line: line.line });
      continue;
    }
    if (isObject(value)) yield recordItem(value, { line: line.line });
    else yield skipItem('not_an_object', 'the line is not a JSON object', { line: line.line });
  }
};

const PLAN: EntryPlan = { part: 'lockbox-jsonl', order: 0, parse: parseLockboxJsonl };
const JSONL_FILE = /\.jsonl$/i;

/** Names that read as canonical JSONL: every entry that is not a directory is a .jsonl file. */
function detect(names: readonly string[]): string | undefined {
  const files = names.filter((name) => !name.endsWith('/'));
  if (files.length === 0 || !files.every((name) => JSONL_FILE.test(name))) return undefined;
  return `${files.length === 1 ? files[0] : `${files.length} .jsonl files`}: Lockbox's canonical JSONL`;
}

export const LOCKBOX_JSONL: ExportFormat = {
  name: 'lockbox-jsonl',
  detect,
  plan: () => ({ roleOf: (name) => (JSONL_FILE.test(name) ? { read: PLAN } : undefined), bareFile: PLAN }),
};
