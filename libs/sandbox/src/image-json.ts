// Reads the tarball's JSON documents (manifest.json, index.json, oci-layout, OCI manifests and indexes, the
// image config) so that the value seen here is the value Docker's Go code (encoding/json) sees.
//
// JSON.parse and encoding/json agree on every document except those this module refuses:
// - a key twice in one object: JavaScript keeps the last value, while Go decodes each occurrence into the
//   same field in turn, so objects and maps merge ({"config":{"Volumes":…},"config":{}} keeps the volume);
// - two keys that differ only in case: Go matches struct fields case-insensitively, so "Volumes" and
//   "volumes" fill one field. Refused in every object, map-typed ones (Labels, annotations) included:
//   telling them apart would mean knowing Go's types here, and real images never need both spellings;
// - invalid UTF-8 and escaped lone surrogates ("\ud800"): Go replaces them with U+FFFD, JavaScript keeps
//   the surrogate, so two keys distinct here could be one key to Go.
// The scan is linear in the document's length; documents over IMAGE_JSON_MAX_BYTES and nesting deeper than
// IMAGE_JSON_MAX_DEPTH are refused, so a hostile document costs at most one pass over a megabyte.
import { foldCase, quoteName } from './image-intake-rules';

/** manifest.json, index.json, OCI manifests and configs are small (a few KiB). */
export const IMAGE_JSON_MAX_BYTES = 1024 * 1024;
/** Real manifests and configs nest 5 levels at most. */
const IMAGE_JSON_MAX_DEPTH = 64;

export type ImageJsonProblemKind = 'size' | 'encoding' | 'syntax' | 'depth' | 'duplicate_key';

export interface ImageJsonProblem {
  kind: ImageJsonProblemKind;
  message: string;
}

export type ImageJsonResult = { value: unknown; problem?: undefined } | { value?: undefined; problem: ImageJsonProblem };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses `bytes` as JSON, refusing what encoding/json would read differently (see the module comment). */
export function parseImageJson(bytes: Buffer): ImageJsonResult {
  if (bytes.length > IMAGE_JSON_MAX_BYTES) return { problem: { kind: 'size', message: `has ${bytes.length} bytes; JSON documents are capped at 1 MiB` } };
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { problem: { kind: 'encoding', message: 'is not valid UTF-8' } };
  }
  const problem = new JsonScanner(text).scan();
  if (problem) return { problem };
  return { value: JSON.parse(text) as unknown };
}

class JsonProblem extends Error {
  constructor(
    readonly kind: ImageJsonProblemKind,
    message: string,
  ) {
    super(message);
  }
}

/** An open object (with the keys seen so far, folded) or array, and where it sits in the document. */
interface Frame {
  keys?: Map<string, string>;
  /** The current key (objects) or index (arrays), for messages. */
  at: string | number;
}

/** One pass over a JSON text: validates the grammar and each object's keys, builds no value. */
class JsonScanner {
  private index = 0;
  private readonly stack: Frame[] = [];

  constructor(private readonly text: string) {}

  scan(): ImageJsonProblem | undefined {
    try {
      this.document();
      return undefined;
    } catch (error) {
      if (!(error instanceof JsonProblem)) throw error;
      return { kind: error.kind, message: error.message };
    }
  }

  private document(): void {
    let expectValue = true;
    for (;;) {
      this.whitespace();
      if (expectValue) {
        this.value();
        expectValue = this.openedContainer();
        continue;
      }
      const frame = this.stack.at(-1);
      if (!frame) {
        if (this.index < this.text.length) throw this.syntax('data after the JSON value');
        return;
      }
      const char = this.text[this.index];
      if (char === ',') {
        this.index += 1;
        if (frame.keys) this.key(frame);
        else frame.at = (frame.at as number) + 1;
        expectValue = true;
      } else if ((char === '}' && frame.keys) || (char === ']' && !frame.keys)) {
        this.index += 1;
        this.stack.pop();
      } else {
        throw this.syntax(`expected "," or "${frame.keys ? '}' : ']'}"`);
      }
    }
  }

  /**
   * After `value()`: true when it opened a container that now expects its first element, false when the
   * value is complete (a scalar, or an empty container, which is closed here).
   */
  private openedContainer(): boolean {
    const frame = this.stack.at(-1);
    if (!frame || frame.at !== -1) return false;
    this.whitespace();
    const close = frame.keys ? '}' : ']';
    if (this.text[this.index] === close) {
      this.index += 1;
      this.stack.pop();
      return false;
    }
    if (frame.keys) {
      this.key(frame);
    } else {
      frame.at = 0;
    }
    return true;
  }

