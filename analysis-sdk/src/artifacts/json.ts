// A JSON artifact must be JSON text by its bytes. Checked by a scanner over the bytes that builds nothing:
// JSON.parse of tens of MiB would build objects many times that size in the worker's memory.

const MAX_DEPTH = 1000;
const [OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COMMA, COLON, QUOTE, BACKSLASH, MINUS, PLUS, DOT] = [
  0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x22, 0x5c, 0x2d, 0x2b, 0x2e,
];
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const SIMPLE_ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));
const LITERALS = ['true', 'false', 'null'].map((word) => Buffer.from(word));

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end';

/**
 * Returns why `bytes` (already known to be UTF-8) are not one JSON value (RFC 8259), or undefined.
 * Nesting deeper than 1,000 levels is refused.
 */
export function checkJsonBytes(bytes: Buffer): string | undefined {
  // The open containers, as their opening byte; `expect` says what may come next.
  const open: number[] = [];
  let expect: Expect = 'value';
  let i = 0;
  const fail = (what: string) => `is not valid JSON: ${what} at byte ${i}`;
  const afterValue = (): Expect => (open.length === 0 ? 'end' : 'comma-or-close');
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (WHITESPACE.has(c)) {
      i++;
      continue;
    }
    if (expect === 'end') return fail('unexpected text after the value');
    if (expect === 'colon') {
      if (c !== COLON) return fail('expected ":"');
      expect = 'value';
      i++;
      continue;
    }
    const top = open[open.length - 1];
    if (expect === 'comma-or-close') {
      if (c === COMMA) expect = top === OPEN_OBJECT ? 'key' : 'value';
      else if ((c === CLOSE_OBJECT && top === OPEN_OBJECT) || (c === CLOSE_ARRAY && top === OPEN_ARRAY)) {
        open.pop();
        expect = afterValue();
      } else return fail('expected "," or the end of the object or array');
      i++;
      continue;
    }
    if ((c === CLOSE_OBJECT && expect === 'key-or-close') || (c === CLOSE_ARRAY && expect === 'value-or-close')) {
      open.pop();
      expect = afterValue();
      i++;
      continue;
    }
    if (expect === 'key' || expect === 'key-or-close') {
      if (c !== QUOTE) return fail('expected a string key');
      const end = stringEnd(bytes, i);
      if (end < 0) return fail('an unterminated or invalid string');
      i = end;
      expect = 'colon';
      continue;
    }
    // A value.
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (open.length >= MAX_DEPTH) return fail(`nesting deeper than ${MAX_DEPTH} levels`);
      open.push(c);
      expect = c === OPEN_OBJECT ? 'key-or-close' : 'value-or-close';
      i++;
      continue;
    }
    const end = c === QUOTE ? stringEnd(bytes, i) : c === MINUS || isDigit(c) ? numberEnd(bytes, i) : literalEnd(bytes, i);
    if (end < 0) return fail(c === QUOTE ? 'an unterminated or invalid string' : 'an unexpected character');
    i = end;
    expect = afterValue();
  }
  return expect === 'end' ? undefined : 'is not valid JSON: it ends before its value does';
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const isHex = (c: number | undefined) => c !== undefined && (isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));

/** The index after the string starting at `start` (a '"'), or -1 when it is unterminated or invalid. */
function stringEnd(bytes: Buffer, start: number): number {
  let i = start + 1;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const escaped = bytes[i + 1];
      if (escaped === 0x75) {
        if (![2, 3, 4, 5].every((k) => isHex(bytes[i + k]))) return -1;
        i += 6;
      } else if (escaped !== undefined && SIMPLE_ESCAPES.has(escaped)) i += 2;
      else return -1;
      continue;
    }
    i++;
  }
  return -1;
}

/** The index after the number starting at `start`: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?, or -1. */
function numberEnd(bytes: Buffer, start: number): number {
  let i = start;
  if (bytes[i] === MINUS) i++;
  if (bytes[i] === 0x30) i++;
  else if (isDigit(bytes[i])) while (isDigit(bytes[i])) i++;
  else return -1;
  if (bytes[i] === DOT) {
    i++;
    if (!isDigit(bytes[i])) return -1;
    while (isDigit(bytes[i])) i++;
  }
  if (bytes[i] === 0x65 || bytes[i] === 0x45) {
    i++;
    if (bytes[i] === PLUS || bytes[i] === MINUS) i++;
    if (!isDigit(bytes[i])) return -1;
    while (isDigit(bytes[i])) i++;
  }
  return i;
}

function literalEnd(bytes: Buffer, start: number): number {
  const literal = LITERALS.find((word) => bytes.subarray(start, start + word.length).equals(word));
  return literal ? start + literal.length : -1;
}
