// Small building blocks for reading image tarballs as streams: sniffing compression, walking tar entries
// one at a time, normalizing entry paths, and counting/hashing bytes with a cap.
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import * as tar from 'tar-stream';

/** tar-stream's header as its extractor really fills it in. */
export type TarHeader = Omit<tar.Header, 'type' | 'pax' | 'linkname'> & {
  /** Null for a type flag tar-stream does not know (e.g. GNU sparse). */
  type: tar.Header['type'] | null;
  linkname: string | null;
  /** Where the entry's data starts in the tar stream. */
  byteOffset?: number;
  /** PAX records of the entry, if it had any. */
  pax?: Record<string, string> | null;
};

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
 * Calls `onEntry` for each entry of the tar read from `source`, one at a time. `onEntry` may read `body` to
 * its end or leave it alone (it is drained afterwards), but must not stop reading it half-way: that would
 * abort the whole walk. Rejects with TarFormatError when the bytes are not a tar, with `source`'s own error
 * when the source fails (e.g. a byte cap upstream), and with whatever `onEntry` throws.
 */
export async function walkTar(
  source: Readable,
  onEntry: (header: TarHeader, body: AsyncIterable<Buffer>) => Promise<void>,
  options: { allowUnknownFormat?: boolean } = {},
): Promise<void> {
  // tar-stream's typings omit its own extract options.
  const extract = tar.extract({ allowUnknownFormat: options.allowUnknownFormat ?? false } as Parameters<typeof tar.extract>[0]);
  let sourceError: Error | undefined;
  source.on('error', (error: Error) => {
    sourceError = error;
    extract.destroy(error);
  });
  source.pipe(extract);
  let entryError: { error: unknown } | undefined;
  try {
    for await (const entry of extract) {
      try {
        await onEntry(entry.header as unknown as TarHeader, entry as AsyncIterable<Buffer>);
      } catch (error) {
        entryError = { error };
        throw error;
      }
      entry.resume();
    }
  } catch (error) {
    if (sourceError) throw sourceError;
    if (entryError) throw entryError.error;
    throw new TarFormatError(error instanceof Error ? error.message : String(error));
  } finally {
    // Stops reading when the walk ended early; harmless after a full read.
    source.unpipe(extract);
    source.destroy();
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
