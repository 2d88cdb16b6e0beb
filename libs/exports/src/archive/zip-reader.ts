import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import * as yauzl from 'yauzl';
import { ArchiveFault, FileFault, SourceReadError } from '../faults';
import type { ExportLimits } from '../limits';
import { type ArchiveSource, readRange } from './archive-source';
import type { InflateBudget } from './inflate-budget';

/** One entry of the central directory, kept small: a listing of 100,000 entries stays a few MB. */
export interface ArchiveEntry {
  name: string;
  /** Bytes of the name as stored (before decoding). */
  nameBytes: number;
  /** Where the entry's local header starts. */
  offset: number;
  compressedSize: number;
  /** As declared: shown and used to refuse early, never trusted as a bound. */
  uncompressedSize: number;
  method: number;
  /** Where the next entry (or the end of the upload) starts: the entry's data must end before it. */
  limit: number;
}

export interface ZipListing {
  entries: ArchiveEntry[];
}

const STORED = 0;
const DEFLATED = 8;
const LOCAL_HEADER_BYTES = 30;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const ENCRYPTED_FLAG = 0x1;
// Fewer, larger chunks than zlib's 16 KiB default: the same bytes in memory, less work per byte.
const INFLATE_CHUNK_BYTES = 64 * 1024;

/** yauzl reads through this: every range comes from the ArchiveSource. */
class SourceReader extends yauzl.RandomAccessReader {
  constructor(private readonly source: ArchiveSource) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return this.source.read(start, end);
  }
}

function fromRandomAccessReader(reader: yauzl.RandomAccessReader, size: number): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(
      reader,
      size,
      // Names are decoded and judged here (a bad name fails its file, not the archive); sizes are counted
      // while inflating, not compared with what the archive declares.
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, autoClose: false },
      (error, zipfile) => (error ? reject(error) : resolve(zipfile)),
    );
  });
}

function openFault(error: unknown): Error {
  if (error instanceof SourceReadError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/end of central directory record signature not found/i.test(message)) {
    return new ArchiveFault('not_a_zip', 'the upload is not a ZIP archive (no end of central directory)');
  }
  if (/strong encryption/i.test(message)) return new ArchiveFault('encrypted', 'the archive uses strong encryption');
  return new ArchiveFault('corrupt_archive', `the archive's directory cannot be read: ${message}`);
}

function toEntry(entry: yauzl.Entry, maxNameBytes: number): ArchiveEntry {
  const raw = entry.fileNameRaw;
  // A name past the cap is not decoded whole: it is refused by its length anyway.
  const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw.subarray(0, maxNameBytes + 1), entry.extraFields, true);
  return {
    name,
    nameBytes: raw.length,
    offset: entry.relativeOffsetOfLocalHeader,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    method: entry.compressionMethod,
    limit: 0,
  };
}

/**
 * Entries whose byte ranges overlap make a small archive inflate the same data many times (the Fifield
 * construction). With the central directory alone, an entry spans at least its fixed local header, its
 * name and its compressed data; the exact span (with the local extra field) is checked again when read.
 */
function assignLimits(entries: ArchiveEntry[], size: number): void {
  const byOffset = [...entries].sort((a, b) => a.offset - b.offset);
  for (let i = 0; i < byOffset.length; i++) {
    const entry = byOffset[i]!;
    const next = byOffset[i + 1];
    entry.limit = next ? next.offset : size;
    const minimumEnd = entry.offset + LOCAL_HEADER_BYTES + entry.nameBytes + entry.compressedSize;
    if (next && minimumEnd > next.offset) {
      throw new ArchiveFault('overlapping_entries', 'two entries of the archive share the same bytes (an overlapping-entries bomb)');
    }
  }
}

/** Lists a ZIP's entries from its central directory (Zip64 included), refusing archive-level faults. */
export async function listZip(source: ArchiveSource, limits: ExportLimits): Promise<ZipListing> {
  let zipfile: yauzl.ZipFile;
  try {
    zipfile = await fromRandomAccessReader(new SourceReader(source), source.size);
  } catch (error) {
    throw openFault(error);
  }
  try {
    if (zipfile.entryCount > limits.maxEntries) {
      throw new ArchiveFault('too_many_entries', `the archive has ${zipfile.entryCount} entries, more than ${limits.maxEntries}`);
    }
    const entries: ArchiveEntry[] = [];
    try {
      for await (const entry of zipfile.eachEntry()) {
        if (entry.generalPurposeBitFlag & ENCRYPTED_FLAG) throw new ArchiveFault('encrypted', 'the archive has encrypted entries');
        entries.push(toEntry(entry, limits.maxNameBytes));
      }
    } catch (error) {
      throw error instanceof ArchiveFault ? error : openFault(error);
    }
    assignLimits(entries, source.size);
    return { entries };
  } finally {
    zipfile.close();
  }
}

/** Where the entry's data starts, from its local header; the data must end before the next entry. */
async function dataStart(source: ArchiveSource, entry: ArchiveEntry): Promise<number> {
  if (entry.offset + LOCAL_HEADER_BYTES > source.size) throw new FileFault('corrupt_entry', 'the entry lies outside the archive');
  const header = await readRange(source, entry.offset, entry.offset + LOCAL_HEADER_BYTES);
  if (header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) throw new FileFault('corrupt_entry', 'the entry has no local header');
  const start = entry.offset + LOCAL_HEADER_BYTES + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (start + entry.compressedSize > entry.limit) {
    if (entry.limit === source.size) throw new FileFault('corrupt_entry', "the entry's data runs past the end of the archive");
    throw new ArchiveFault('overlapping_entries', 'two entries of the archive share the same bytes (an overlapping-entries bomb)');
  }
  return start;
}

function inflateFault(error: unknown): Error {
  if (error instanceof SourceReadError || error instanceof ArchiveFault || error instanceof FileFault) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new FileFault('corrupt_entry', `the file cannot be inflated (${message})`);
}

/**
 * The entry's content, inflated as it streams and counted by the budget chunk by chunk: reading stops at
 * the first byte past a cap, whatever the archive declares.
 */
export async function* readZipEntry(source: ArchiveSource, entry: ArchiveEntry, budget: InflateBudget): AsyncGenerator<Buffer> {
  if (entry.method !== STORED && entry.method !== DEFLATED) {
    throw new FileFault('unsupported_compression', `the file is compressed with method ${entry.method}; only stored and deflate are read`);
  }
  const count = budget.meter(entry.name, entry.compressedSize);
  const start = await dataStart(source, entry);
  const raw = source.read(start, start + entry.compressedSize);
  const content: Readable = entry.method === DEFLATED ? pipeline(raw, createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES }), () => undefined) : raw;
  try {
    for await (const chunk of content) {
      count((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  } catch (error) {
    throw inflateFault(error);
  } finally {
    content.destroy();
    raw.destroy();
  }
}

/** A whole upload that is not an archive (a bare JSONL or CSV file), counted like an entry. */
export async function* readWhole(source: ArchiveSource, budget: InflateBudget): AsyncGenerator<Buffer> {
  const count = budget.meter('upload', source.size);
  const content = source.read(0, source.size);
  try {
    for await (const chunk of content) {
      count((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  } finally {
    content.destroy();
  }
}
