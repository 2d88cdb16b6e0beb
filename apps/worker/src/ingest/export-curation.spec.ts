import type { CanonicalRecord } from '@lockbox/analysis-sdk';
import type { CuratedWriter } from './curated-writer';
import { type DatasetKeyStore, ExportCuration } from './export-curation';

/** The writer's calls, and a key store that remembers every key it was given, as record_keys does per dataset. */
function harness(limits = { records: 3, bytes: 1024 * 1024 }) {
  const written: Array<[string, string]> = [];
  const writer = { write: jest.fn(async (kind: string, json: string) => void written.push([kind, json])), finish: jest.fn(async () => undefined) };
  const held = new Set<string>();
  const batches: string[][] = [];
  const keys: DatasetKeyStore = {
    addKeys: async (given) => {
      batches.push([...given]);
      const fresh = new Set(given.filter((key) => !held.has(key)));
      for (const key of given) held.add(key);
      return fresh;
    },
  };
  return { curation: new ExportCuration(writer as unknown as CuratedWriter, keys, limits), written, batches, writer };
}

const post = (id: string): CanonicalRecord => ({ kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', id });

describe('ExportCuration', () => {
  it('curates each key once, within a batch and across batches, in the order read', async () => {
    const { curation, written, batches, writer } = harness();
    for (const [record, key] of [
      [post('1'), 'a'],
      [post('1'), 'a'],
      [post('2'), 'b'],
      [post('3'), 'c'],
      [post('1'), 'a'],
      [post('4'), 'd'],
    ] as const) {
      await curation.add(record, key);
    }
    await curation.finish();
    // Batches of three records; a key repeated within one is asked about once.
    expect(batches).toEqual([
      ['a', 'b'],
      ['c', 'a', 'd'],
    ]);
    expect(written.map(([, json]) => (JSON.parse(json) as { id: string }).id)).toEqual(['1', '2', '3', '4']);
    expect(curation).toMatchObject({ recordCount: 4, recordKinds: { 'social.posts': 4 }, repeatedInUpload: 2 });
    expect(writer.finish).toHaveBeenCalledTimes(1);
  });

  it('writes a batch once it holds the byte cap, before the record cap', async () => {
    const { curation, batches } = harness({ records: 500, bytes: 200 });
    await curation.add({ ...post('1'), text: 'x'.repeat(150) } as CanonicalRecord, 'a');
    expect(batches).toEqual([['a']]);
    await curation.add(post('2'), 'b');
    expect(batches).toHaveLength(1);
    await curation.finish();
    expect(batches).toEqual([['a'], ['b']]);
  });

  it('writes nothing and asks nothing of an empty upload', async () => {
    const { curation, batches, written } = harness();
    await curation.finish();
    expect([batches, written]).toEqual([[], []]);
  });
});
