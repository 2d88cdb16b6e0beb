import { curatedPrefix, curatedRecordsKey, partitionDate, rawUploadKey } from './dataset-keys';

describe('dataset keys', () => {
  const partition = { userId: 'u-1', source: 'lockbox', date: new Date('2026-01-05T23:59:59-05:00'), datasetId: 'd-1' };

  it('partitions by user, source, UTC date and dataset', () => {
    expect(partitionDate(partition.date)).toBe('2026-01-06');
    expect(rawUploadKey(partition)).toBe('raw/user=u-1/source=lockbox/date=2026-01-06/dataset=d-1/upload.jsonl');
    expect(curatedPrefix(partition)).toBe('curated/user=u-1/source=lockbox/date=2026-01-06/dataset=d-1/');
    expect(curatedRecordsKey(curatedPrefix(partition), 'social.posts')).toBe('curated/user=u-1/source=lockbox/date=2026-01-06/dataset=d-1/social.posts.jsonl');
  });
});
