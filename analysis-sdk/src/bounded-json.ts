// Caps on untrusted JSON (manifests, params, result documents, dataset lines), applied before anything
// else looks at it. A walk that copies the path of every value costs size × depth, and an error list
// grows with every bad value: so the text is scanned first, in one pass without recursion, and refused
// at the first cap it passes; only then is it parsed, and every later walk over the parsed value keeps
// one frame per open container, never a path per value.

export interface JsonCaps {
  /**
   * UTF-8 bytes of the text. For a value already parsed (`measureJson`), the characters of its compact
   * JSON text, escapes aside: a lower bound of its bytes.
   */
  readonly maxBytes: number;
  /** Nesting of arrays and objects: `1` has depth 0, `[]` depth 1, `[[1]]` depth 2. */
  readonly maxDepth: number;
  /** Values of every kind: each object, array, string, number, boolean and null counts one. */
  readonly maxNodes: number;
  /** Characters of one string or key (in a text, as written, escapes included). */
  readonly maxStringLength: number;
  /**
   * The sum over every value of its depth: what a walk holding a copy of each pending value's path
   * would hold. Unlimited when absent (depth × nodes already bounds it).
   */
  readonly maxPathWeight?: number;
}

export type JsonCap = 'bytes' | 'depth' | 'nodes' | 'string' | 'pathWeight';

/** What a scan or a walk did, so tests can assert it is linear. */
export interface JsonCost {
  /** Values seen. */
  nodes: number;
  /** The deepest nesting reached: containers open at once, which is all a scan or walk holds. */
  peakDepth: number;
  /** The sum of the depth of every value seen (see JsonCaps.maxPathWeight). */
  pathWeight: number;
  /** Characters of the text read (0 for a walk over a parsed value). */
  characters: number;
}

export type JsonTextScan =
  | { ok: true; cost: JsonCost }
  | {
      ok: false;
      /** Which cap was passed, or `syntax` for text that is not JSON. */
      problem: JsonCap | 'syntax';
      /** Where the scan stopped, in characters from the start of the text. */
      position: number;
      /** A phrase to follow the document's name: "is nested more than 32 levels deep (at position 33)". */
      message: string;
      cost: JsonCost;
    };

export type JsonTextParse = { ok: true; value: unknown; cost: JsonCost } | Extract<JsonTextScan, { ok: false }>;

export type JsonValueMeasure =
  | { ok: true; cost: JsonCost }
  | {
      ok: false;
      problem: JsonCap;
      /** The path of the value where the walk stopped. */
      path: (string | number)[];
      /** A phrase to follow the document's name, without the location: "is nested more than 32 levels deep". */
      message: string;
      cost: JsonCost;
    };

const ARRAY = 1;
const OBJECT = 2;

// What the scanner expects next.
const VALUE = 0;
const VALUE_OR_CLOSE = 1; // just after "["
const KEY = 2;
const KEY_OR_CLOSE = 3; // just after "{"
const AFTER_VALUE = 4;
const END = 5;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The phrase for a passed cap, e.g. "is nested more than 32 levels deep". */
export function describeJsonCap(problem: JsonCap, caps: JsonCaps): string {
  switch (problem) {
    case 'bytes':
      return `is larger than ${describeSize(caps.maxBytes)}`;
    case 'depth':
      return `is nested more than ${caps.maxDepth} levels deep`;
    case 'nodes':
      return `has more than ${caps.maxNodes} values`;
    case 'string':
      return `has a string longer than ${caps.maxStringLength} characters`;
    case 'pathWeight':
      return `holds too much deeply nested data (the depths of its values add up to more than ${caps.maxPathWeight}): flatten it or make it smaller`;
  }
}

function describeSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * Checks that `text` is one JSON value (RFC 8259, exactly what JSON.parse accepts) within `caps`, in
 * one pass and without recursion: it holds one byte per open container and nothing per value, and
 * stops at the first problem, so a hostile text costs no more than the part of it read.
 */