  /** One value; a container is only opened (marked by `at: -1`), its elements come through `document`. */
  private value(): void {
    const char = this.text[this.index];
    if (char === '{' || char === '[') {
      if (this.stack.length >= IMAGE_JSON_MAX_DEPTH) throw new JsonProblem('depth', `nests objects and arrays more than ${IMAGE_JSON_MAX_DEPTH} levels deep`);
      this.index += 1;
      this.stack.push(char === '{' ? { keys: new Map(), at: -1 } : { at: -1 });
    } else if (char === '"') {
      this.string();
    } else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      this.number();
    } else if (!this.literal('true') && !this.literal('false') && !this.literal('null')) {
      throw this.syntax('expected a value');
    }
  }

  /** `"key" :` inside an object, refusing a key the object already has (case-insensitively). */
  private key(frame: Frame): void {
    this.whitespace();
    if (this.text[this.index] !== '"') throw this.syntax('expected a key');
    const key = this.string();
    this.whitespace();
    if (this.text[this.index] !== ':') throw this.syntax('expected ":"');
    this.index += 1;
    const folded = foldCase(key);
    const earlier = frame.keys!.get(folded);
    frame.at = key;
    if (earlier !== undefined) {
      const where = this.where();
      const what = earlier === key ? `the key ${quoteName(key)} twice` : `both ${quoteName(earlier)} and ${quoteName(key)}, which Docker reads as one key`;
      throw new JsonProblem('duplicate_key', `has ${what}${where ? ` in ${where}` : ''}`);
    }
    frame.keys!.set(folded, key);
  }

  /** A string starting at the current `"`; returns it decoded. */
  private string(): string {
    const { text } = this;
    this.index += 1;
    let decoded = '';
    let runStart = this.index;
    for (;;) {
      const code = text.charCodeAt(this.index);
      if (Number.isNaN(code)) throw this.syntax('unterminated string');
      if (code === 0x22) {
        decoded += text.slice(runStart, this.index);
        this.index += 1;
        return decoded;
      }
      if (code < 0x20) throw this.syntax('a control character in a string');
      if (code !== 0x5c) {
        this.index += 1;
        continue;
      }
      decoded += text.slice(runStart, this.index);
      decoded += this.escape();
      runStart = this.index;
    }
  }

  /** The escape sequence at the current backslash, decoded; a surrogate must come as a valid pair. */
  private escape(): string {
    const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    const char = this.text[this.index + 1];
    if (char !== undefined && char in simple) {
      this.index += 2;
      return simple[char]!;
    }
    if (char !== 'u') throw this.syntax('an invalid escape sequence');
    const high = this.unicodeEscape();
    if (high < 0xd800 || high > 0xdfff) return String.fromCharCode(high);
    const low = high <= 0xdbff && this.text.startsWith('\\u', this.index) ? this.unicodeEscape() : -1;
    if (low < 0xdc00 || low > 0xdfff) throw new JsonProblem('encoding', 'has an escaped lone surrogate, which Docker reads as U+FFFD');
    return String.fromCharCode(high, low);
  }

  private unicodeEscape(): number {
    const hex = this.text.slice(this.index + 2, this.index + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.syntax('an invalid \\u escape');
    this.index += 6;
    return parseInt(hex, 16);
  }

  private number(): void {
    const match = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    match.lastIndex = this.index;
    if (!match.test(this.text)) throw this.syntax('an invalid number');
    this.index = match.lastIndex;
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.index)) return false;
    this.index += word.length;
    return true;
  }

  private whitespace(): void {
    const { text } = this;
    while (this.index < text.length) {
      const code = text.charCodeAt(this.index);
      if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return;
      this.index += 1;
    }
  }

  /** Where the innermost open object sits, e.g. `config.Labels` or `manifests[0]`. */
  private where(): string {
    let path = '';
    for (const frame of this.stack.slice(0, -1)) {
      path += typeof frame.at === 'number' ? `[${frame.at}]` : `${path ? '.' : ''}${frame.at}`;
    }
    return path;
  }

  private syntax(why: string): JsonProblem {
    return new JsonProblem('syntax', `is not valid JSON: ${why} at character ${this.index}`);
  }
}
