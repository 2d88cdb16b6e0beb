// Facebook and Instagram write JSON with every UTF-8 byte of a non-ASCII character as its own \u00XX
// escape ("ø" is "\u00c3\u00b8"), pretty-printed with two spaces. This writes test data the same way.

function escapeBytes(character: string): string {
  return [...Buffer.from(character, 'utf8')].map((byte) => `\\u00${byte.toString(16).padStart(2, '0')}`).join('');
}

/** `value` as Meta writes it: JSON with two-space indentation and each non-ASCII byte escaped. */
export function metaJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u0080-\u{10ffff}]/gu, escapeBytes);
}

/** Seconds since 1970 of an ISO date-time, as Meta's `timestamp`. */
export const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;
