import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsentScopes, RecordByKind, RecordKind, RunInput } from '@lockbox/analysis-sdk';
import { recordKey } from '@lockbox/exports';
import type { CuratedDataset, CuratedRecordsReader } from '@lockbox/storage';
import { consentedKinds, type RecordKeyLookup, RunInputStager } from './run-input-stager';

/** Stands in for S3: records per dataset and kind. */
function fakeReader(records: Record<string, Partial<Record<RecordKind, object[]>>>): CuratedRecordsReader {
  return {
    async *records<K extends RecordKind>(dataset: CuratedDataset, kind: K): AsyncGenerator<RecordByKind[K]> {
      for (const record of records[dataset.id]?.[kind] ?? []) yield record as RecordByKind[K];
    },
  } as unknown as CuratedRecordsReader;
}

/** Stands in for PostgreSQL's record_keys: each dataset holds the keys of its records; every lookup is kept. */
function fakeKeys(records: Record<string, Partial<Record<RecordKind, object[]>>>): RecordKeyLookup & { lookups: Array<[string, readonly string[], number]> } {
  const lookups: Array<[string, readonly string[], number]> = [];
  return {
    lookups,
    heldByDatasets: async (userId, datasetIds, keys) => {
      lookups.push([userId, datasetIds, keys.length]);
      const held = new Set(datasetIds.flatMap((id) => Object.values(records[id] ?? {}).flatMap((list) => list.map((record) => recordKey(record as never)))));
      return new Set(keys.filter((key) => held.has(key)));
    },
  };
}

const dataset = (id: string): CuratedDataset => ({ id, status: 'ready', curatedPrefix: `curated/dataset=${id}/`, recordKinds: {} });

describe('RunInputStager', () => {
  const runInput: RunInput = {
    runId: 'run-1',
    analysis: 'probe',
    version: '1.0.0',
    params: { depth: 2 },
    scopes: { 'social.posts': ['timestamp', 'likes'], 'social.reactions': ['reaction'] },
  };

  it('writes run.json and only the consented fields of every dataset, world-readable', async () => {
    const attemptDir = mkdtempSync(join(tmpdir(), 'lockbox-stage-'));
    const reader = fakeReader({
      a: {
        'social.posts': [
          { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'secret', likes: 3, shares: 1 },
          // Fields outside the consent (text, shares, platform, type, a stray property) never reach the analysis.
          { kind: 'social.posts', timestamp: '2026-01-06T10:00:00Z', platform: 'x', type: 'reply', likes: 0, extra: 'leak' },
        ],
        'social.comments': [{ kind: 'social.comments', timestamp: '2026-01-05T18:20:00Z', platform: 'x', text: 'not consented' }],
      },
      b: { 'social.posts': [{ kind: 'social.posts', timestamp: '2026-02-01T00:00:00Z', platform: 'reddit', type: 'post' }] },
    });

    const staged = await new RunInputStager(reader, fakeKeys({})).stage(attemptDir, runInput, [dataset('a'), dataset('b')], 'user-1');

    expect(staged.inputDir).toBe(join(attemptDir, 'input'));
    expect(staged.records).toEqual({ 'social.posts': 3, 'social.reactions': 0 });
    expect(JSON.parse(readFileSync(join(staged.inputDir, 'run.json'), 'utf8'))).toEqual(runInput);
    const posts = readFileSync(join(staged.inputDir, 'data/social.posts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(posts).toEqual([
      { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', likes: 3 },
      { kind: 'social.posts', timestamp: '2026-01-06T10:00:00Z', likes: 0 },
      { kind: 'social.posts', timestamp: '2026-02-01T00:00:00Z' },
    ]);
    expect(readFileSync(join(staged.inputDir, 'data/social.reactions.jsonl'), 'utf8')).toBe('');
    expect(() => statSync(join(staged.inputDir, 'data/social.comments.jsonl'))).toThrow();

    expect(statSync(staged.inputDir).mode & 0o777).toBe(0o755);
    expect(statSync(join(staged.inputDir, 'data')).mode & 0o777).toBe(0o755);
    expect(statSync(join(staged.inputDir, 'run.json')).mode & 0o777).toBe(0o644);
    expect(statSync(join(staged.inputDir, 'data/social.posts.jsonl')).mode & 0o777).toBe(0o644);
  });

  it('fails the staging when reading a dataset fails', async () => {
    const attemptDir = mkdtempSync(join(tmpdir(), 'lockbox-stage-'));
    const reader = {
      // eslint-disable-next-line require-yield
      async *records(): AsyncGenerator<never> {
        throw new Error('S3 is away');
      },
    } as unknown as CuratedRecordsReader;
    await expect(new RunInputStager(reader, fakeKeys({})).stage(attemptDir, runInput, [dataset('a')], 'user-1')).rejects.toThrow('S3 is away');
  });

  it("gives each record once: a record an earlier dataset of the run holds is passed over, the owner's keys only", async () => {
    const attemptDir = mkdtempSync(join(tmpdir(), 'lockbox-stage-'));
    const shared = { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', likes: 3, id: '1' };
    const onlyInB = { kind: 'social.posts', timestamp: '2026-01-07T18:20:00Z', platform: 'x', type: 'post', likes: 9, id: '2' };
    const records = { a: { 'social.posts': [shared] }, b: { 'social.posts': [{ ...shared, likes: 4 }, onlyInB] } };
    const keys = fakeKeys(records);
    const staged = await new RunInputStager(fakeReader(records), keys).stage(attemptDir, runInput, [dataset('a'), dataset('b')], 'user-1');
    expect(staged.records['social.posts']).toBe(2);
    const posts = readFileSync(join(staged.inputDir, 'data/social.posts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // The first dataset's copy is the one given (same id: the same post, whatever its counts say now).
    expect(posts).toEqual([
      { kind: 'social.posts', timestamp: shared.timestamp, likes: 3 },
      { kind: 'social.posts', timestamp: onlyInB.timestamp, likes: 9 },
    ]);
    // The first dataset needs no lookup; the second's asks about the first only, for this person.
    expect(keys.lookups).toEqual([['user-1', ['a'], 2]]);
  });

  it('gives each consented field at its grain: latitude@1km has at most two decimals, timestamp@day is the UTC day', async () => {
    const attemptDir = mkdtempSync(join(tmpdir(), 'lockbox-stage-'));
    const point = {
      kind: 'location.points',
      timestamp: '2026-01-05T18:20:31Z',
      platform: 'google',
      latitude: 56.1629403,
      longitude: -75.0117499,
      accuracy: 12,
    };
    const scopes: ConsentScopes = { 'location.points': ['timestamp@day', 'latitude@1km', 'longitude@1km'] };
    const staged = await new RunInputStager(fakeReader({ a: { 'location.points': [point] } }), fakeKeys({})).stage(
      attemptDir,
      { ...runInput, scopes },
      [dataset('a')],
      'user-1',
    );
    expect(JSON.parse(readFileSync(join(staged.inputDir, 'data/location.points.jsonl'), 'utf8'))).toEqual({
      kind: 'location.points',
      timestamp: '2026-01-05T00:00:00Z',
      latitude: 56.16,
      longitude: -75.01,
    });
  });

  it('ignores scopes of unknown kinds', () => {
    expect(consentedKinds({ 'social.posts': ['likes'], ...({ 'not.a.kind': ['x'] } as object) })).toEqual([['social.posts', ['likes']]]);
  });
});
