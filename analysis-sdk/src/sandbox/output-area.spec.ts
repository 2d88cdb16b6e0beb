import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUTPUT_MAX_DIRECTORIES } from './collect-output';
import { DirectoryOutputArea } from './output-area';

// The tmpfs area needs root and the engine: see test/integration/sandbox-runner.int-spec.ts.
describe('DirectoryOutputArea (developer machines)', () => {
  const options = { sizeBytes: 64 * 1024, maxFiles: 5, uid: process.getuid!(), gid: process.getgid!() };
  // The same thresholds as the tmpfs: the byte cap plus one 4 KiB page per allowed file, and inodes
  // for the files, the directories, the root and one spare.
  const byteThreshold = options.sizeBytes + (options.maxFiles + 1) * 4096;
  let parent: string;
  let area: DirectoryOutputArea;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'lockbox-area-'));
    area = await DirectoryOutputArea.create(parent, options);
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('is a fresh directory under the parent, owned by the container user', () => {
    expect(area.kind).toBe('directory');
    expect(area.path.startsWith(`${parent}/output-`)).toBe(true);
    expect(statSync(area.path).uid).toBe(options.uid);
  });

  it('is not full up to the tmpfs byte threshold, and full one byte past it', async () => {
    await writeFile(join(area.path, 'a'), Buffer.alloc(byteThreshold - 10));
    await mkdir(join(area.path, 'artifacts'));
    await writeFile(join(area.path, 'artifacts', 'b'), Buffer.alloc(10));
    expect(await area.fullness()).toBeUndefined();
    await writeFile(join(area.path, 'artifacts', 'c'), Buffer.alloc(1));
    expect(await area.fullness()).toBe('bytes');
  });

  it('is full when it holds more entries than the tmpfs has inodes', async () => {
    const inodes = options.maxFiles + OUTPUT_MAX_DIRECTORIES + 2;
    // The root is one inode.
    for (let i = 0; i < inodes - 1; i++) await writeFile(join(area.path, `f${i}`), '');
    expect(await area.fullness()).toBeUndefined();
    await writeFile(join(area.path, 'one-more'), '');
    expect(await area.fullness()).toBe('files');
  });

  it('removes everything on dispose, twice without error', async () => {
    await mkdir(join(area.path, 'artifacts'));
    await writeFile(join(area.path, 'artifacts', 'x.txt'), 'x');
    await area.dispose();
    await area.dispose();
    expect(existsSync(area.path)).toBe(false);
  });
});
