// The submission file `lockbox pack` writes and `lockbox submit` sends: a plain (uncompressed) POSIX
// tar holding exactly two regular files, in this order:
//   lockbox.json  the manifest
//   image.tar     `docker save` of the image, by ID
// Any tar tool can open it; the API itself still takes the two as separate multipart parts.
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { CliError } from './cli-error';

export const SUBMISSION_MANIFEST_ENTRY = 'lockbox.json';
export const SUBMISSION_IMAGE_ENTRY = 'image.tar';
const BLOCK = 512;
/** The largest size the 11 octal digits of a ustar header can hold (8 GiB - 1). */
const USTAR_MAX_SIZE = 0o77777777777;

/** A ustar header for a regular file (mode 0644, owner 0:0, mtime 0 so the same inputs give the same bytes). */
export function tarHeader(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new RangeError(`tar entry name too long: ${name}`);
  if (!Number.isSafeInteger(size) || size < 0 || size > USTAR_MAX_SIZE) throw new RangeError(`tar entry ${name} is too large (${size} bytes)`);
  const header = Buffer.alloc(BLOCK);
  const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, '0') + '\0';
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(0, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii'); // the checksum is computed over spaces in its own field
  header.write('0', 156, 'ascii');
  header.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** Writes the submission file: the manifest (as given, pretty-printed) and the image tarball, streamed. */
export async function writeSubmissionFile(outPath: string, manifest: object, imageTarPath: string): Promise<{ bytes: number; imageBytes: number }> {
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const imageBytes = (await stat(imageTarPath)).size;
  const out = createWriteStream(outPath, { mode: 0o644 });
  const write = async (chunk: Buffer) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    await write(tarHeader(SUBMISSION_MANIFEST_ENTRY, manifestBytes.length));
    await write(manifestBytes);
    await write(padding(manifestBytes.length));
    await write(tarHeader(SUBMISSION_IMAGE_ENTRY, imageBytes));
    for await (const chunk of createReadStream(imageTarPath)) await write(chunk as Buffer);
    await write(padding(imageBytes));
    await write(Buffer.alloc(2 * BLOCK)); // end of archive
    out.end();
    await finished(out);
  } catch (error) {
    out.destroy();
    throw error;
  }
  return { bytes: (await stat(outPath)).size, imageBytes };
}

export interface SubmissionFile {
  manifest: unknown;
  /** Where image.tar's bytes are inside the file, to stream them without extracting. */
  image: { offset: number; size: number };
}

/** Reads a submission file's entries; CliError when it is not one. */
export async function readSubmissionFile(path: string): Promise<SubmissionFile> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(error.code === 'ENOENT' ? `${path} not found` : `cannot read ${path}: ${error.message}`);
  });
  try {
    const fileSize = (await handle.stat()).size;
    const entries = new Map<string, { offset: number; size: number }>();
    let offset = 0;
    while (offset + BLOCK <= fileSize) {
      const header = Buffer.alloc(BLOCK);
      await handle.read(header, 0, BLOCK, offset);
      if (header.every((byte) => byte === 0)) break;
      if (header.toString('ascii', 257, 262) !== 'ustar') throw notASubmission(path, 'it is not a tar file');
      const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      const size = parseInt(header.toString('ascii', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
      const type = header.toString('ascii', 156, 157);
      if (!Number.isSafeInteger(size) || offset + BLOCK + size > fileSize) throw notASubmission(path, `entry ${name} is truncated`);
      if (type === '0' || type === '\0') entries.set(name, { offset: offset + BLOCK, size });
      offset += BLOCK + size + padding(size).length;
    }
    const manifestEntry = entries.get(SUBMISSION_MANIFEST_ENTRY);
    const image = entries.get(SUBMISSION_IMAGE_ENTRY);
    if (!manifestEntry || !image) throw notASubmission(path, `it must hold ${SUBMISSION_MANIFEST_ENTRY} and ${SUBMISSION_IMAGE_ENTRY}`);
    if (manifestEntry.size > 1024 * 1024) throw notASubmission(path, `${SUBMISSION_MANIFEST_ENTRY} is larger than 1 MiB`);
    const text = Buffer.alloc(manifestEntry.size);
    await handle.read(text, 0, manifestEntry.size, manifestEntry.offset);
    let manifest: unknown;
    try {
      manifest = JSON.parse(text.toString('utf8'));
    } catch (error) {
      throw notASubmission(path, `its ${SUBMISSION_MANIFEST_ENTRY} is not valid JSON: ${(error as Error).message}`);
    }
    return { manifest, image };
  } finally {
    await handle.close();
  }
}

function notASubmission(path: string, why: string): CliError {
  return new CliError(`${path} is not a submission file (made by lockbox pack): ${why}`);
}
