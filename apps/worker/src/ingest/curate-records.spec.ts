import { Readable } from 'node:stream';
import { ObjectNotFoundError, type ObjectStorageRepository, type StoredObject } from '@lockbox/storage';
import { curateRecords } from './curate-records';

/** An in-memory stand-in for S3: putStream drains the body slowly, like a real upload. */
class FakeStorage {
  readonly objects = new Map<string, string>();
  failKey?: string;

  constructor(private readonly raw: Record<string, Buffer>) {}

  async getStream(key: string): Promise<Readable> {
    if (!this.raw[key]) throw new ObjectNotFoundError(key);
    return Readable.from([this.raw[key]]);
  }

  async putStream(key: string, body: Readable): Promise<StoredObject> {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (key === this.failKey) {
        body.destroy();
        throw new Error('S3 went away');
      }
      chunks.push(Buffer.from(chunk));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const text = Buffer.concat(chunks).toString();
    this.objects.set(key, text);
    return { size: text.length, sha256: '' };
  }
}

const post = (likes: number): string => JSON.stringify({ kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', likes });
const reaction = JSON.stringify({ kind: 'social.reactions', timestamp: '2026-01-05T18:20:00Z', platform: 'x', reaction: 'like' });

function run(storage: FakeStorage, stop = new AbortController().signal): ReturnType<typeof curateRecords> {
  return curateRecords(storage as unknown as ObjectStorageRepository, { rawKey: 'raw/u', curatedPrefix: 'curated/d/', stop });
}

describe('curateRecords', () => {
  it('writes one object per kind with the valid records and tallies the invalid lines', async () => {
    const posts = Array.from({ length: 5000 }, (_, index) => post(index));
    const raw = [posts[0], '{oops', reaction, '', post(-1), ...posts.slice(1)].join('\n');
    const storage = new FakeStorage({ 'raw/u': Buffer.from(raw) });
    const tally = await run(storage);
    expect(tally.recordKinds).toEqual({ 'social.posts': 5000, 'social.reactions': 1 });
    expect(tally.lineErrors).toEqual([
      { line: 2, reason: 'line is not valid JSON' },
      { line: 5, reason: 'likes must be a non-negative integer' },
    ]);
    expect([...storage.objects.keys()].sort()).toEqual(['curated/d/social.posts.jsonl', 'curated/d/social.reactions.jsonl']);
    expect(storage.objects.get('curated/d/social.posts.jsonl')).toBe(`${posts.join('\n')}\n`);
    expect(storage.objects.get('curated/d/social.reactions.jsonl')).toBe(`${reaction}\n`);
  });

  it('fails (rather than hanging) when an upload fails part-way', async () => {
    const storage = new FakeStorage({ 'raw/u': Buffer.from(Array.from({ length: 5000 }, (_, index) => post(index)).join('\n')) });
    storage.failKey = 'curated/d/social.posts.jsonl';
    await expect(run(storage)).rejects.toThrow('S3 went away');
  });

  it('stops when told to, storing nothing more', async () => {
    const storage = new FakeStorage({ 'raw/u': Buffer.from([post(1), post(2)].join('\n')) });
    const stop = new AbortController();
    stop.abort(new Error('lease lost'));
    await expect(run(storage, stop.signal)).rejects.toThrow('lease lost');
    expect(storage.objects.size).toBe(0);
  });

  it('throws ObjectNotFoundError when the upload is gone', async () => {
    await expect(run(new FakeStorage({}))).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});
