import {
  RECORD_KIND_NAMES,
  RECORD_KINDS,
  type RecordFieldSpec,
  type RecordKind,
  SOCIAL_PLATFORMS,
  type SocialPlatform,
  isRecordKind,
  recordFieldNames,
} from '@lockbox/analysis-sdk';

// A mapping tells how to read an export that no parser knows: which source column (CSV) or field path
// (JSONL, dot-separated) gives each canonical field, fixed values for the rest, and the record's kind and
// platform. It is given at upload and checked before anything is read.

const TIMESTAMP_FORMATS = ['rfc3339', 'unix-seconds', 'unix-milliseconds', 'x-created-at', 'utc-datetime'] as const;
export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

export interface ExportMapping {
  kind: RecordKind;
  platform: SocialPlatform;
  /** Canonical field → source column (CSV) or dot-separated path (JSONL). */
  fields: Readonly<Record<string, string>>;
  /** Canonical field → the same value for every record, e.g. `{"type": "post"}`. */
  values: Readonly<Record<string, string | number | boolean>>;
  timestampFormat: TimestampFormat;
}

export type MappingCheck = { ok: true; mapping: ExportMapping } | { ok: false; problems: string[] };

const MAX_MAPPING_CHARS = 16 * 1024;
const MAX_SOURCE_CHARS = 256;
const MAX_VALUE_CHARS = 1000;
const KEYS = ['kind', 'platform', 'fields', 'values', 'timestampFormat'];

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const quoted = (value: string): string => JSON.stringify(value.length > 64 ? `${value.slice(0, 63)}…` : value);

function specOf(kind: RecordKind, field: string): RecordFieldSpec | undefined {
  const fields = RECORD_KINDS[kind].fields as Readonly<Record<string, RecordFieldSpec>>;
  return Object.prototype.hasOwnProperty.call(fields, field) ? fields[field] : undefined;
}

function fieldProblem(kind: RecordKind, field: string): string | undefined {
  if (field === 'platform') return 'platform is set by the mapping\'s "platform", not by a field';
  if (specOf(kind, field) === undefined) return `${quoted(field)} is not a field of ${kind} (its fields: ${recordFieldNames(kind).join(', ')})`;
  return undefined;
}

function valueProblem(kind: RecordKind, field: string, value: unknown): string | undefined {
  const spec = specOf(kind, field)!;
  if (spec.type === 'integer') return Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : `values.${field} must be a whole number ≥ 0`;
  if (spec.type === 'number') return Number.isFinite(value) ? undefined : `values.${field} must be a number`;
  if (spec.type === 'boolean') return typeof value === 'boolean' ? undefined : `values.${field} must be true or false`;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE_CHARS)
    return `values.${field} must be a string of 1 to ${MAX_VALUE_CHARS} characters`;
  if (spec.enum && !spec.enum.includes(value)) return `values.${field} must be one of ${spec.enum.join(', ')}`;
  return undefined;
}

function readInput(input: unknown): Record<string, unknown> | string {
  if (typeof input !== 'string') return isPlainObject(input) ? input : 'the mapping must be a JSON object';
  if (input.length > MAX_MAPPING_CHARS) return `the mapping must be at most ${MAX_MAPPING_CHARS} characters`;
  try {
    const parsed: unknown = JSON.parse(input);
    return isPlainObject(parsed) ? parsed : 'the mapping must be a JSON object';
  } catch {
    return 'the mapping is not valid JSON';
  }
}

/** Checks a mapping (an object, or its JSON text from a form field); the problems are written for the uploader. */
export function checkMapping(input: unknown): MappingCheck {
  const raw = readInput(input);
  if (typeof raw === 'string') return { ok: false, problems: [raw] };
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (!KEYS.includes(key)) problems.push(`unknown key ${quoted(key)} (a mapping has: ${KEYS.join(', ')})`);

  const { kind, platform, fields, values = {}, timestampFormat = 'rfc3339' } = raw;
  if (!isRecordKind(kind)) problems.push(`kind must be one of ${RECORD_KIND_NAMES.join(', ')}`);
  if (typeof platform !== 'string' || !(SOCIAL_PLATFORMS as readonly string[]).includes(platform))
    problems.push(`platform must be one of ${SOCIAL_PLATFORMS.join(', ')}`);
  if (typeof timestampFormat !== 'string' || !(TIMESTAMP_FORMATS as readonly string[]).includes(timestampFormat)) {
    problems.push(`timestampFormat must be one of ${TIMESTAMP_FORMATS.join(', ')}`);
  }
  if (!isPlainObject(fields) || Object.keys(fields).length === 0) problems.push('fields must map at least one canonical field to a source column or path');
  if (!isPlainObject(values)) problems.push('values must be an object of canonical field → value');
  if (!isRecordKind(kind) || !isPlainObject(fields) || !isPlainObject(values)) return { ok: false, problems };

  for (const [field, source] of Object.entries(fields)) {
    const problem = fieldProblem(kind, field);
    if (problem) problems.push(`fields: ${problem}`);
    else if (typeof source !== 'string' || source.trim() === '' || source.length > MAX_SOURCE_CHARS) {
      problems.push(`fields.${field} must name a source column or path of 1 to ${MAX_SOURCE_CHARS} characters`);
    }
  }
  for (const [field, value] of Object.entries(values)) {
    const problem = fieldProblem(kind, field) ?? (Object.prototype.hasOwnProperty.call(fields, field) ? `${field} is in both fields and values` : undefined);
    if (problem) problems.push(`values: ${problem}`);
    else {
      const invalid = valueProblem(kind, field, value);
      if (invalid) problems.push(invalid);
    }
  }
  for (const field of recordFieldNames(kind)) {
    const required = specOf(kind, field)!.required && field !== 'platform';
    if (required && !Object.prototype.hasOwnProperty.call(fields, field) && !Object.prototype.hasOwnProperty.call(values, field)) {
      problems.push(`${kind} needs ${field}: map it in fields or give it in values`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    mapping: {
      kind,
      platform: platform as SocialPlatform,
      fields: fields as Record<string, string>,
      values: values as Record<string, string | number | boolean>,
      timestampFormat: timestampFormat as TimestampFormat,
    },
  };
}
