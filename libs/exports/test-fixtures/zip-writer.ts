// Writes ZIP archives for tests and the bench: well-formed ones with yazl (Zip64 on request), and
// hand-made ones byte by byte for the hostile cases no honest writer produces.
import { crc32, deflateRawSync } from 'node:zlib';
import { Readable } from 'node:stream';
import * as yazl from 'yazl';

export interface ArchiveFile {
  name: string;
  data: Buffer | string;
  /** Deflate (default) or store. */
  compress?: boolean;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A well-formed ZIP of `files`, in order. */
export async function zipFiles(files: readonly ArchiveFile[], options: { zip64?: boolean } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const mtime = new Date(Date.UTC(2024, 4, 1));
  for (const file of files) {
    const data = typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : file.data;
    zip.addBuffer(data, file.name, { compress: file.compress ?? true, forceZip64Format: options.zip64 ?? false, mtime });
  }
  zip.end({ forceZip64Format: options.zip64 ?? false, comment: '' });
  return collect(zip.outputStream);
}

/** A ZIP of parts generated while it is written, never held whole (the bench's large archives). */
export function zipStreams(files: readonly { name: string; content: Readable }[]): NodeJS.ReadableStream {
  const zip = new yazl.ZipFile();
  const mtime = new Date(Date.UTC(2024, 4, 1));
  for (const file of files) zip.addReadStream(file.content, file.name, { mtime, compress: true });
  zip.end();
  return zip.outputStream;
}

/** One entry as it goes in the local header. */
export interface LocalEntry {
  offset: number;
  name: Buffer;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
}

/**
 * Byte-level ZIP writer: local entries and central directory records are added separately, so a test can
 * point several records at one local entry, declare sizes that lie, set flags and methods, or use names
 * no honest tool writes.
 */
export class RawZipBuilder {
  private readonly parts: Buffer[] = [];
  private length = 0;
  private readonly central: Buffer[] = [];
  private records = 0;

  /** A local header and its data; `method` 8 deflates `data` unless `compressed` is given. */
  addLocal(name: string | Buffer, data: Buffer, options: { method?: number; flags?: number; compressed?: Buffer; declaredSize?: number } = {}): LocalEntry {
    const method = options.method ?? 8;
    const body = options.compressed ?? (method === 8 ? deflateRawSync(data) : data);
    const entry: LocalEntry = {
      offset: this.length,
      name: typeof name === 'string' ? Buffer.from(name, 'utf8') : name,
      method,
      flags: (options.flags ?? 0) | 0x800,
      crc: crc32(data),
      compressedSize: body.length,
      uncompressedSize: options.declaredSize ?? data.length,
    };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(entry.flags, 6);
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(0x5821, 12);
    header.writeUInt32LE(entry.crc, 14);
    header.writeUInt32LE(entry.compressedSize, 18);
    header.writeUInt32LE(entry.uncompressedSize, 22);
    header.writeUInt16LE(entry.name.length, 26);
    header.writeUInt16LE(0, 28);
    this.push(header, entry.name, body);
    return entry;
  }

  /** Raw bytes between entries (e.g. padding, or nothing at all for a non-ZIP). */
  addBytes(bytes: Buffer): void {
    this.push(bytes);
  }

  /** A central directory record for `entry`; `overrides` change what it declares. */
  addCentral(entry: LocalEntry, overrides: Partial<Omit<LocalEntry, 'name'>> & { name?: string | Buffer } = {}): void {
    const record = {
      ...entry,
      ...overrides,
      name: overrides.name === undefined ? entry.name : typeof overrides.name === 'string' ? Buffer.from(overrides.name, 'utf8') : overrides.name,
    };
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(0x031e, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(record.flags, 8);
    header.writeUInt16LE(record.method, 10);
    header.writeUInt16LE(0, 12);
    header.writeUInt16LE(0x5821, 14);
    header.writeUInt32LE(record.crc, 16);
    header.writeUInt32LE(record.compressedSize, 20);
    header.writeUInt32LE(record.uncompressedSize, 24);
    header.writeUInt16LE(record.name.length, 28);
    header.writeUInt16LE(0, 30);
    header.writeUInt16LE(0, 32);
    header.writeUInt16LE(0, 34);
    header.writeUInt16LE(0, 36);
    header.writeUInt32LE(0, 38);
    header.writeUInt32LE(record.offset, 42);
    this.central.push(header, record.name);
    this.records++;
  }

  /** A local entry with its own central record: the common case. */
  add(name: string | Buffer, data: Buffer, options: Parameters<RawZipBuilder['addLocal']>[2] = {}): LocalEntry {
    const entry = this.addLocal(name, data, options);
    this.addCentral(entry);
    return entry;
  }

  toBuffer(): Buffer {
    const directory = Buffer.concat(this.central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.records, 8);
    end.writeUInt16LE(this.records, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(this.length, 16);
    return Buffer.concat([...this.parts, directory, end]);
  }

  private push(...buffers: Buffer[]): void {
    for (const buffer of buffers) {
      this.parts.push(buffer);
      this.length += buffer.length;
    }
  }
}
