// Small building blocks for reading image tarballs as streams: sniffing compression, walking tar entries
// one at a time, normalizing entry paths, and counting/hashing bytes with a cap.
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';

/** The entry types a tar reader hands on (PAX and GNU meta headers are applied, never handed on). */
export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file';

/** One entry's header, with its PAX and GNU long-name records applied as Go's archive/tar applies them. */
export interface TarHeader {
  name: string;
  /** Null for a type flag the reader does not know (its data is read as a file's, as archive/tar does). */
  type: TarEntryType | null;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  /** Null when the entry names no link target. */
  linkname: string | null;
  devmajor: number;
  devminor: number;
  /** Where the entry's data starts in the tar stream. */
  byteOffset: number;
}

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

/** Enough leading bytes to recognize every compression in `detectCompression`. */
export const COMPRESSION_MAGIC_BYTES = 6;

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/**
 * Reads the first `bytes` bytes of `source` without losing them: returns them and a stream that replays
 * them followed by the rest. Destroying the returned stream destroys `source`.
 */
export async function peekStream(source: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { head: head.subarray(0, bytes), stream: Readable.from(replay(), { objectMode: false }) };
}

/** The bytes are not a tar archive (bad header checksum, unknown format, truncated). */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

/**
 * The bytes are a tar archive, but one that tar readers read differently: Docker's (Go's archive/tar) would
 * not see the entries, names, sizes or data boundaries this reader sees. Refused rather than guessed at.
 */
export class TarHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarHeaderError';
  }
}

export interface WalkTarOptions {
  /** Accepts pre-POSIX (v7) headers, which carry no magic; Go's archive/tar reads them too. */
  allowUnknownFormat?: boolean;
}

/**
 * Calls `onEntry` for each entry of the tar read from `source`, one at a time. `onEntry` may read as much
 * of `body` as it likes; the rest is skipped afterwards. Rejects with TarFormatError when the bytes are not
 * a tar, with TarHeaderError when they are one that Docker would read differently (see TarReader), with
 * `source`'s own error when the source fails (e.g. a byte cap upstream), and with whatever `onEntry` throws.
 */
export async function walkTar(
  source: Readable,
  onEntry: (header: TarHeader, body: AsyncIterable<Buffer>) => Promise<void> | void,
  options: WalkTarOptions = {},
): Promise<void> {
  const reader = new TarReader(source, options.allowUnknownFormat ?? false);
  try {
    for (let entry = await reader.next(); entry; entry = await reader.next()) await onEntry(entry.header, entry.body);
  } finally {
    // Stops reading when the walk ended early; harmless after a full read.
    source.destroy();
  }
}

const BLOCK_BYTES = 512;
/** Go's archive/tar refuses PAX and GNU long-name data over 1 MiB. */
const MAX_META_BYTES = 1024 * 1024;
/** The ustar name and link-name fields. */
const USTAR_NAME_BYTES = 100;
const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');
const GNU_MAGIC = Buffer.from('ustar ', 'latin1');
const GNU_VERSION = Buffer.from(' \0', 'latin1');
const STAR_TRAILER = Buffer.from('tar\0', 'latin1');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const TYPE_FLAGS: Record<number, TarEntryType> = {
  0x00: 'file',
  0x30: 'file',
  0x31: 'link',
  0x32: 'symlink',
  0x33: 'character-device',
  0x34: 'block-device',
  0x35: 'directory',
  0x36: 'fifo',
  0x37: 'contiguous-file',
};
/** Types whose size field archive/tar ignores (it reads no data for them) while other readers honour it. */
const HEADER_ONLY_TYPES: ReadonlySet<TarEntryType | null> = new Set(['link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo']);
const META = { paxLocal: 0x78, paxGlobal: 0x67, gnuLongName: 0x4c, gnuLongLink: 0x4b, gnuSparse: 0x53 } as const;

