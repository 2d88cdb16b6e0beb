// Values parsed from an upload are looked up by own property only: a key such as `constructor` or
// `__proto__` in someone's file must never reach into Object.prototype.
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function own(value: unknown, key: string): unknown {
  return isObject(value) && Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
}

export function ownString(value: unknown, key: string): string | undefined {
  const found = own(value, key);
  return typeof found === 'string' ? found : undefined;
}

export function ownArray(value: unknown, key: string): unknown[] {
  const found = isObject(value) && Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
  return Array.isArray(found) ? found : [];
}

/** A count that exports write as a string ("12") or a number; undefined unless a whole number ≥ 0. */
export function parseCount(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** An object without its undefined properties (a record lists only the fields the export has). */
export function definedOnly<T extends JsonObject>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
