import { collectIngest } from '../test-fixtures/collect-ingest';
import {
  blankBomb,
  corruptDirectory,
  encryptedArchive,
  giantElementArchive,
  HOSTILE_NAMES,
  hostileNames,
  incompressibleTweets,
  localHeaderOverlap,
  lyingSize,
  manyEntries,
  nestedArchives,
  notAZip,
  overlappingBomb,
  partialOverlap,
  totalBomb,
  truncatedDeflate,
  unsupportedMethod,
  wideCsvArchive,
} from '../test-fixtures/hostile-archives';
import { RawZipBuilder } from '../test-fixtures/zip-writer';
import type { IngestReport } from './report';

const MiB = 1024 * 1024;

function fileNamed(report: IngestReport, name: string) {
  const file = report.files.find((candidate) => candidate.name === name);
  if (!file) throw new Error(`no file ${name} in the report: ${report.files.map((candidate) => candidate.name).join(', ')}`);
  return file;
}

describe('hostile archives: each ends with its own reason, memory bounded', () => {
  it('refuses bytes that are not a ZIP, and an empty upload, as not_a_zip', async () => {
    for (const upload of [notAZip(), Buffer.alloc(0)]) {
      const { report, records } = await collectIngest(upload, { format: 'auto' });
      expect(report).toMatchObject({ status: 'failed', failure: { reason: 'not_a_zip' }, recordCount: 0 });
      expect(records).toHaveLength(0);
    }
    // A named archive format is not read from a bare file either.
    const { report } = await collectIngest(Buffer.from('{"kind":"social.posts"}\n'), { format: 'x-archive' });
    expect(report.failure?.reason).toBe('not_a_zip');
  });

  it('refuses a ZIP whose central directory cannot be read as corrupt_archive', async () => {
    const { report } = await collectIngest(corruptDirectory(), { format: 'auto' });
    expect(report).toMatchObject({ status: 'failed', failure: { reason: 'corrupt_archive' } });
  });

  it('stops a deflate bomb at the ratio cap, inflating no further than the cap allows', async () => {
    const { report, records } = await collectIngest(blankBomb(10 * MiB), { format: 'auto' });
    expect(report.failure).toEqual({
      reason: 'zip_bomb',
      message: expect.stringMatching(/^data\/tweets\.js inflates to more than 100 times its compressed size/),
    });
    expect(records).toHaveLength(0);
    // The ratio is checked chunk by chunk: about the floor (1 MiB) is inflated, never the 10 MiB declared.
    expect(report.bytesInflated).toBeLessThan(1.2 * MiB);
    // The other side: with a ratio cap above this archive's (~1,000), it is read to its end (an empty array).
    const allowed = await collectIngest(blankBomb(10 * MiB), { format: 'auto', limits: { maxInflateRatio: 2000 } });
    expect(allowed.report.failure?.reason).toBe('no_records');
    expect(fileNamed(allowed.report, 'data/tweets.js')).toMatchObject({ bytesRead: 10 * MiB + 28 });
    expect(fileNamed(allowed.report, 'data/tweets.js').failure).toBeUndefined();
  });

  it('stops at the total inflated cap across entries, and reads archives under it', async () => {
    const limits = { maxTotalInflatedBytes: 2 * MiB };
    const over = await collectIngest(totalBomb(3, 800 * 1024), { format: 'auto', limits });
    expect(over.report.failure).toEqual({ reason: 'zip_bomb', message: 'the archive inflates to more than 2 MiB' });
    expect(over.report.bytesInflated).toBeLessThanOrEqual(2 * MiB + 64 * 1024);
    const under = await collectIngest(totalBomb(2, 800 * 1024), { format: 'auto', limits });
    expect(under.report).toMatchObject({ status: 'ready', records: { 'social.posts': 2 } });
  });

  it('refuses overlapping entries (the Fifield bomb) before inflating anything', async () => {
    for (const upload of [overlappingBomb(), partialOverlap()]) {
      const { report, records } = await collectIngest(upload, { format: 'auto' });
      expect(report.failure?.reason).toBe('overlapping_entries');
      expect(report.bytesInflated).toBe(0);
      expect(records).toHaveLength(0);
    }
  });

  it('refuses an overlap that only the local header shows, when the entry is read', async () => {
    const { report } = await collectIngest(localHeaderOverlap(), { format: 'auto' });
    expect(report.failure?.reason).toBe('overlapping_entries');
    expect(report.bytesInflated).toBe(0);
  });

  it('refuses encrypted entries as encrypted', async () => {
    const { report } = await collectIngest(encryptedArchive(), { format: 'auto' });
    expect(report).toMatchObject({ status: 'failed', failure: { reason: 'encrypted' } });
  });

  it('refuses one entry more than the cap as too_many_entries, and reads exactly the cap', async () => {
    const over = await collectIngest(manyEntries(11), { format: 'auto', limits: { maxEntries: 10 } });
    expect(over.report.failure).toEqual({ reason: 'too_many_entries', message: 'the archive has 11 entries, more than 10' });
    const at = await collectIngest(manyEntries(10), { format: 'auto', limits: { maxEntries: 10 } });
    expect(at.report).toMatchObject({ status: 'ready', entries: 10, records: { 'social.posts': 1 }, notReadCounts: { not_imported: 9 } });
  });

  it('lists nested archives as not read and never opens them', async () => {
    const { report } = await collectIngest(await nestedArchives(), { format: 'auto' });
    expect(report).toMatchObject({ status: 'ready', records: { 'social.posts': 2 }, notReadCounts: { nested_archive: 3 } });
    expect(
      report.notRead
        .filter((file) => file.reason === 'nested_archive')
        .map((file) => file.name)
        .sort(),
    ).toEqual(['backup.tar', 'data/like.js.gz', 'data/more-tweets.zip']);
    expect(report.files.map((file) => file.name)).toEqual(['data/tweets.js']);
  });

  it('reads none of the files with unsafe or duplicate names, each listed with its reason, and reads the rest', async () => {
    const { report } = await collectIngest(hostileNames(), { format: 'x-archive' });
    expect(report).toMatchObject({ status: 'ready', records: { 'social.posts': 2 } });
    expect(report.files.map((file) => file.name)).toEqual(['data/tweets.js']);
    const unsafe = report.notRead.filter((file) => file.reason === 'unsafe_name');
    expect(unsafe).toHaveLength(HOSTILE_NAMES.length);
    for (const [index, { problem }] of HOSTILE_NAMES.entries()) expect(unsafe[index]?.detail).toMatch(problem);
    // Control and bidi characters are escaped in the report, and long names are cut.
    expect(unsafe.map((file) => file.name)).toContain('data/tweets-part3\\u{0007}.js');
    expect(unsafe.map((file) => file.name)).toContain('data/\\u{202e}sj.3trap-steewt');
    expect(unsafe.every((file) => file.name.length <= 200)).toBe(true);
    expect(report.notRead.filter((file) => file.reason === 'duplicate_name')).toEqual([
      { name: 'data/like.js', reason: 'duplicate_name', detail: 'another entry has the same name: neither is read' },
      { name: 'data/like.js', reason: 'duplicate_name', detail: 'another entry has the same name: neither is read' },
    ]);
  });

  it('fails only the file compressed with an unsupported method', async () => {
    const { report } = await collectIngest(unsupportedMethod(), { format: 'x-archive' });
    expect(report).toMatchObject({ status: 'ready', records: { 'social.reactions': 1 } });
    expect(fileNamed(report, 'data/tweets.js').failure).toEqual({ reason: 'unsupported_compression', message: expect.stringContaining('method 12') });
  });

  it('fails only a file that cannot be inflated', async () => {
    const { report } = await collectIngest(truncatedDeflate(), { format: 'x-archive' });
    expect(report.status).toBe('ready');
    expect(fileNamed(report, 'data/tweets.js').failure?.reason).toBe('corrupt_entry');
    expect(fileNamed(report, 'data/like.js').records).toEqual({ 'social.reactions': 1 });
  });

  it('stops a file that inflates past the per-file cap whatever it declares, and refuses one that declares more', async () => {
    const limits = { maxEntryInflatedBytes: 2 * MiB };
    const lying = await collectIngest(lyingSize(3 * MiB), { format: 'x-archive', limits });
    const tweets = fileNamed(lying.report, 'data/tweets.js');
    expect(tweets.failure).toEqual({ reason: 'file_too_large', message: 'the file inflates to more than 2 MiB' });
    expect(tweets.bytesRead).toBeLessThanOrEqual(2 * MiB);
    expect(fileNamed(lying.report, 'data/like.js').records).toEqual({ 'social.reactions': 1 });

    const zip = new RawZipBuilder();
    zip.add('data/tweets.js', incompressibleTweets(3 * MiB));
    const declared = await collectIngest(zip.toBuffer(), { format: 'x-archive', limits });
    expect(fileNamed(declared.report, 'data/tweets.js')).toMatchObject({ bytesRead: 0, failure: { reason: 'file_too_large' } });
    // Under the cap, the same file is read.
    const under = await collectIngest(zip.toBuffer(), { format: 'x-archive', limits: { maxEntryInflatedBytes: 4 * MiB } });
    expect(fileNamed(under.report, 'data/tweets.js').failure).toBeUndefined();
  });

  it('skips a one-line element past the element cap, keeping the elements around it, holding no more than the cap', async () => {
    const { report, records, peakBufferedBytes } = await collectIngest(await giantElementArchive(2 * MiB), { format: 'x-archive' });
    const tweets = fileNamed(report, 'data/tweets.js');
    expect(tweets.records).toEqual({ 'social.posts': 2 });
    expect(tweets.skips).toEqual([{ element: [1], reason: 'element_too_large', message: expect.stringMatching(/more than 1 MiB$/) }]);
    expect(records).toHaveLength(2);
    expect(peakBufferedBytes).toBeLessThanOrEqual(1 * MiB);
    // The other side: an element under the cap is held whole and parsed (its text is then too long for a record).
    const under = await collectIngest(await giantElementArchive(900 * 1024), { format: 'x-archive' });
    expect(fileNamed(under.report, 'data/tweets.js').skips).toEqual([
      { element: [1], reason: 'invalid_record', message: expect.stringMatching(/^text must be/) },
    ]);
    expect(under.peakBufferedBytes).toBeGreaterThan(900 * 1024);
  });

  it('fails a CSV whose header has one column more than the cap, and reads one at the cap', async () => {
    const over = await collectIngest(await wideCsvArchive(1001), { format: 'reddit' });
    expect(fileNamed(over.report, 'comments.csv').failure).toEqual({
      reason: 'too_many_columns',
      message: 'the header cannot be read: the record has more than 1000 columns',
    });
    expect(over.report).toMatchObject({ status: 'ready', records: { 'social.posts': 1 } });
    const at = await collectIngest(await wideCsvArchive(1000), { format: 'reddit' });
    expect(fileNamed(at.report, 'comments.csv').records).toEqual({ 'social.comments': 1 });
  });

  it('stops keeping a header of a million columns at the cap: the file fails, the bytes held stay small', async () => {
    const { report, peakBufferedBytes } = await collectIngest(await wideCsvArchive(1_000_000), { format: 'reddit' });
    expect(fileNamed(report, 'comments.csv')).toMatchObject({ failure: { reason: 'too_many_columns' }, records: {} });
    expect(report.records).toEqual({ 'social.posts': 1 });
    expect(peakBufferedBytes).toBeLessThan(64 * 1024);
  });

  it('skips a JSONL line past the line cap, holding no more than the cap', async () => {
    const line = JSON.stringify({ kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'x'.repeat(3 * MiB) });
    const ok = JSON.stringify({ kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'ok' });
    const { report, peakBufferedBytes } = await collectIngest(Buffer.from(`${ok}\n${line}\n${ok}\n`), { format: 'lockbox-jsonl' });
    expect(report).toMatchObject({ status: 'ready', recordCount: 2, skipped: 1 });
    expect(report.files[0]?.skips).toEqual([{ line: 2, reason: 'line_too_long', message: 'the line is longer than 1 MiB' }]);
    expect(peakBufferedBytes).toBeLessThanOrEqual(1 * MiB);
  });
});