interface BlockHeader {
  format: 'ustar' | 'gnu' | 'v7';
  typeflag: number;
  /** The name as the header block holds it (ustar: prefix/name), as bytes. */
  name: Buffer;
  linkname: Buffer;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  devmajor: number;
  devminor: number;
}

/** PAX and GNU long-name records waiting for the entry they describe. */
interface PendingMeta {
  pax?: Map<string, Buffer>;
  longName?: Buffer;
  longLink?: Buffer;
}

/**
 * A strict tar reader that accepts only archives that Go's archive/tar (which Docker uses for `docker
 * load` and for every layer) reads exactly the same way, and refuses the rest with TarHeaderError. Where
 * readers differ, it refuses rather than picks a side:
 * - PAX global headers (`g`): archive/tar hands them on as entries of their own and Docker ignores them,
 *   while other readers (tar-stream) merge them into the following entries;
 * - a PAX `size` that differs from the ustar size, and a PAX `path`/`linkpath` or GNU long name (`L`/`K`)
 *   that disagrees with the ustar field it replaces (see `replacementAgrees`); a PAX path together with a
 *   GNU long name (archive/tar lets the GNU name win, tar-stream the PAX one); two PAX or two long-name
 *   headers for one entry; malformed or repeated PAX records;
 * - sparse files (GNU `S` entries or `GNU.sparse.*` records), which archive/tar expands and others do not;
 * - links, devices, directories and FIFOs with a data size (archive/tar reads no data for them, others do);
 * - regular files whose name ends in `/` (directories to some readers, files to archive/tar);
 * - GNU headers whose time fields hold a name prefix (archive/tar's fallback for old Go writers), and the
 *   star format, whose prefix field is shorter;
 * - names that are not valid UTF-8;
 * - anything but zero bytes after the end-of-archive marker (archive/tar stops at it, tar-stream reads on).
 */
class TarReader {
  private readonly bytes: ByteQueue;
  private body?: EntryBody;
  private ended = false;

  constructor(
    source: Readable,
    private readonly allowUnknownFormat: boolean,
  ) {
    this.bytes = new ByteQueue(source);
  }

  async next(): Promise<{ header: TarHeader; body: AsyncIterable<Buffer> } | undefined> {
    if (this.body) {
      await this.body.drain();
      const padding = paddingOf(this.body.size);
      this.body = undefined;
      // Like archive/tar, an archive that ends inside the last entry's padding simply ends there.
      if ((await this.bytes.skip(padding)) < padding) this.ended = true;
    }
    const meta: PendingMeta = {};
    while (!this.ended) {
      const block = await this.bytes.read(BLOCK_BYTES);
      if (block.length > 0 && block.length < BLOCK_BYTES) throw new TarFormatError('the archive ends inside a header');
      if (block.length === 0 || isZero(block)) {
        await this.end(block, meta);
        return undefined;
      }
      const header = decodeBlock(block, this.allowUnknownFormat);
      if (await this.readMeta(header, meta)) continue;
      const entry = entryHeader(header, meta, this.bytes.position);
      const dataBytes = HEADER_ONLY_TYPES.has(entry.type) ? 0 : entry.size;
      this.body = new EntryBody(this.bytes, dataBytes);
      return { header: entry, body: this.body };
    }
    return undefined;
  }

  /** Applies a meta header (PAX, GNU long name) to `meta`; false for an entry of its own. */
  private async readMeta(header: BlockHeader, meta: PendingMeta): Promise<boolean> {
    switch (header.typeflag) {
      case META.paxGlobal:
        throw new TarHeaderError('a PAX global header (type g): Docker ignores it while other readers apply it to the entries that follow');
      case META.gnuSparse:
        throw new TarHeaderError(`${quoteBytes(header.name)} is a GNU sparse file (type S), which tar readers expand differently`);
      case META.paxLocal:
        if (meta.pax) throw new TarHeaderError('two PAX headers for one entry');
        meta.pax = parsePaxRecords(await this.readMetaData(header, 'PAX'));
        return true;
      case META.gnuLongName:
      case META.gnuLongLink: {
        const long = header.typeflag === META.gnuLongName ? 'longName' : 'longLink';
        if (meta[long]) throw new TarHeaderError('two GNU long-name headers of one kind for one entry');
        meta[long] = cString(await this.readMetaData(header, 'GNU long-name'));
        return true;
      }
      default:
        return false;
    }
  }

