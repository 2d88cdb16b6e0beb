import { FileFault, type SkipReason } from '../faults';
import { describeBytes } from '../limits';
import type { BufferGauge } from './buffer-gauge';

/**
 * Where the wanted elements are, from the root: `'*'` is any index of an array, any other string a key of
 * an object. `['*']` gives each element of a root array; `['*', 'dmConversation', 'messages', '*']` gives
 * each message of each conversation, without ever holding a whole conversation; `['locations', '*']` each
 * element of the array under a root object's `locations` key.
 */
export type JsonPath = readonly string[];

export type JsonElement =
  { ok: true; value: unknown; at: readonly number[]; path?: number } | { ok: false; reason: SkipReason; message: string; at: readonly number[]; path?: number };

export interface JsonElementOptions {
  /** One path to the elements. */
  path?: JsonPath;
  /**
   * Or several, for a file whose vintages put the elements in different places (`['comments_v2', '*']`,
   * `['comments', '*']`); each element then carries `path`, the index of the path it was found at.
   */
  paths?: readonly JsonPath[];
  maxElementBytes: number;
  /** Nesting of arrays and objects: around the elements (deeper fails the file), and within one (that element is skipped). */
  maxDepth: number;
  gauge?: BufferGauge;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;
const SEMICOLON = 0x3b;
const MAX_KEY_BYTES = 256;

const BEFORE_ROOT = 0;
const STRUCTURE = 1;
const STRING = 2;
const CAPTURE_STRUCTURE = 3;
const CAPTURE_STRING = 4;
const CAPTURE_PRIMITIVE = 5;
const AFTER_ROOT = 6;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function isDelimiter(byte: number): boolean {
  return byte === COMMA || byte === CLOSE_ARRAY || byte === CLOSE_OBJECT || isWhitespace(byte);
}

/** An array or object around the elements, outside any element being captured. */
interface Frame {
  isArray: boolean;
  /** The paths this container is on the way along (indexes into the paths); empty when on none. */
  alive: readonly number[];
  /** Arrays: the index of the current element. */
  index: number;
  /** Objects on the path: the last key read. */
  key: string | undefined;
  /** Objects: the next string is a key. */
  expectKey: boolean;
}

interface Capture {
  kind: 'container' | 'string' | 'primitive';
  depth: number;
  chunks: Buffer[];
  bytes: number;
  /** Why the element is scanned to its end without being kept, once it is known. */
  dropped?: 'element_too_large' | 'too_deep';
  /** Where the capture's bytes start in the current chunk. */
  from: number;
  at: number[];
  path: number;
}

const NO_PATHS: readonly number[] = [];

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseElement(bytes: Buffer, at: number[]): JsonElement {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'invalid_utf8', message: 'the element is not valid UTF-8', at };
  }
  try {
    return { ok: true, value: JSON.parse(text), at };
  } catch {
    return { ok: false, reason: 'invalid_json', message: 'the element is not valid JSON', at };
  }
}

function describePaths(paths: readonly JsonPath[]): string {
  const keys = [...new Set(paths.map((path) => path[0]).filter((segment) => segment !== '*'))];
  return keys.map((key) => JSON.stringify(key)).join(' or ');
}

/**
 * A byte-level scanner over a JSON document whose root is an array or an object. It tracks only the
 * structure around the wanted elements (brackets, strings and the keys on the paths) and copies out each
 * wanted element's bytes, up to `maxElementBytes`: a bigger element, or one nested deeper than `maxDepth`,
 * is scanned to its end without being kept, and skipped. Nothing is ever evaluated; each element is handed
 * to JSON.parse, never nested deeper than `maxDepth`. UTF-8 needs no decoding to scan: no byte of a
 * multi-byte character can look like a quote or a bracket.
 */
class JsonElementScanner {
  private mode = BEFORE_ROOT;
  private readonly frames: Frame[] = [];
  private capture: Capture | undefined;
  /** Backslashes that ended the previous chunk inside a string: they may escape this chunk's first quote. */
  private carriedBackslashes = 0;
  private keyParts: Buffer[] | undefined;
  private keyBytes = 0;
  private semicolonSeen = false;
  /** A fault found after elements of the same chunk: thrown once they are handed over. */
  private fault: FileFault | undefined;
  private readonly paths: readonly JsonPath[];
  private rootIsObject = false;
  /** Whether a root object had a key that starts one of the paths. */
  private rootKeyFound = false;

