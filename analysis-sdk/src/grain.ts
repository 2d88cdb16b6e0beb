// Consent at a coarser grain. A manifest scope field may be written `field@grain` (`timestamp@day`,
// `latitude@1km`, `text@words`); the consent names the same string, and the analysis receives the field
// coarsened, never more precise. This module is the one implementation: the platform's staging,
// `lockbox run` and `lockbox fixtures` all project records through projectRecordWithGrain.
import { type CanonicalRecord, RECORD_KINDS, type RecordFieldSpec, type RecordKind, isRecordKind, projectRecord } from './records';

/** The fixed vocabulary of grains; each has one exact output (docs/data-formats.md, "Grains"). */
export const GRAINS = ['hour', 'day', '1km', '10km', 'length', 'words'] as const;
export type Grain = (typeof GRAINS)[number];

interface GrainRule {
  /** What the field must be for the grain to apply. */
  appliesTo: 'date-time' | 'coordinate' | 'text';
  /** What the analysis receives, in words for the consent screen; `{label}` is the field's label. */
  phrase: string;
}

const GRAIN_RULES: { readonly [G in Grain]: GrainRule } = {
  hour: { appliesTo: 'date-time', phrase: '{label}, to the hour' },
  day: { appliesTo: 'date-time', phrase: '{label}, to the day (not the time of day)' },
  '1km': { appliesTo: 'coordinate', phrase: '{label}, rounded to about 1 km' },
  '10km': { appliesTo: 'coordinate', phrase: '{label}, rounded to about 10 km' },
  length: { appliesTo: 'text', phrase: 'only the length of {label} in characters, not {label} itself' },
  words: { appliesTo: 'text', phrase: 'only the number of words in {label}, not {label} itself' },
};

/** Every `field@grain` that some kind accepts, e.g. `timestamp@day`, `latitude@1km`, `query@words`. */
export const SCOPE_FIELD_GRAINS: readonly string[] = (() => {
  const found = new Set<string>();
  for (const kind of Object.keys(RECORD_KINDS) as RecordKind[]) {
    for (const [field, spec] of Object.entries(fieldSpecs(kind))) for (const grain of spec.grains ?? []) found.add(`${field}@${grain}`);
  }
  return [...found].sort();
})();

export function isGrain(value: unknown): value is Grain {
  return typeof value === 'string' && (GRAINS as readonly string[]).includes(value);
}

export interface ScopeField {
  field: string;
  /** Absent for a field at full precision. */
  grain?: Grain;
}

/** A scope field that is not `field` or `field@grain` of the vocabulary, or does not fit the kind. */
export class ScopeFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScopeFieldError';
  }
}

function fieldSpecs(kind: RecordKind): Readonly<Record<string, RecordFieldSpec>> {
  return RECORD_KINDS[kind].fields as Readonly<Record<string, RecordFieldSpec>>;
}

function specOf(kind: RecordKind, field: string): RecordFieldSpec | undefined {
  const specs = fieldSpecs(kind);
  return Object.prototype.hasOwnProperty.call(specs, field) ? specs[field] : undefined;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const shown = (value: string): string => JSON.stringify(value.length > 64 ? `${value.slice(0, 63)}…` : value);

/** The fields that accept `grain`, over every kind, for error messages. */
function fieldsTaking(grain: Grain): string[] {
  return [...new Set(SCOPE_FIELD_GRAINS.filter((scope) => scope.endsWith(`@${grain}`)).map((scope) => scope.slice(0, scope.indexOf('@'))))];
}

/**
 * Splits a scope field (`latitude@1km`) into its field and grain. Without `kind`, checks the syntax and
 * that `field@grain` is in the vocabulary; with it, also that the kind has the field and the field takes
 * the grain. Throws ScopeFieldError with a message written for the developer.
 */
export function parseScopeField(scope: string, kind?: RecordKind): ScopeField {
  if (typeof scope !== 'string') throw new ScopeFieldError('a scope field must be a string');
  const parts = scope.split('@');
  const [field = '', grainName] = parts; // a split gives at least one part
  if (parts.length > 2 || !FIELD_NAME.test(field) || grainName === '') {
    throw new ScopeFieldError(`${shown(scope)} is not a scope field: write a field name, or field@grain (e.g. timestamp@day)`);
  }
  if (kind !== undefined && specOf(kind, field) === undefined) {
    throw new ScopeFieldError(`${shown(field)} is not a field of ${kind} (its fields: ${Object.keys(fieldSpecs(kind)).join(', ')})`);
  }
  if (grainName === undefined) return { field };
  if (!isGrain(grainName)) throw new ScopeFieldError(`${shown(grainName)} is not a grain (the grains: ${GRAINS.join(', ')})`);
  const takes = kind === undefined ? SCOPE_FIELD_GRAINS.includes(scope) : (specOf(kind, field)!.grains ?? []).includes(grainName);
  if (!takes) {
    const own = kind === undefined ? [] : (specOf(kind, field)!.grains ?? []);
    const alternatives = own.length > 0 ? `${field} takes ${own.join(' or ')}` : `${field} takes no grain`;
    throw new ScopeFieldError(
      `${field} cannot be given at the grain ${grainName}: ${grainName} applies to ${fieldsTaking(grainName).join(', ')}; ${alternatives}`,
    );
  }
  return { field, grain: grainName };
}

/** The problem with one kind's scope fields (unknown, not applicable, or one field asked twice), or undefined. */
export function scopeFieldsProblem(kind: RecordKind, scopes: readonly string[]): string | undefined {
  const seen = new Map<string, string>();
  for (const scope of scopes) {
    let parsed: ScopeField;
    try {
      parsed = parseScopeField(scope, kind);
    } catch (error) {
      return (error as ScopeFieldError).message;
    }
    const earlier = seen.get(parsed.field);
    if (earlier !== undefined) return `${parsed.field} is asked for twice (${earlier} and ${scope}): ask for it once, at one grain`;
    seen.set(parsed.field, scope);
  }
  return undefined;
}

// --- applying a grain -------------------------------------------------------------------------------

// Exactly what the canonical schema's date-time format accepts (ajv-formats): a date, `T`, `t` or a
// space, the time (a leap second 60 included), an optional fraction, and Z or an offset ±HH, ±HHMM, ±HH:MM.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** Epoch milliseconds of an RFC 3339 date-time, its offset applied; a leap second counts as :59. */
function dateTimeMs(value: string): number | undefined {
  const match = DATE_TIME.exec(value);
  if (!match) return undefined;
  // Groups 1 to 6 are not optional: six numbers.
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetMinutes = match[7] ? 0 : (match[8] === '-' ? -1 : 1) * (Number(match[9]) * 60 + Number(match[10] ?? 0));
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0); // 0: a month out of range is refused below
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) return undefined;
  if (Number(match[9] ?? 0) > 23 || Number(match[10] ?? 0) > 59) return undefined;
  // The leap second 23:59:60 lies in the same minute, hour and day as 23:59:59, which is all a grain keeps.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, Math.min(second, 59), 0);
  return date.getTime() - offsetMinutes * 60_000;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** The date-time truncated to the start of its UTC hour or day, as RFC 3339 (`2026-01-05T00:00:00Z`). */