  private async readMetaData(header: BlockHeader, kind: string): Promise<Buffer> {
    if (header.size > MAX_META_BYTES) throw new TarHeaderError(`a ${kind} header of ${header.size} bytes; Docker refuses those over ${MAX_META_BYTES}`);
    const data = await this.bytes.read(header.size);
    const padding = paddingOf(header.size);
    if (data.length < header.size || (await this.bytes.skip(padding)) < padding) throw new TarFormatError(`the archive ends inside a ${kind} header`);
    return data;
  }

  /** The end of the archive: at the end of the stream, or at two zero blocks followed by nothing but zeros. */
  private async end(block: Buffer, meta: PendingMeta): Promise<void> {
    this.ended = true;
    if (block.length > 0) {
      const second = await this.bytes.read(BLOCK_BYTES);
      if (second.length === BLOCK_BYTES && !isZero(second)) throw new TarFormatError('a zero block is followed by a header');
      if (second.length > 0 && second.length < BLOCK_BYTES) throw new TarFormatError('the archive ends inside its end-of-archive marker');
    }
    if (meta.pax || meta.longName || meta.longLink) throw new TarHeaderError('the archive ends with a PAX or GNU long-name header that describes no entry');
    for (let chunk = await this.bytes.next(Infinity); chunk.length > 0; chunk = await this.bytes.next(Infinity)) {
      if (!isZero(chunk)) throw new TarHeaderError('data follows the end-of-archive marker; Docker never reads it');
    }
  }
}

/** The header of one entry, with its meta records applied; refuses the combinations readers disagree on. */
function entryHeader(header: BlockHeader, meta: PendingMeta, byteOffset: number): TarHeader {
  const pax = meta.pax ?? new Map<string, Buffer>();
  for (const key of pax.keys()) {
    if (key.startsWith('GNU.sparse.'))
      throw new TarHeaderError(`${quoteBytes(header.name)} is a GNU sparse file (PAX ${key}), which tar readers expand differently`);
  }
  const name = replacedField(header.name, pax.get('path'), meta.longName, 'path');
  const linkname = replacedField(header.linkname, pax.get('linkpath'), meta.longLink, 'link target');
  const paxSize = pax.get('size');
  if (paxSize !== undefined) {
    const text = paxSize.toString('latin1');
    if (!/^[0-9]{1,16}$/.test(text) || Number(text) !== header.size) {
      throw new TarHeaderError(`${quoteBytes(name)} has the PAX size ${JSON.stringify(text)} but the ustar size ${header.size}`);
    }
  }
  const type = TYPE_FLAGS[header.typeflag] ?? null;
  const decodedName = decodeName(name);
  if (type === 'file' && decodedName.endsWith('/')) {
    throw new TarHeaderError(`${quoteBytes(name)} is a regular file whose name ends in "/", which some tar readers take for a directory`);
  }
  if (HEADER_ONLY_TYPES.has(type) && header.size !== 0) {
    throw new TarHeaderError(`${quoteBytes(name)} is a ${type} with ${header.size} bytes of data, which Docker would not read but other readers would`);
  }
  return {
    name: decodedName,
    type,
    size: header.size,
    mode: header.mode,
    uid: header.uid,
    gid: header.gid,
    mtime: new Date(header.mtime * 1000),
    linkname: linkname.length > 0 ? decodeName(linkname) : null,
    devmajor: header.devmajor,
    devminor: header.devminor,
    byteOffset,
  };
}

