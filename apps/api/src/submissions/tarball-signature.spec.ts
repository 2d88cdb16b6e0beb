import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { TarballSignatureCheck, tarballFormatOf } from './tarball-signature';

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Streams `bytes` through the check in chunks of `chunkBytes`; returns what came out, or the error. */
async function passThrough(bytes: Buffer, chunkBytes: number): Promise<{ output?: Buffer; error?: Error; format?: string }> {
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += chunkBytes) chunks.push(bytes.subarray(start, start + chunkBytes));
  const check = new TarballSignatureCheck(() => new Error('not a tar'));
  const received: Buffer[] = [];
  try {
    await pipeline(Readable.from(chunks), check, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) received.push(chunk);
    });
    return { output: Buffer.concat(received), format: check.format };
  } catch (error) {
    return { error: error as Error, output: Buffer.concat(received) };
  }
}

describe('tarballFormatOf', () => {
  it('recognizes a ustar archive, a GNU tar and a gzip stream', async () => {
    const archive = await tarOf({ 'manifest.json': '[]' });
    expect(tarballFormatOf(archive.subarray(0, 512))).toBe('tar');
    const gnu = Buffer.from(archive.subarray(0, 512));
    gnu.write('ustar  \0', 257, 'latin1');
    expect(tarballFormatOf(gnu)).toBe('tar');
    expect(tarballFormatOf(gzipSync(archive).subarray(0, 512))).toBe('gzip');
  });

  it('refuses other bytes, and a first block that is cut short', async () => {
    const archive = await tarOf({ 'manifest.json': '[]' });
    expect(tarballFormatOf(archive.subarray(0, 511))).toBeUndefined();
    expect(tarballFormatOf(Buffer.alloc(512))).toBeUndefined();
    expect(tarballFormatOf(Buffer.from('PK\u0003\u0004 a zip file'.padEnd(600, '.')))).toBeUndefined();
    expect(tarballFormatOf(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('TarballSignatureCheck', () => {
  it('passes a tar through byte for byte, however it is chunked', async () => {
    const archive = await tarOf({ 'a.txt': 'x'.repeat(3000), 'b.txt': 'y' });
    for (const chunkBytes of [1, 100, 511, 512, 4096]) {
      const { output, error, format } = await passThrough(archive, chunkBytes);
      expect(error).toBeUndefined();
      expect(format).toBe('tar');
      expect(output!.equals(archive)).toBe(true);
    }
  });

  it('passes a small gzip stream through', async () => {
    const gzip = gzipSync(await tarOf({ 'a.txt': 'x' }));
    const { output, error, format } = await passThrough(gzip, 7);
    expect(error).toBeUndefined();
    expect(format).toBe('gzip');
    expect(output!.equals(gzip)).toBe(true);
  });

  it('fails before passing anything on when the first block is not a tar, or the upload is shorter than a block', async () => {
    for (const bytes of [Buffer.from('{"not":"a tar"}'.padEnd(5000, ' ')), Buffer.from('short'), Buffer.alloc(0)]) {
      const { error, output } = await passThrough(bytes, 256);
      expect(error?.message).toBe('not a tar');
      expect(output!.length).toBe(0);
    }
  });
});