  constructor(private readonly options: JsonElementOptions) {
    this.paths = options.paths ?? (options.path ? [options.path] : []);
    if (this.paths.length === 0 || this.paths.some((path) => path.length === 0)) throw new Error('a JSON element scanner needs at least one non-empty path');
  }

  /**
   * Scans one chunk; returns the elements it completed. Throws FileFault when the document is unusable;
   * elements the chunk completed before the fault are returned first, and the fault thrown next.
   */
  push(chunk: Buffer): JsonElement[] {
    if (this.fault) throw this.fault;
    const out: JsonElement[] = [];
    try {
      this.scan(chunk, out);
    } catch (error) {
      if (!(error instanceof FileFault) || out.length === 0) throw error;
      this.fault = error;
    }
    return out;
  }

  private scan(chunk: Buffer, out: JsonElement[]): void {
    let i = 0;
    const n = chunk.length;
    // Each step is called with i < n, so chunk[i] is a byte; outside BEFORE_ROOT and AFTER_ROOT a frame is open.
    while (i < n) {
      switch (this.mode) {
        case BEFORE_ROOT:
          i = this.beforeRoot(chunk, i);
          break;
        case STRUCTURE:
          i = this.structure(chunk, i);
          break;
        case STRING:
          i = this.skipString(chunk, i);
          break;
        case CAPTURE_STRUCTURE:
          i = this.captureStructure(chunk, i, out);
          break;
        case CAPTURE_STRING:
          i = this.captureString(chunk, i, out);
          break;
        case CAPTURE_PRIMITIVE:
          i = this.capturePrimitive(chunk, i, out);
          break;
        default:
          i = this.afterRoot(chunk, i);
      }
    }
    if (this.capture) {
      this.keep(chunk, this.capture.from, n);
      this.capture.from = 0;
    }
  }

  /** Called after the last chunk: the root array must have been closed. */
  end(): void {
    if (this.fault) throw this.fault;
    const what = this.acceptsObject() ? 'JSON' : 'JSON array';
    if (this.mode === BEFORE_ROOT) throw new FileFault('not_parseable', `the file holds no ${what}`);
    if (this.mode !== AFTER_ROOT) throw new FileFault('not_parseable', `the file ends before its ${what} is closed`);
    if (this.rootIsObject && !this.rootKeyFound) throw new FileFault('not_parseable', `the JSON object has no ${describePaths(this.paths)}`);
  }

  private acceptsObject(): boolean {
    return this.paths.some((path) => path[0] !== '*');
  }

  private beforeRoot(chunk: Buffer, i: number): number {
    const byte = chunk[i]!;
    if (isWhitespace(byte)) return i + 1;
    const isArray = byte === OPEN_ARRAY;
    if (!isArray && (byte !== OPEN_OBJECT || !this.acceptsObject())) {
      throw new FileFault('not_parseable', this.acceptsObject() ? 'the content is not JSON' : 'the content is not a JSON array');
    }
    const alive = this.paths.flatMap((path, index) => ((path[0] === '*') === isArray ? [index] : []));
    if (alive.length === 0) throw new FileFault('not_parseable', `the content is a JSON array, not an object with ${describePaths(this.paths)}`);
    this.rootIsObject = !isArray;
    this.frames.push({ isArray, alive, index: 0, key: undefined, expectKey: !isArray });
    this.mode = STRUCTURE;
    return i + 1;
  }

  private afterRoot(chunk: Buffer, i: number): number {
    const byte = chunk[i]!;
    if (isWhitespace(byte)) return i + 1;
    if (byte === SEMICOLON && !this.semicolonSeen) {
      this.semicolonSeen = true;
      return i + 1;
    }
    throw new FileFault('not_parseable', 'there is content after the JSON array');
  }