/** The value of a name field once a PAX record or a GNU long name replaces it (both at once are refused). */
function replacedField(ustar: Buffer, paxValue: Buffer | undefined, gnuValue: Buffer | undefined, what: string): Buffer {
  if (paxValue !== undefined && gnuValue !== undefined) {
    throw new TarHeaderError(`${quoteBytes(ustar)} has its ${what} in both a PAX record and a GNU long-name header; Docker uses one, other readers the other`);
  }
  const replacement = paxValue ?? gnuValue;
  if (replacement === undefined) return ustar;
  if (!replacementAgrees(ustar, replacement)) {
    throw new TarHeaderError(`the ${what} ${quoteBytes(replacement)} in a PAX or GNU long-name record disagrees with the header's own ${quoteBytes(ustar)}`);
  }
  return replacement;
}

/**
 * Whether a ustar name field and the record that replaces it name the same thing, as far as a reader that
 * ignores the record can tell. Writers use a record only when the field cannot hold the value, and then put
 * the value's beginning in the field: as bytes (GNU tar), with non-ASCII characters dropped (Go) or turned
 * into "?" (Python). A value that fits the field must be the field.
 */
function replacementAgrees(ustar: Buffer, replacement: Buffer): boolean {
  if (ustar.equals(replacement)) return true;
  const ascii = replacement.every((byte) => byte < 0x80);
  if (ascii && replacement.length <= USTAR_NAME_BYTES) return false;
  if (ustar.length === 0) return false;
  const characters = [...replacement.toString('utf8')];
  const asciiWith = (other: string) => Buffer.from(characters.map((char) => (char.charCodeAt(0) < 0x80 ? char : other)).join(''), 'latin1');
  const forms = [replacement, asciiWith(''), asciiWith('?')];
  return forms.some((form) => form.subarray(0, ustar.length).equals(ustar));
}

function decodeBlock(block: Buffer, allowUnknownFormat: boolean): BlockHeader {
  const checksum = parseOctal(block.subarray(148, 156));
  if (checksum === undefined || !checksumMatches(block, checksum)) {
    throw new TarFormatError('invalid tar header checksum (is it a tar? is it compressed?)');
  }
  const format = formatOf(block, allowUnknownFormat);
  let name = cString(block.subarray(0, 100));
  if (format === 'ustar') {
    const prefix = cString(block.subarray(345, 500));
    if (prefix.length > 0) name = Buffer.concat([prefix, Buffer.from('/'), name]);
  }
  if (format === 'gnu') {
    // archive/tar reads a GNU header whose access/change times do not parse as having a ustar prefix there.
    for (const start of [345, 357]) {
      if (block[start] !== 0 && parseNumeric(block.subarray(start, start + 12)) === undefined) {
        throw new TarHeaderError(`${quoteBytes(name)} is a GNU header with a name prefix in its time fields, which only some readers apply`);
      }
    }
  }
  const number = (start: number, length: number): number => {
    const value = parseNumeric(block.subarray(start, start + length));
    if (value === undefined) throw new TarFormatError(`${quoteBytes(name)} has an invalid numeric field at offset ${start}`);
    return value;
  };
  const size = number(124, 12);
  if (size < 0) throw new TarFormatError(`${quoteBytes(name)} has a negative size`);
  return {
    format,
    typeflag: block[156]!,
    name,
    linkname: cString(block.subarray(157, 257)),
    size,
    mode: number(100, 8),
    uid: number(108, 8),
    gid: number(116, 8),
    mtime: number(136, 12),
    devmajor: format === 'v7' ? 0 : number(329, 8),
    devminor: format === 'v7' ? 0 : number(337, 8),
  };
}

function formatOf(block: Buffer, allowUnknownFormat: boolean): BlockHeader['format'] {
  const magic = block.subarray(257, 263);
  if (magic.equals(USTAR_MAGIC)) {
    if (block.subarray(508, 512).equals(STAR_TRAILER)) throw new TarHeaderError('a star-format header, whose name prefix readers split differently');
    return 'ustar';
  }
  if (magic.equals(GNU_MAGIC) && block.subarray(263, 265).equals(GNU_VERSION)) return 'gnu';
  if (!allowUnknownFormat) throw new TarFormatError('unknown tar format (neither ustar nor GNU)');
  return 'v7';
}

