import { IngestTally, MAX_KEPT_LINE_ERRORS } from './ingest-tally';

describe('IngestTally', () => {
  it('counts records per kind and is ready with at least one', () => {
    const tally = new IngestTally();
    tally.addRecord('social.posts');
    tally.addRecord('social.posts');
    tally.addRecord('social.reactions');
    tally.addError(4, 'line is not valid JSON');
    expect(tally.recordKinds).toEqual({ 'social.posts': 2, 'social.reactions': 1 });
    expect(tally.recordCount).toBe(3);
    expect(tally.outcome()).toEqual({ status: 'ready', failureMessage: null });
  });

  it(`keeps the first ${MAX_KEPT_LINE_ERRORS} line errors and counts them all`, () => {
    const tally = new IngestTally();
    for (let line = 1; line <= MAX_KEPT_LINE_ERRORS + 5; line++) tally.addError(line, `reason ${line}`);
    expect(tally.errorCount).toBe(MAX_KEPT_LINE_ERRORS + 5);
    expect(tally.lineErrors).toHaveLength(MAX_KEPT_LINE_ERRORS);
    expect(tally.lineErrors[0]).toEqual({ line: 1, reason: 'reason 1' });
    expect(tally.lineErrors[MAX_KEPT_LINE_ERRORS - 1]).toEqual({ line: MAX_KEPT_LINE_ERRORS, reason: `reason ${MAX_KEPT_LINE_ERRORS}` });
  });

  it('shortens very long reasons', () => {
    const tally = new IngestTally();
    tally.addError(1, 'x'.repeat(5000));
    expect(tally.lineErrors[0]?.reason.length).toBe(300);
    expect(tally.lineErrors[0]?.reason.endsWith('…')).toBe(true);
  });

  it('fails without valid records, naming the first error', () => {
    const tally = new IngestTally();
    tally.addError(2, 'line is not valid JSON');
    tally.addError(3, "line has no field 'timestamp'");
    expect(tally.outcome()).toEqual({ status: 'failed', failureMessage: 'no valid records: all 2 lines have errors, e.g. line 2: line is not valid JSON' });

    const single = new IngestTally();
    single.addError(1, 'line is not valid JSON');
    expect(single.outcome().failureMessage).toBe('no valid records: the only line has an error, e.g. line 1: line is not valid JSON');
    expect(new IngestTally().outcome()).toEqual({ status: 'failed', failureMessage: 'no valid records: the file has only blank lines' });
  });

  it('fails without an example when it keeps no line error', () => {
    const tally = new IngestTally(0);
    tally.addError(1, 'line is not valid JSON');
    expect(tally.outcome().failureMessage).toBe('no valid records: the only line has an error');
  });
});
