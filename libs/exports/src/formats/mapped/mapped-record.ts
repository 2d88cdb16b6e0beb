import { RECORD_KINDS, type RecordFieldSpec } from '@lockbox/analysis-sdk';
import { type ParsedItem, type RecordLocation, recordItem, skipItem } from '../export-format';
import { parseEpoch, parseIsoTimestamp, parseUtcDateTime, parseXCreatedAt } from '../../text/timestamps';
import type { ExportMapping, TimestampFormat } from './export-mapping';

function timestampOf(value: unknown, format: TimestampFormat): string | undefined {
  switch (format) {
    case 'unix-seconds':
      return parseEpoch(value, 'seconds');
    case 'unix-milliseconds':
      return parseEpoch(value, 'milliseconds');
    case 'x-created-at':
      return typeof value === 'string' ? parseXCreatedAt(value.trim()) : undefined;
    case 'utc-datetime':
      return typeof value === 'string' ? parseUtcDateTime(value.trim()) : undefined;
    default:
      return typeof value === 'string' ? parseIsoTimestamp(value.trim()) : undefined;
  }
}

const DECIMAL = /^\s*-?\d{1,15}(?:\.\d{1,15})?\s*$/;

function convert(value: unknown, spec: RecordFieldSpec): unknown {
  if (spec.type === 'integer') {
    if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
    return typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : undefined;
  }
  if (spec.type === 'number') {
    if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
    return typeof value === 'string' && DECIMAL.test(value) ? Number(value) : undefined;
  }
  if (spec.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    const word = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
    return word === 'true' ? true : word === 'false' ? false : undefined;
  }
  if (typeof value === 'string') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

const EXPECTED_VALUE: Record<RecordFieldSpec['type'], string> = { integer: 'a whole number', number: 'a number', boolean: 'true or false', string: 'text' };

/**
 * A candidate record from one row or line: each mapped field read with `get` (an empty or missing value
 * leaves the field out), converted to its canonical type, then the fixed values. The caller validates it.
 */
export function mappedRecord(mapping: ExportMapping, get: (source: string) => unknown, at: RecordLocation): ParsedItem {
  const record: Record<string, unknown> = { kind: mapping.kind, platform: mapping.platform };
  const specs = RECORD_KINDS[mapping.kind].fields as Readonly<Record<string, RecordFieldSpec>>;
  for (const [field, source] of Object.entries(mapping.fields)) {
    const raw = get(source);
    if (raw === undefined || raw === null || raw === '') continue;
    // checkMapping let only the kind's own fields into the mapping.
    const spec = specs[field]!;
    const value = field === 'timestamp' ? timestampOf(raw, mapping.timestampFormat) : convert(raw, spec);
    if (value === undefined) {
      const reason = field === 'timestamp' ? 'bad_timestamp' : 'bad_value';
      const expected = field === 'timestamp' ? `a ${mapping.timestampFormat} timestamp` : EXPECTED_VALUE[spec.type];
      return skipItem(reason, `${field} (from ${JSON.stringify(source.slice(0, 64))}) is not ${expected}`, at);
    }
    record[field] = value;
  }
  Object.assign(record, mapping.values);
  for (const [field, spec] of Object.entries(specs)) {
    if (spec.required && record[field] === undefined) {
      const source = mapping.fields[field];
      return skipItem('missing_field', `${field} has no value${source ? ` (from ${JSON.stringify(source.slice(0, 64))})` : ''}`, at);
    }
  }
  return recordItem(record, at);
}