function truncateDateTime(value: unknown, grain: 'hour' | 'day'): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = dateTimeMs(value);
  if (ms === undefined) return undefined;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  // An offset can carry 0000-01-01 into year -1, or 9999-12-31 into 10000: not RFC 3339, so left out.
  if (year < 0 || year > 9999) return undefined;
  const hour = grain === 'hour' ? date.getUTCHours() : 0;
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(hour)}:00:00Z`;
}

/**
 * `value` rounded to `decimals` decimals, halves away from zero, on its decimal form (the shortest one
 * that reads back as the same number, as JSON writes it): 0.125 → 0.13, -0.125 → -0.13, 1.005 → 1.01.
 * The result is the number closest to that decimal, so JSON writes it with at most `decimals` decimals.
 */
export function roundDecimal(value: number, decimals: number): number {
  if (!Number.isFinite(value)) throw new RangeError('only a finite number can be rounded');
  const negative = value < 0;
  const [digits, exponent] = decimalDigits(Math.abs(value));
  // digits × 10^exponent is the value; keep the digits down to 10^-decimals and round on the next one.
  const kept = digits.length + exponent + decimals;
  if (kept < 0) return 0;
  let whole = kept === 0 ? 0n : BigInt(digits.slice(0, kept).padEnd(kept, '0'));
  if (kept < digits.length && digits.charCodeAt(kept) >= 0x35) whole += 1n;
  const rounded = Number(`${whole}e-${decimals}`);
  return negative && rounded !== 0 ? -rounded : rounded;
}

/** The significant digits of a positive number's shortest round-trip form and the power of ten of the last. */
function decimalDigits(value: number): [string, number] {
  const [mantissa = '', power = '0'] = value.toExponential().split('e');
  const [integer, fraction = ''] = mantissa.split('.');
  const digits = `${integer}${fraction}`;
  return [digits, Number(power) - fraction.length];
}

/** The number of Unicode code points of the text in NFC: `café` 4 (however its é is written), `👍` 1, `👍🏽` 2. */
export function textLength(value: string): number {
  return Array.from(value.normalize('NFC')).length;
}

const WHITE_SPACE = /\p{White_Space}+/u;

/**
 * Words: the runs of characters between Unicode White_Space (spaces of every width, tabs, line and
 * paragraph breaks). Punctuation and emoji belong to the run they touch; a text written without
 * spaces (Chinese, Japanese) counts one word per run. `Hello, world!` 2, `🎉` 1, `` 0.
 */
export function wordCount(value: string): number {
  return value.split(WHITE_SPACE).filter((word) => word !== '').length;
}

/**
 * One value at a grain, exactly: `hour` and `day` truncate a date-time (converted to UTC first) to RFC
 * 3339 (`2026-01-05T00:00:00Z`); `1km` and `10km` round a coordinate to 2 and 1 decimals (roundDecimal);
 * `length` and `words` replace a text by its length in code points or its number of words. Undefined when
 * the value cannot be coarsened (not a valid date-time, not a finite number, not a string): the caller
 * leaves the field out rather than pass it at full precision.
 */
export function applyGrain(value: unknown, grain: Grain): string | number | undefined {
  switch (grain) {
    case 'hour':
    case 'day':
      return truncateDateTime(value, grain);
    case '1km':
    case '10km':
      return typeof value === 'number' && Number.isFinite(value) ? roundDecimal(value, grain === '1km' ? 2 : 1) : undefined;
    case 'length':
      return typeof value === 'string' ? textLength(value) : undefined;
    case 'words':
      return typeof value === 'string' ? wordCount(value) : undefined;
  }
}

/** A record projected to its scope fields: `kind`, consented fields, and coarsened ones (a number for a text@length). */
export type GrainedRecord = { kind: RecordKind } & Record<string, unknown>;

/**
 * Keeps `kind` and the consented fields of a record, each at its grain: what the platform's staging,
 * `lockbox run` and `lockbox fixtures` give an analysis. Fields at full precision go through
 * projectRecord (only fields of the kind's schema are ever copied); a field at a grain holds the
 * coarsened value under its own name (`latitude`, never `latitude@1km`), or is left out when its value
 * cannot be coarsened. Throws ScopeFieldError on a scope field the manifest check should have refused.
 */
export function projectRecordWithGrain(record: CanonicalRecord, scopeFields: readonly string[]): GrainedRecord {
  const kind = record.kind;
  const problem = scopeFieldsProblem(kind, scopeFields);
  if (problem !== undefined) throw new ScopeFieldError(problem);
  const whole: string[] = [];
  const grained: ScopeField[] = [];
  for (const scope of scopeFields) {
    const parsed = parseScopeField(scope, kind);
    if (parsed.grain === undefined) whole.push(parsed.field);
    else grained.push(parsed);
  }
  const projected: GrainedRecord = { ...projectRecord(record, whole) };
  const source = record as unknown as Record<string, unknown>;
  for (const { field, grain } of grained) {
    if (!Object.prototype.hasOwnProperty.call(source, field)) continue;
    const value = applyGrain(source[field], grain!);
    if (value !== undefined) projected[field] = value;
  }
  return projected;
}

/** Projects a record for a run's consent scopes, grains applied; undefined when its kind was not consented. */
export function projectForScopesWithGrain(
  record: CanonicalRecord,
  scopes: { readonly [kind: string]: readonly string[] | undefined },
): GrainedRecord | undefined {
  const fields = Object.prototype.hasOwnProperty.call(scopes, record.kind) ? scopes[record.kind] : undefined;
  return fields ? projectRecordWithGrain(record, fields) : undefined;
}

// --- words for people, and the reviewer's flag ---------------------------------------------------------

/**
 * What one scope field gives the analysis, in plain words for the consent screen and the receipt:
 * `latitude@1km` → "your location, rounded to about 1 km"; a sensitive field at full precision says so
 * ("your exact location", "the full text of your messages, including other people's words").
 */
export function describeScope(kind: RecordKind, scope: string): string {
  const { field, grain } = parseScopeField(scope, kind);
  const spec = specOf(kind, field)!;
  if (grain === undefined) return spec.sensitive ?? spec.label;
  return GRAIN_RULES[grain].phrase.replace(/\{label\}/g, spec.label);
}

/**
 * One kind's scope fields in words, in order, each phrase once: `latitude@1km` and `longitude@1km` are
 * one "your location, rounded to about 1 km".
 */
export function describeScopes(kind: RecordKind, scopes: readonly string[]): string[] {
  return [...new Set(scopes.map((scope) => describeScope(kind, scope)))];
}

/** The kind in plain words ("your location history"), for the consent screen's heading of its fields. */
export function describeKind(kind: RecordKind): string {
  return RECORD_KINDS[kind].label;
}

/**
 * Whether a scope field asks at full precision for something that reveals much: a coordinate or place
 * of a location kind, the text of private messages, a search query. The reviewer is shown these, and the
 * consent step marks them. `latitude@1km` is not; `latitude` is.
 */
export function isFullPrecisionSensitive(kind: RecordKind, scope: string): boolean {
  if (!isRecordKind(kind)) return false;
  let parsed: ScopeField;
  try {
    parsed = parseScopeField(scope, kind);
  } catch {
    return false;
  }
  return parsed.grain === undefined && specOf(kind, parsed.field)!.sensitive !== undefined;
}

export interface SensitiveScope {
  kind: RecordKind;
  field: string;
  /** In the consent screen's words, e.g. "your exact location". */
  description: string;
}

/** Every full-precision sensitive scope field of a manifest's scopes, for the submission's report. */
export function fullPrecisionScopes(scopes: { readonly [kind: string]: readonly string[] | undefined }): SensitiveScope[] {
  const found: SensitiveScope[] = [];
  for (const [kind, fields] of Object.entries(scopes)) {
    if (!isRecordKind(kind) || !fields) continue;
    for (const field of fields) {
      if (isFullPrecisionSensitive(kind, field)) found.push({ kind, field, description: describeScope(kind, field) });
    }
  }
  return found;
}