  private structure(chunk: Buffer, from: number): number {
    let i = from;
    while (i < chunk.length && isWhitespace(chunk[i]!)) i++;
    if (i === chunk.length) return i;
    const byte = chunk[i]!;
    const frame = this.frames[this.frames.length - 1]!;
    switch (byte) {
      case COMMA:
        if (frame.isArray) frame.index++;
        else frame.expectKey = true;
        return i + 1;
      case COLON:
        frame.expectKey = false;
        return i + 1;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        if ((byte === CLOSE_ARRAY) !== frame.isArray) throw new FileFault('not_parseable', 'the JSON brackets do not match');
        this.frames.pop();
        if (this.frames.length === 0) this.mode = AFTER_ROOT;
        return i + 1;
      case QUOTE:
        if (!frame.isArray && frame.expectKey) return this.startKey(frame, i + 1);
        return this.startValue(chunk, i, 'string');
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        return this.startValue(chunk, i, 'container');
      default:
        return this.startValue(chunk, i, 'primitive');
    }
  }

  /** The paths that go on through the current value of `parent`, at `depth`. */
  private matching(parent: Frame, depth: number): readonly number[] {
    if (parent.alive.length === 0) return NO_PATHS;
    const matched = parent.alive.filter((index) => {
      const segment = this.paths[index]?.[depth - 1];
      return segment !== undefined && (parent.isArray ? segment === '*' : segment === parent.key);
    });
    if (matched.length > 0 && depth === 1 && !parent.isArray) this.rootKeyFound = true;
    return matched;
  }

  /** A value begins at `i`: capture it if it is a wanted element, else track or skip it. */
  private startValue(chunk: Buffer, i: number, kind: Capture['kind']): number {
    const { maxDepth } = this.options;
    const parent = this.frames[this.frames.length - 1]!;
    const depth = this.frames.length;
    const matched = this.matching(parent, depth);
    const complete = matched.find((index) => this.paths[index]?.length === depth);
    if (complete !== undefined) {
      this.capture = { kind, depth: 0, chunks: [], bytes: 0, from: i, at: this.elementAt(), path: complete };
      if (kind === 'container') {
        this.capture.depth = 1;
        this.mode = CAPTURE_STRUCTURE;
      } else if (kind === 'string') {
        this.carriedBackslashes = 0;
        this.mode = CAPTURE_STRING;
      } else {
        this.mode = CAPTURE_PRIMITIVE;
      }
      return i + 1;
    }
    if (kind === 'container') {
      if (this.frames.length >= maxDepth) throw new FileFault('too_deep', `the JSON nests deeper than ${maxDepth} levels`);
      const isArray = chunk[i] === OPEN_ARRAY;
      const alive = matched.length === 0 ? NO_PATHS : matched.filter((index) => this.paths[index]!.length > depth);
      this.frames.push({ isArray, alive, index: 0, key: undefined, expectKey: !isArray });
    } else if (kind === 'string') {
      this.carriedBackslashes = 0;
      this.mode = STRING;
    }
    // A primitive outside the wanted elements is passed over byte by byte: it holds no structure.
    return i + 1;
  }

  /** The element's place: its index in each array on the path, outermost first. */
  private elementAt(): number[] {
    const at: number[] = [];
    for (const frame of this.frames) if (frame.isArray && frame.alive.length > 0) at.push(frame.index);
    return at;
  }

  private startKey(frame: Frame, i: number): number {
    this.carriedBackslashes = 0;
    this.keyParts = frame.alive.length > 0 ? [] : undefined;
    this.keyBytes = 0;
    this.mode = STRING;
    return i;
  }

  /** Passes over a string outside the wanted elements; a key on the path is kept (it is short). */
  private skipString(chunk: Buffer, i: number): number {
    const end = this.stringEnd(chunk, i);
    const stop = end === -1 ? chunk.length : end - 1;
    if (this.keyParts && this.keyBytes + (stop - i) <= MAX_KEY_BYTES) this.keyParts.push(chunk.subarray(i, stop));
    this.keyBytes += stop - i;
    if (end === -1) return chunk.length;
    this.mode = STRUCTURE;
    const frame = this.frames[this.frames.length - 1]!;
    if (!frame.isArray && frame.expectKey) {
      frame.key = this.keyParts && this.keyBytes <= MAX_KEY_BYTES ? decodeKey(Buffer.concat(this.keyParts)) : undefined;
      frame.expectKey = false;
      this.keyParts = undefined;
    }
    return end;
  }