export function scanJson(text: string, caps: JsonCaps): JsonTextScan {
  const cost: JsonCost = { nodes: 0, peakDepth: 0, pathWeight: 0, characters: 0 };
  const maxPathWeight = caps.maxPathWeight ?? Infinity;
  const fail = (problem: JsonCap | 'syntax', position: number, message: string): JsonTextScan => {
    cost.characters = Math.min(position + 1, text.length);
    return { ok: false, problem, position, message, cost };
  };
  const capPassed = (problem: JsonCap, position: number) => fail(problem, position, `${describeJsonCap(problem, caps)} (at position ${position})`);
  const unexpected = (position: number) =>
    position >= text.length
      ? fail('syntax', text.length, 'is not valid JSON: it ends too early')
      : fail('syntax', position, `is not valid JSON: unexpected ${JSON.stringify(text.charAt(position))} at position ${position}`);

  // Bytes before anything is read: counting them allocates nothing.
  if (Buffer.byteLength(text, 'utf8') > caps.maxBytes) return capPassed('bytes', 0);

  const open = new Uint8Array(caps.maxDepth + 1);
  let depth = 0;
  let state = VALUE;
  let i = 0;
  const length = text.length;
  const afterValue = () => (depth === 0 ? END : AFTER_VALUE);

  for (;;) {
    while (i < length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    if (state === END) {
      if (i < length) return fail('syntax', i, `is not valid JSON: unexpected ${JSON.stringify(text.charAt(i))} after the end of the value, at position ${i}`);
      break;
    }
    if (i >= length) return unexpected(i);
    const c = text.charCodeAt(i);

    if (state === AFTER_VALUE) {
      const container = open[depth];
      if (c === 0x2c /* , */) {
        i++;
        state = container === ARRAY ? VALUE : KEY;
      } else if ((container === ARRAY && c === 0x5d) /* ] */ || (container === OBJECT && c === 0x7d) /* } */) {
        i++;
        depth--;
        state = afterValue();
      } else {
        return unexpected(i);
      }
      continue;
    }

    if (state === KEY || state === KEY_OR_CLOSE) {
      if (state === KEY_OR_CLOSE && c === 0x7d) {
        i++;
        depth--;
        state = afterValue();
        continue;
      }
      if (c !== QUOTE) return unexpected(i);
      const end = scanString(text, i, caps.maxStringLength);
      if (end === STRING_TOO_LONG) return capPassed('string', i);
      if (end < 0) return unexpected(-end);
      i = end;
      while (i < length && isWhitespace(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) !== 0x3a /* : */) return unexpected(i);
      i++;
      state = VALUE;
      continue;
    }

    // VALUE or VALUE_OR_CLOSE: a value starts here (or, just after "[", the array ends).
    if (state === VALUE_OR_CLOSE && c === 0x5d) {
      i++;
      depth--;
      state = afterValue();
      continue;
    }
    if (++cost.nodes > caps.maxNodes) return capPassed('nodes', i);
    cost.pathWeight += depth;
    if (cost.pathWeight > maxPathWeight) return capPassed('pathWeight', i);
    if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (depth === caps.maxDepth) return capPassed('depth', i);
      depth++;
      open[depth] = c === 0x5b ? ARRAY : OBJECT;
      if (depth > cost.peakDepth) cost.peakDepth = depth;
      i++;
      state = c === 0x5b ? VALUE_OR_CLOSE : KEY_OR_CLOSE;
      continue;
    }
    let end: number;
    if (c === QUOTE) {
      end = scanString(text, i, caps.maxStringLength);
      if (end === STRING_TOO_LONG) return capPassed('string', i);
    } else if (c === 0x2d /* - */ || isDigit(c)) {
      end = scanNumber(text, i);
    } else if (c === 0x74 /* t */) {
      end = text.startsWith('true', i) ? i + 4 : -(i + literalMismatch(text, i, 'true'));
    } else if (c === 0x66 /* f */) {
      end = text.startsWith('false', i) ? i + 5 : -(i + literalMismatch(text, i, 'false'));
    } else if (c === 0x6e /* n */) {
      end = text.startsWith('null', i) ? i + 4 : -(i + literalMismatch(text, i, 'null'));
    } else {
      return unexpected(i);
    }
    if (end < 0) return unexpected(-end);
    i = end;
    state = afterValue();
  }
  cost.characters = i;
  return { ok: true, cost };
}

