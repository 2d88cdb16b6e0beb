// Every timestamp leaves as RFC 3339 in UTC: `2020-06-06T13:02:35Z`, with milliseconds only when the
// source has them. A date that does not exist (30 February, hour 24) is refused, never rolled over.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const X_CREATED_AT =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const UTC_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?: UTC)?$/;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const MIN_MS = Date.UTC(1900, 0, 1);

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Minutes east of UTC. */
  offset: number;
}

function toRfc3339({ year, month, day, hour, minute, second, millisecond, offset }: Parts): string | undefined {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const check = new Date(local);
  // Date.UTC rolls 30 February over into March: refuse instead.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return fromEpochMs(local - offset * 60_000);
}

/** Epoch milliseconds as RFC 3339 UTC; undefined outside 1900–9999. */
export function fromEpochMs(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return undefined;
  const iso = new Date(Math.trunc(ms)).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** X's `created_at`: `Sat Jun 06 13:02:35 +0000 2020`. */
export function parseXCreatedAt(value: string): string | undefined {
  const match = X_CREATED_AT.exec(value);
  if (!match) return undefined;
  const [, month, day, hour, minute, second, sign, offsetHours, offsetMinutes, year] = match;
  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes));
  return toRfc3339({
    year: Number(year),
    month: MONTHS.indexOf(month!) + 1,
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
    millisecond: 0,
    offset,
  });
}

/** An ISO 8601 / RFC 3339 date-time with a zone: `2020-01-20T21:42:09.068Z`, `2026-01-05T18:20:00+01:00`. */
export function parseIsoTimestamp(value: string): string | undefined {
  const match = ISO.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const offset = zulu ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes));
  const millisecond = fraction ? Number(fraction.padEnd(3, '0').slice(0, 3)) : 0;
  return toRfc3339({
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
    millisecond,
    offset,
  });
}

/** A date and time in UTC without a zone, as Reddit writes it: `2014-08-27 00:59:46 UTC`. */
export function parseUtcDateTime(value: string): string | undefined {
  const match = UTC_DATETIME.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match;
  return toRfc3339({
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
    millisecond: 0,
    offset: 0,
  });
}

/** Seconds (or milliseconds) since 1970 as a number or a string of digits. */
export function parseEpoch(value: unknown, unit: 'seconds' | 'milliseconds'): string | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,16}(\.\d+)?$/.test(value) ? Number(value) : NaN;
  return fromEpochMs(unit === 'seconds' ? number * 1000 : number);
}
