import { exportLimits } from './limits';
import { IngestReportBuilder } from './report';

describe('IngestReportBuilder', () => {
  it('keeps the report bounded: skips per file and over the report, files and files not read, with counts of the rest', () => {
    const limits = exportLimits({ maxSkipsListed: 2, maxFilesListed: 3 });
    const report = new IngestReportBuilder('auto', limits);
    for (let f = 0; f < 5; f++) {
      const file = report.startFile(`f${f}.csv`, 'comments');
      file.addRecord('social.comments');
      for (let s = 0; s < 4; s++) file.addSkip({ line: s + 2 }, 'bad_timestamp', 'x'.repeat(1000));
    }
    for (let n = 0; n < 5; n++) report.addNotRead(`n${n}.bin`, 'not_understood', 'unknown');
    const built = report.build(100);
    expect(built.files).toHaveLength(3);
    expect(built.filesNotListed).toBe(2);
    expect(built.files.map((file) => file.skips.length)).toEqual([2, 2, 2]);
    expect(built.files[0]).toMatchObject({ skipped: 4, records: { 'social.comments': 1 } });
    expect(built.files[0]?.skips[0]?.message).toHaveLength(300);
    expect(built).toMatchObject({ status: 'ready', recordCount: 5, skipped: 20, notReadCounts: { not_understood: 5 }, notReadNotListed: 2 });
    expect(built.notRead).toHaveLength(3);
  });

  it('fails with no_records when nothing was read, saying why, and keeps the first archive fault', () => {
    const empty = new IngestReportBuilder('auto', exportLimits()).build(0);
    expect(empty.failure).toEqual({ reason: 'no_records', message: 'no records: the upload has no file that its format reads' });
    const skipped = new IngestReportBuilder('reddit', exportLimits());
    skipped.startFile('posts.csv', 'posts').addSkip({ line: 2 }, 'bad_timestamp', 'bad');
    expect(skipped.build(0).failure?.message).toBe("no records: every record was skipped (1); see each file's skips");
    const faulted = new IngestReportBuilder('auto', exportLimits());
    faulted.fail('zip_bomb', 'first');
    faulted.fail('corrupt_archive', 'second');
    expect(faulted.build(0)).toMatchObject({ status: 'failed', failure: { reason: 'zip_bomb', message: 'first' } });
  });
});
