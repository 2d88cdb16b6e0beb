import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordByKind, RecordKind, RunInput } from '@lockbox/analysis-sdk';
import type { CuratedDataset, CuratedRecordsReader } from '@lockbox/storage';
import { consentedKinds, RunInputStager } from './run-input-stager';

/** Stands in for S3: records per dataset and kind. */
function fakeReader(records: Record<string, Partial<Record<RecordKind, object[]>>>): CuratedRecordsReader {
  return {
    async *records<K extends RecordKind>(dataset: CuratedDataset, kind: K): AsyncGenerator<RecordByKind[K]> {
      for (const record of records[dataset.id]?.[kind] ?? []) yield record as RecordByKind[K];
    },
  } as unknown as CuratedRecordsReader;
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

    const staged = await new RunInputStager(reader).stage(attemptDir, runInput, [dataset('a'), dataset('b')]);

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
    await expect(new RunInputStager(reader).stage(attemptDir, runInput, [dataset('a')])).rejects.toThrow('S3 is away');
  });

  it('ignores scopes of unknown kinds', () => {
    expect(consentedKinds({ 'social.posts': ['likes'], ...({ 'not.a.kind': ['x'] } as object) })).toEqual([['social.posts', ['likes']]]);
  });
});
