import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SourceReadError } from '../faults';

/**
 * Random access to an upload: a ZIP is read from its end (the central directory) and then entry by
 * entry, so the reader needs ranges, not one pass. The worker can give a spooled temporary file
 * (`FileArchiveSource`: one sequential download, then local reads) or, later, an object store with
 * range requests behind the same two members.
 */
export interface ArchiveSource {
  readonly size: number;
  /** The bytes from `start` (inclusive) to `end` (exclusive). Errors come out as SourceReadError. */
  read(start: number, end: number): Readable;
}

/** Storage errors become SourceReadError, so the ingestion tells them from a bad archive. */
function asSourceError(error: unknown): SourceReadError {
  return error instanceof SourceReadError ? error : new SourceReadError(error);
}

const READ_CHUNK_BYTES = 64 * 1024;

/**
 * A range of an open file, read with positional reads. Node's file streams close their descriptor when
 * destroyed, even with autoClose off; this one never closes the file, which the source owns.
 */
class FileRangeStream extends Readable {
  private position: number;

  constructor(
    private readonly handle: FileHandle,
    start: number,
    private readonly end: number,
  ) {
    super({ highWaterMark: READ_CHUNK_BYTES });
    this.position = start;
  }

  override _read(): void {
    const length = Math.min(READ_CHUNK_BYTES, this.end - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    this.handle.read(Buffer.allocUnsafe(length), 0, length, this.position).then(
      ({ bytesRead, buffer }) => {
        if (bytesRead === 0) return this.destroy(asSourceError(new Error('the file ended before the range did')));
        this.position += bytesRead;
        this.push(buffer.subarray(0, bytesRead));
      },
      (error: unknown) => this.destroy(asSourceError(error)),
    );
  }
}

function checkRange(size: number, start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > size) {
    throw new RangeError(`range ${start}..${end} is outside the upload (${size} bytes)`);
  }
}

/** A local file, e.g. the raw upload spooled to the worker's scratch directory. */
export class FileArchiveSource implements ArchiveSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FileArchiveSource> {
    const handle = await open(path, 'r');
    try {
      return new FileArchiveSource(handle, (await handle.stat()).size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  read(start: number, end: number): Readable {
    checkRange(this.size, start, end);
    return new FileRangeStream(this.handle, start, end);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** An upload already in memory (tests, small uploads). */
export class BufferArchiveSource implements ArchiveSource {
  readonly size: number;

  constructor(private readonly buffer: Buffer) {
    this.size = buffer.length;
  }

  read(start: number, end: number): Readable {
    checkRange(this.size, start, end);
    // Chunked like a file stream, so readers see the same chunk boundaries they would in production.
    const chunks: Buffer[] = [];
    for (let at = start; at < end; at += 64 * 1024) chunks.push(this.buffer.subarray(at, Math.min(end, at + 64 * 1024)));
    return Readable.from(chunks);
  }
}

/** Reads a small range whole (a local file header, the first bytes of an upload). */
export async function readRange(source: ArchiveSource, start: number, end: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.read(start, end)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
