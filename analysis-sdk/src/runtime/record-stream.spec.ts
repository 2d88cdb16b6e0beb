import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordParseError, records, recordsPath } from './record-stream';

const post = (n: number) => JSON.stringify({ kind: 'social.posts', timestamp: `2026-01-05T${String(n % 24).padStart(2, '0')}:00:00Z`, likes: n });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('records', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lockbox-records-'));
    mkdirSync(join(dir, 'data'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('yields each line of <kind>.jsonl in order, skipping blank lines and accepting CRLF', async () => {
    writeFileSync(recordsPath('social.posts', dir), `${post(1)}\n\n   \r\n${post(2)}\r\n${post(3)}`);
    const likes = (await collect(records('social.posts', dir))).map((record) => record.likes);
    expect(likes).toEqual([1, 2, 3]);
  });

  it('streams: the first record arrives while the writer is still writing', async () => {
    // A FIFO has no end until the writer closes it, so reading the file whole would wait forever here.
    const fifo = recordsPath('social.posts', dir);
    execFileSync('mkfifo', [fifo]);
    const iterator = records('social.posts', dir)[Symbol.asyncIterator]();
    const first = iterator.next();
    const writer = createWriteStream(fifo);
    writer.write(`${post(1)}\n`);
    await expect(first).resolves.toEqual({ done: false, value: JSON.parse(post(1)) });
    writer.end(`${post(2)}\n`);
    await expect(iterator.next()).resolves.toEqual({ done: false, value: JSON.parse(post(2)) });
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('names the file and line of malformed JSON', async () => {
    writeFileSync(recordsPath('social.posts', dir), `${post(1)}\n\n{"kind": "social.posts", "likes": \n${post(2)}\n`);
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const record of records('social.posts', dir)) seen.push(record);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(RecordParseError);
    expect((error as RecordParseError).line).toBe(3);
    expect((error as Error).message).toMatch(new RegExp(`^${recordsPath('social.posts', dir).replace(/\./g, '\\.')} line 3 is not valid JSON: `));
  });

  it('rejects lines that are not objects of the file kind', async () => {
    writeFileSync(recordsPath('social.posts', dir), `[1, 2]\n`);
    await expect(collect(records('social.posts', dir))).rejects.toThrow(/line 1 is not a JSON object$/);
    writeFileSync(recordsPath('social.posts', dir), `${post(1)}\n{"kind":"social.comments"}\n`);
    await expect(collect(records('social.posts', dir))).rejects.toThrow(/line 2 has kind "social.comments" but the file holds social.posts records$/);
  });

  it('yields nothing when the kind has no file (not consented, or no data)', async () => {
    await expect(collect(records('social.messages', dir))).resolves.toEqual([]);
    await expect(collect(records('social.posts', join(dir, 'nowhere')))).resolves.toEqual([]);
  });

  it('refuses an unknown kind before touching the file system', async () => {
    await expect(collect(records('../../etc/passwd' as 'social.posts', dir))).rejects.toThrow(/unknown record kind '\.\.\/\.\.\/etc\/passwd'/);
  });

  it('can be left early', async () => {
    writeFileSync(recordsPath('social.posts', dir), Array.from({ length: 1000 }, (_, i) => post(i)).join('\n'));
    let count = 0;
    for await (const _record of records('social.posts', dir)) {
      if (++count === 3) break;
    }
    expect(count).toBe(3);
  });
});
