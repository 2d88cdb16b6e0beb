import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error';
import { readSubmissionFile, tarHeader, writeSubmissionFile } from './submission-file';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'lockbox-pack-spec-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('the submission file', () => {
  it('is a tar of lockbox.json then image.tar that tar itself reads, and that reads back to the same parts', async () => {
    const image = Buffer.alloc(1500, 7); // not a multiple of 512: padding must be right
    await writeFile(join(dir, 'image.tar'), image);
    const manifest = { name: 'demo', version: '1.0.0' };
    const { imageBytes, bytes } = await writeSubmissionFile(join(dir, 'out.tar'), manifest, join(dir, 'image.tar'));
    expect(imageBytes).toBe(1500);
    expect(bytes % 512).toBe(0);

    expect(
      execFileSync('tar', ['tf', join(dir, 'out.tar')], { encoding: 'utf8' })
        .trim()
        .split('\n'),
    ).toEqual(['lockbox.json', 'image.tar']);
    execFileSync('tar', ['xf', join(dir, 'out.tar'), '-C', dir, 'image.tar', 'lockbox.json']);
    expect((await readFile(join(dir, 'image.tar'))).equals(image)).toBe(true);

    const read = await readSubmissionFile(join(dir, 'out.tar'));
    expect(read.manifest).toEqual(manifest);
    const file = await readFile(join(dir, 'out.tar'));
    expect(file.subarray(read.image.offset, read.image.offset + read.image.size).equals(image)).toBe(true);
  });

  it('gives the same bytes for the same inputs', async () => {
    await writeFile(join(dir, 'image.tar'), 'layers');
    await writeSubmissionFile(join(dir, 'a.tar'), { name: 'x' }, join(dir, 'image.tar'));
    await writeSubmissionFile(join(dir, 'b.tar'), { name: 'x' }, join(dir, 'image.tar'));
    expect((await readFile(join(dir, 'a.tar'))).equals(await readFile(join(dir, 'b.tar')))).toBe(true);
  });

  it('refuses files that are not submission files, saying why', async () => {
    await writeFile(join(dir, 'text.tar'), Buffer.alloc(1024, 'a'));
    await expect(readSubmissionFile(join(dir, 'text.tar'))).rejects.toThrow('not a tar file');

    // A tar without image.tar.
    await writeFile(join(dir, 'only-manifest.tar'), Buffer.concat([tarHeader('lockbox.json', 2), Buffer.from('{}'), Buffer.alloc(510 + 1024)]));
    await expect(readSubmissionFile(join(dir, 'only-manifest.tar'))).rejects.toThrow('must hold lockbox.json and image.tar');

    await expect(readSubmissionFile(join(dir, 'missing.tar'))).rejects.toBeInstanceOf(CliError);
  });

  it('writes header checksums that tar tools verify', () => {
    const header = tarHeader('lockbox.json', 42);
    const stored = parseInt(header.toString('ascii', 148, 154), 8);
    const copy = Buffer.from(header);
    copy.fill(' ', 148, 156);
    expect(stored).toBe(copy.reduce((sum, byte) => sum + byte, 0));
    expect(() => tarHeader('x'.repeat(101), 1)).toThrow(RangeError);
  });
});