/** `scanJson`, then JSON.parse: the parse only ever sees text within the caps. */
export function parseJson(text: string, caps: JsonCaps): JsonTextParse {
  const scan = scanJson(text, caps);
  if (!scan.ok) return scan;
  try {
    return { ok: true, value: JSON.parse(text) as unknown, cost: scan.cost };
  } catch (error) {
    // The scanner accepts exactly what JSON.parse does; this is only a second line.
    return {
      ok: false,
      problem: 'syntax',
      position: 0,
      message: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      cost: scan.cost,
    };
  }
}

const STRING_TOO_LONG = -Infinity;
// Characters a JSON string holds as they are: not a quote, a backslash or a control character.
// eslint-disable-next-line no-control-regex -- control characters are exactly what it must stop at
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;

/**
 * From the opening quote at `start`, the index after the closing quote; minus the index of the
 * offending character when the string is not valid JSON; STRING_TOO_LONG past `maxLength`.
 */
function scanString(text: string, start: number, maxLength: number): number {
  const length = text.length;
  const limit = start + 1 + maxLength;
  let i = start + 1;
  while (i < length) {
    // Runs of plain characters in one native step (a sticky character class: linear, no backtracking).
    PLAIN_RUN.lastIndex = i;
    PLAIN_RUN.test(text);
    i = PLAIN_RUN.lastIndex;
    if (i > limit) return STRING_TOO_LONG;
    if (i >= length) break;
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -i;
    const escaped = text.charCodeAt(i + 1);
    if (escaped === 0x75 /* u */) {
      for (let h = 2; h < 6; h++) if (!isHexDigit(text.charCodeAt(i + h))) return -Math.min(i + h, length);
      i += 6;
    } else if (
      escaped === QUOTE ||
      escaped === BACKSLASH ||
      escaped === 0x2f /* / */ ||
      escaped === 0x62 /* b */ ||
      escaped === 0x66 /* f */ ||
      escaped === 0x6e /* n */ ||
      escaped === 0x72 /* r */ ||
      escaped === 0x74 /* t */
    ) {
      i += 2;
    } else {
      return -Math.min(i + 1, length);
    }
  }
  return -length;
}

/** From `start`, the index after the number; minus the offending index when it is not a JSON number. */
function scanNumber(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === 0x2d) i++;
  const first = text.charCodeAt(i);
  if (first === 0x30 /* 0 */) i++;
  else if (isDigit(first) && first !== 0x30) while (isDigit(text.charCodeAt(i))) i++;
  else return -Math.min(i, text.length);
  if (text.charCodeAt(i) === 0x2e /* . */) {
    i++;
    if (!isDigit(text.charCodeAt(i))) return -Math.min(i, text.length);
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 /* e */ || e === 0x45 /* E */) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 0x2b /* + */ || sign === 0x2d) i++;
    if (!isDigit(text.charCodeAt(i))) return -Math.min(i, text.length);
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

