import { type EntryParser, type EntryPlan, type ExportFormat, type FormatPlan, type PlanOptions, skipItem } from '../export-format';
import { FileFault } from '../../faults';
import { readCsvRecords } from '../../streams/csv-records';
import { readLines } from '../../streams/lines';
import { isObject } from '../../text/json-values';
import type { ExportMapping } from './export-mapping';
import { mappedRecord } from './mapped-record';

function requireMapping(options: PlanOptions, format: string): ExportMapping {
  if (!options.mapping) throw new Error(`the ${format} format needs a mapping`);
  return options.mapping;
}

/** A CSV file with a header; the mapping names its columns (exactly, after trimming). */
function csvParser(mapping: ExportMapping): EntryParser {
  return async function* (input, context) {
    const { maxCsvColumns, maxCsvFieldBytes, maxCsvRecordBytes } = context.limits;
    let header: Map<string, number> | undefined;
    for await (const row of readCsvRecords(input, {
      maxColumns: maxCsvColumns,
      maxFieldBytes: maxCsvFieldBytes,
      maxRecordBytes: maxCsvRecordBytes,
      gauge: context.gauge,
    })) {
      if (header === undefined) {
        if ('skip' in row)
          throw new FileFault(row.skip === 'too_many_columns' ? 'too_many_columns' : 'not_parseable', `the header cannot be read: ${row.message}`);
        header = new Map(row.fields.map((name, index) => [name.trim(), index]));
        const missing = Object.values(mapping.fields).filter((column) => !header!.has(column));
        if (missing.length > 0)
          throw new FileFault('missing_columns', `the header has no column ${missing.map((name) => JSON.stringify(name.slice(0, 64))).join(', ')}`);
        continue;
      }
      if ('skip' in row) {
        yield skipItem(row.skip, row.message, { line: row.line });
        continue;
      }
      const { fields } = row;
      const columns = header;
      yield mappedRecord(mapping, (column) => fields[columns.get(column)!], { line: row.line });
    }
    if (header === undefined) throw new FileFault('not_parseable', 'the file is empty: it has no header');
  };
}

/** The value at a dot-separated path, through own properties only (array indexes are numbers). */
function atPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** JSON Lines: one object per line; blank lines are passed over. */
function jsonlParser(mapping: ExportMapping): EntryParser {
  return async function* (input, context) {
    for await (const line of readLines(input, { maxLineBytes: context.limits.maxLineBytes, gauge: context.gauge })) {
      if ('skip' in line) {
        yield skipItem(line.skip, line.message, { line: line.line });
        continue;
      }
      if (line.text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch {
        yield skipItem('invalid_json', 'the line is not valid JSON', { line: line.line });
        continue;
      }
      if (!isObject(value)) yield skipItem('not_an_object', 'the line is not a JSON object', { line: line.line });
      else yield mappedRecord(mapping, (path) => atPath(value, path), { line: line.line });
    }
  };
}

/** Every file with the extension in an archive, or a bare file, read with the one mapping. */
function mappedFormat(name: string, extension: RegExp, parserOf: (mapping: ExportMapping) => EntryParser): ExportFormat {
  return {
    name,
    plan(options): FormatPlan {
      const plan: EntryPlan = { part: name, order: 0, parse: parserOf(requireMapping(options, name)) };
      return { roleOf: (entry) => (extension.test(entry) ? { read: plan } : undefined), bareFile: plan };
    },
  };
}

export const MAPPED_CSV = mappedFormat('csv', /\.csv$/i, csvParser);
export const MAPPED_JSONL = mappedFormat('jsonl', /\.(jsonl|ndjson)$/i, jsonlParser);