  private captureStructure(chunk: Buffer, i: number, out: JsonElement[]): number {
    const capture = this.capture!;
    for (let at = i; at < chunk.length; at++) {
      const byte = chunk[at];
      if (byte === QUOTE) {
        this.carriedBackslashes = 0;
        this.mode = CAPTURE_STRING;
        return at + 1;
      }
      if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        capture.depth++;
        // The element is handed to JSON.parse and walked by parsers: never nested past the cap.
        if (capture.dropped === undefined && this.frames.length + capture.depth > this.options.maxDepth) this.drop(capture, 'too_deep');
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        capture.depth--;
        if (capture.depth === 0) return this.finish(chunk, at + 1, out);
      }
    }
    return chunk.length;
  }

  private captureString(chunk: Buffer, i: number, out: JsonElement[]): number {
    const end = this.stringEnd(chunk, i);
    if (end === -1) return chunk.length;
    if (this.capture!.kind === 'string') return this.finish(chunk, end, out);
    this.mode = CAPTURE_STRUCTURE;
    return end;
  }

  private capturePrimitive(chunk: Buffer, i: number, out: JsonElement[]): number {
    for (let at = i; at < chunk.length; at++) {
      if (isDelimiter(chunk[at]!)) {
        this.finish(chunk, at, out);
        return at;
      }
    }
    return chunk.length;
  }

  /**
   * Just past the closing quote of the string being read from `from`, or -1 when the chunk ends first.
   * A quote is escaped when an odd run of backslashes precedes it, possibly carried from the last chunk.
   */
  private stringEnd(chunk: Buffer, from: number): number {
    let searchFrom = from;
    for (;;) {
      const quote = chunk.indexOf(QUOTE, searchFrom);
      if (quote === -1) {
        this.carriedBackslashes = backslashRun(chunk, from, chunk.length, this.carriedBackslashes);
        return -1;
      }
      if (backslashRun(chunk, from, quote, this.carriedBackslashes) % 2 === 0) {
        this.carriedBackslashes = 0;
        return quote + 1;
      }
      searchFrom = quote + 1;
    }
  }

  private drop(capture: Capture, why: NonNullable<Capture['dropped']>): void {
    capture.dropped = why;
    capture.chunks = [];
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    const capture = this.capture!;
    capture.bytes += to - from;
    if (capture.dropped !== undefined) return;
    if (capture.bytes > this.options.maxElementBytes) {
      this.drop(capture, 'element_too_large');
      return;
    }
    if (to > from) capture.chunks.push(chunk.subarray(from, to));
    this.options.gauge?.observe(capture.bytes);
  }

  private finish(chunk: Buffer, end: number, out: JsonElement[]): number {
    this.keep(chunk, this.capture!.from, end);
    const { chunks, dropped, bytes, at, path } = this.capture!;
    this.capture = undefined;
    this.mode = STRUCTURE;
    let element: JsonElement;
    if (dropped === 'element_too_large') {
      element = { ok: false, reason: dropped, message: `the element is ${describeBytes(bytes)}, more than ${describeBytes(this.options.maxElementBytes)}`, at };
    } else if (dropped === 'too_deep') {
      element = { ok: false, reason: dropped, message: `the element nests deeper than ${this.options.maxDepth} levels`, at };
    } else {
      element = parseElement(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), at);
    }
    if (this.options.paths !== undefined) element.path = path;
    out.push(element);
    return end;
  }
}

/** Backslashes immediately before `to`, counting back to `from`, plus `carried` when the run reaches `from`. */
function backslashRun(chunk: Buffer, from: number, to: number, carried: number): number {
  let at = to - 1;
  while (at >= from && chunk[at] === BACKSLASH) at--;
  const run = to - 1 - at;
  return at < from ? run + carried : run;
}

function decodeKey(bytes: Buffer): string | undefined {
  try {
    const key: unknown = JSON.parse(`"${utf8.decode(bytes)}"`);
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The wanted elements of a JSON document streamed in chunks. Throws FileFault when the document is unusable. */
export async function* readJsonElements(input: AsyncIterable<Buffer>, options: JsonElementOptions): AsyncGenerator<JsonElement> {
  const scanner = new JsonElementScanner(options);
  for await (const chunk of input) yield* scanner.push(chunk);
  scanner.end();
}