function literalMismatch(text: string, start: number, literal: string): number {
  let k = 0;
  while (k < literal.length && text.charCodeAt(start + k) === literal.charCodeAt(k)) k++;
  return Math.min(k, text.length - start);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Where a walk is: how deep, and the path of the value being visited, built only when asked for. */
export interface JsonCursor {
  /** Containers enclosing the value being visited (0 for the root). */
  readonly depth: number;
  /** The path of the value being visited: costs its depth, so call it only for a value you report. */
  path(): (string | number)[];
}

/** Return false to stop the walk. `key` is the value's key or index in its parent (undefined for the root). */
export type JsonVisitor = (value: unknown, key: string | number | undefined, at: JsonCursor) => boolean | void;

interface Frame {
  readonly container: object;
  /** An object's keys; undefined for an array. */
  readonly keys: string[] | undefined;
  readonly length: number;
  /** The index of the next child to visit. */
  next: number;
}

/**
 * Visits every value of a parsed document depth-first, in document order, without recursion: the walk
 * holds one frame per open container (its own index in it, never a copy of the path), and `at.path()`
 * builds the path of the current value from the frames. Returns what it did; `stopped` when the
 * visitor returned false.
 */
export function walkJson(root: unknown, visit: JsonVisitor): { stopped: boolean; cost: JsonCost } {
  const frames: Frame[] = [];
  const cost: JsonCost = { nodes: 0, peakDepth: 0, pathWeight: 0, characters: 0 };
  const cursor: JsonCursor = {
    get depth() {
      return frames.length;
    },
    path: () => frames.map((frame) => (frame.keys ? frame.keys[frame.next - 1]! : frame.next - 1)),
  };
  const enter = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    const keys = Array.isArray(value) ? undefined : Object.keys(value);
    frames.push({ container: value, keys, length: keys ? keys.length : (value as unknown[]).length, next: 0 });
    if (frames.length > cost.peakDepth) cost.peakDepth = frames.length;
  };

  cost.nodes++;
  if (visit(root, undefined, cursor) === false) return { stopped: true, cost };
  enter(root);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    if (frame.next === frame.length) {
      frames.pop();
      continue;
    }
    const index = frame.next++;
    const key = frame.keys ? frame.keys[index]! : index;
    const value = (frame.container as Record<string | number, unknown>)[key];
    cost.nodes++;
    cost.pathWeight += frames.length;
    if (visit(value, key, cursor) === false) return { stopped: true, cost };
    enter(value);
  }
  return { stopped: false, cost };
}

/**
 * Checks an already parsed value against the caps, stopping at the first one passed without visiting
 * further. For values that did not come through `parseJson`: a manifest read back from the database,
 * params in a request body, a result built in code, a cyclic object (stopped by the node cap).
 */
export function measureJson(value: unknown, caps: JsonCaps): JsonValueMeasure {
  let problem: JsonCap | undefined;
  let path: (string | number)[] = [];
  const maxPathWeight = caps.maxPathWeight ?? Infinity;
  let pathWeight = 0;
  let nodes = 0;
  let characters = 0;
  const walk = walkJson(value, (node, key, at) => {
    if (++nodes > caps.maxNodes) problem = 'nodes';
    else if ((pathWeight += at.depth) > maxPathWeight) problem = 'pathWeight';
    else if ((typeof key === 'string' && key.length > caps.maxStringLength) || (typeof node === 'string' && node.length > caps.maxStringLength))
      problem = 'string';
    else if (node !== null && typeof node === 'object' && at.depth + 1 > caps.maxDepth) problem = 'depth';
    else {
      // Quotes and colon of a key, the comma before an item; the commas between members are not counted.
      characters += jsonLength(node) + (typeof key === 'string' ? key.length + 3 : typeof key === 'number' && key > 0 ? 1 : 0);
      if (characters > caps.maxBytes) problem = 'bytes';
    }
    if (problem === undefined) return true;
    path = at.path();
    return false;
  });
  if (problem === undefined) return { ok: true, cost: walk.cost };
  return { ok: false, problem, path, message: describeJsonCap(problem, caps), cost: walk.cost };
}

/**
 * Characters of a value's own compact JSON (its children counted apart), escapes aside, and a number
 * counted as one digit: never more than JSON.stringify writes.
 */
function jsonLength(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return 1;
    case 'boolean':
      return value ? 4 : 5;
    case 'object':
      return value === null ? 4 : 2;
    default:
      return 0;
  }
}
