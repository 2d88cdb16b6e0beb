// The synchronous "is it a tar?" check of a submitted image, made on the first bytes while the upload
// streams to S3. It only rules out what is plainly not an image tarball (a zip, a PNG, a JSON file); the
// worker's intake inspects the whole archive.
//
// A gzip-compressed tarball (`docker save | gzip`) is accepted on its gzip magic alone, since `docker load`
// takes it too: what is inside is only known after decompression, which the worker's intake does (a gzip of
// something else ends as `check_failed`, rule `not_a_tar`).
import { Transform, type TransformCallback } from 'node:stream';

export type TarballFormat = 'tar' | 'gzip';

const TAR_BLOCK_BYTES = 512;
/** POSIX ustar ("ustar\0") and GNU tar ("ustar  \0") both start with these five bytes at offset 257. */
const USTAR_MAGIC = Buffer.from('ustar', 'latin1');
const USTAR_MAGIC_OFFSET = 257;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/**
 * The format the first bytes show: `head` holds the first 512 bytes, or every byte when the upload is
 * shorter. Undefined means neither a tar nor a gzip.
 */
export function tarballFormatOf(head: Buffer): TarballFormat | undefined {
  if (head.length >= GZIP_MAGIC.length && head.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC)) return 'gzip';
  if (head.length < TAR_BLOCK_BYTES) return undefined;
  const magic = head.subarray(USTAR_MAGIC_OFFSET, USTAR_MAGIC_OFFSET + USTAR_MAGIC.length);
  return magic.equals(USTAR_MAGIC) ? 'tar' : undefined;
}

/**
 * Passes the bytes through unchanged once the first block has shown a tar (or gzip) signature, and fails
 * with `notATar()` otherwise, before anything has been passed on. Holds back at most one 512-byte block.
 */
export class TarballSignatureCheck extends Transform {
  format?: TarballFormat;
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(private readonly notATar: () => Error) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.format) return callback(null, chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes < TAR_BLOCK_BYTES) return callback();
    this.decide(callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.format) return callback();
    this.decide(callback);
  }

  private decide(callback: TransformCallback): void {
    const held = Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.format = tarballFormatOf(held.subarray(0, TAR_BLOCK_BYTES));
    if (!this.format) return callback(this.notATar());
    callback(null, held);
  }
}