/** archive/tar accepts the checksum computed with bytes as unsigned or as signed. */
function checksumMatches(block: Buffer, checksum: number): boolean {
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK_BYTES; i++) {
    if (i >= 148 && i < 156) continue;
    const byte = block[i]!;
    unsigned += byte;
    signed += byte < 0x80 ? byte : byte - 0x100;
  }
  return checksum === unsigned || checksum === signed;
}

/** archive/tar's parseNumeric: base-256 when the top bit is set, else octal; undefined where it errs. */
function parseNumeric(field: Buffer): number | undefined {
  if (field.length > 0 && (field[0]! & 0x80) !== 0) {
    const invert = (field[0]! & 0x40) !== 0 ? 0xff : 0;
    let value = 0n;
    for (const [index, byte] of field.entries()) {
      let bits = byte ^ invert;
      if (index === 0) bits &= 0x7f;
      if (value >> 56n > 0n) return undefined;
      value = (value << 8n) | BigInt(bits);
    }
    if (value >> 63n > 0n) return undefined;
    const signed = invert ? -value - 1n : value;
    return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(signed) : undefined;
  }
  return parseOctal(field);
}

/** archive/tar's parseOctal: spaces and NULs trimmed at both ends, then up to the first NUL. */
function parseOctal(field: Buffer): number | undefined {
  let start = 0;
  let end = field.length;
  while (start < end && (field[start] === 0x20 || field[start] === 0)) start++;
  while (end > start && (field[end - 1] === 0x20 || field[end - 1] === 0)) end--;
  const text = cString(field.subarray(start, end)).toString('latin1');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  const value = parseInt(text, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * PAX records as archive/tar parses them ("<length> <key>=<value>\n", every byte accounted for), refusing
 * what it refuses and what other readers would read otherwise (a repeated key).
 */
function parsePaxRecords(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  const malformed = (why: string) => new TarHeaderError(`a malformed PAX header (${why}); tar readers recover from it differently`);
  let rest = data;
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const lengthText = space > 0 ? rest.subarray(0, space).toString('latin1') : '';
    if (!/^[0-9]{1,9}$/.test(lengthText)) throw malformed('a record without a decimal length');
    const length = Number(lengthText);
    if (length > rest.length || space + 1 >= length - 1 || rest[length - 1] !== 0x0a) throw malformed('a record length that does not end at a newline');
    const record = rest.subarray(space + 1, length - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw malformed('a record without a key');
    const key = record.subarray(0, equals).toString('latin1');
    const value = record.subarray(equals + 1);
    if (key.includes('\0') || (['path', 'linkpath', 'uname', 'gname'].includes(key) && value.includes(0))) throw malformed('a NUL in a record');
    if (records.has(key)) throw malformed(`the key ${JSON.stringify(key)} twice`);
    records.set(key, value);
    rest = rest.subarray(length);
  }
  return records;
}

function decodeName(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new TarHeaderError(`the name ${quoteBytes(bytes)} is not valid UTF-8, so its meaning depends on the reader`);
  }
}

/** A NUL-terminated field: the bytes up to the first NUL. */
function cString(field: Buffer): Buffer {
  const nul = field.indexOf(0);
  return nul === -1 ? field : field.subarray(0, nul);
}

function quoteBytes(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

function isZero(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0) return false;
  return true;
}

function paddingOf(size: number): number {
  return (BLOCK_BYTES - (size % BLOCK_BYTES)) % BLOCK_BYTES;
}

/** One entry's data: exactly `size` bytes of the archive, read at most once; the rest skipped by `drain`. */
class EntryBody implements AsyncIterable<Buffer> {
  private remaining: number;

  constructor(
    private readonly bytes: ByteQueue,
    readonly size: number,
  ) {
    this.remaining = size;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    while (this.remaining > 0) yield await this.take();
  }

  async drain(): Promise<void> {
    while (this.remaining > 0) await this.take();
  }

  private async take(): Promise<Buffer> {
    const chunk = await this.bytes.next(this.remaining);
    if (chunk.length === 0) throw new TarFormatError('the archive ends inside an entry');
    this.remaining -= chunk.length;
    return chunk;
  }
}

/** The bytes of a stream, taken in pieces of any size without copying where possible. */
class ByteQueue {
  /** Bytes taken so far. */
  position = 0;
  private readonly iterator: AsyncIterator<Buffer | string>;
  private readonly chunks: Buffer[] = [];
  private done = false;

  constructor(source: Readable) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes (at least one unless the stream has ended). */
  async next(max: number): Promise<Buffer> {
    if (this.chunks.length === 0 && !(await this.pull())) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    const taken = first.length <= max ? first : first.subarray(0, max);
    if (taken === first) this.chunks.shift();
    else this.chunks[0] = first.subarray(max);
    this.position += taken.length;
    return taken;
  }

  /** Exactly `bytes` bytes, or fewer when the stream ends first. */
  async read(bytes: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let length = 0;
    while (length < bytes) {
      const part = await this.next(bytes - length);
      if (part.length === 0) break;
      parts.push(part);
      length += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
  }

  /** Skips `bytes` bytes; returns how many there were. */
  async skip(bytes: number): Promise<number> {
    let skipped = 0;
    while (skipped < bytes) {
      const part = await this.next(bytes - skipped);
      if (part.length === 0) break;
      skipped += part.length;
    }
    return skipped;
  }

  private async pull(): Promise<boolean> {
    while (!this.done) {
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      if (chunk.length > 0) {
        this.chunks.push(chunk);
        return true;
      }
    }
    return false;
  }
}

export type EntryPath = { path: string; problem?: undefined } | { path?: undefined; problem: 'absolute' | 'dot-dot' | 'nul' };

/**
 * Normalizes a tar entry name to a root-relative path: "./a//b/" → "a/b", "./" → "". Absolute names, ".."
 * segments and NUL are refused rather than cleaned, because an extractor that cleaned them differently
 * could write outside its root.
 */
export function normalizeEntryPath(name: string): EntryPath {
  if (name.includes('\u0000')) return { problem: 'nul' };
  if (name.startsWith('/')) return { problem: 'absolute' };
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return { problem: 'dot-dot' };
  return { path: segments.join('/') };
}

/** How a refused entry name is described in messages. */
export const ENTRY_PATH_PROBLEMS = {
  absolute: 'is an absolute path',
  'dot-dot': 'has a ".." segment',
  nul: 'contains NUL',
} as const;

/** A running total with a cap, shared by several streams: e.g. the decompressed bytes of all layers together. */
export class Budget {
  used = 0;

  constructor(
    readonly maxBytes: number,
    private readonly onExceeded: (used: number) => Error,
  ) {}

  /** Counts `amount`; returns the error to fail with once the total passes the cap. */
  take(amount: number): Error | undefined {
    this.used += amount;
    return this.used > this.maxBytes ? this.onExceeded(this.used) : undefined;
  }
}

/**
 * Counts and hashes (sha256) the bytes passing through. With a budget it fails as soon as the budget is
 * exceeded, so upstream decompression stops at once instead of running to the end.
 */
export class ByteMeter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private hex?: string;

  constructor(private readonly budget?: Budget) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    const exceeded = this.budget?.take(chunk.length);
    if (exceeded) return callback(exceeded);
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** Hex sha256 of everything that passed; only meaningful once the stream has ended. */
  sha256(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }
}

/** Reads a whole (small) stream into memory, failing past `maxBytes` without reading further. */
export async function readAll(body: AsyncIterable<Buffer>, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) throw new Error(`${what} is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** An error from node:zlib (corrupt or truncated compressed data). */
export function isZlibError(error: unknown): error is Error {
  // Not `instanceof Error`: node's own errors can come from another realm (as under jest).
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.startsWith('Z_') && typeof message === 'string';
}
