import { fromEpochMs, parseEpoch, parseIsoTimestamp, parseUtcDateTime, parseXCreatedAt } from './timestamps';

describe('timestamps', () => {
  it("reads X's created_at, applying its offset, as RFC 3339 UTC", () => {
    expect(parseXCreatedAt('Sat Jun 06 13:02:35 +0000 2020')).toBe('2020-06-06T13:02:35Z');
    expect(parseXCreatedAt('Sat Jun 06 13:02:35 +0130 2020')).toBe('2020-06-06T11:32:35Z');
    expect(parseXCreatedAt('Thu Dec 31 23:30:00 -0100 2020')).toBe('2021-01-01T00:30:00Z');
  });

  it('refuses what X does not write, and dates that do not exist', () => {
    for (const value of [
      'Sat Jun 06 13:02:35 2020',
      '2020-06-06T13:02:35Z',
      'Sat Feb 30 13:02:35 +0000 2020',
      'Sat Jun 06 24:00:00 +0000 2020',
      'Xyz Jun 06 13:02:35 +0000 2020',
      '',
    ]) {
      expect(parseXCreatedAt(value)).toBeUndefined();
    }
  });

  it('reads ISO 8601 with a zone, keeping milliseconds only when there are some', () => {
    expect(parseIsoTimestamp('2020-01-20T21:42:09.068Z')).toBe('2020-01-20T21:42:09.068Z');
    expect(parseIsoTimestamp('2020-01-20T21:42:09.000Z')).toBe('2020-01-20T21:42:09Z');
    expect(parseIsoTimestamp('2026-01-05T18:20:00+01:00')).toBe('2026-01-05T17:20:00Z');
    expect(parseIsoTimestamp('2026-01-05 18:20:00.1234567-0230')).toBe('2026-01-05T20:50:00.123Z');
    for (const value of ['2026-01-05T18:20:00', '2026-01-05', '2026-02-29T00:00:00Z', 'yesterday']) expect(parseIsoTimestamp(value)).toBeUndefined();
  });

  it("reads Reddit's dates (UTC, with or without the word)", () => {
    expect(parseUtcDateTime('2014-08-27 00:59:46 UTC')).toBe('2014-08-27T00:59:46Z');
    expect(parseUtcDateTime('2014-08-27 00:59:46')).toBe('2014-08-27T00:59:46Z');
    expect(parseUtcDateTime('2014-08-27 00:59:46 CET')).toBeUndefined();
    expect(parseUtcDateTime('2014-13-27 00:59:46 UTC')).toBeUndefined();
  });

  it('reads epoch seconds and milliseconds, as numbers or digits, within 1900–9999', () => {
    expect(parseEpoch(1767637200, 'seconds')).toBe('2026-01-05T18:20:00Z');
    expect(parseEpoch('1767637200123', 'milliseconds')).toBe('2026-01-05T18:20:00.123Z');
    expect(parseEpoch('soon', 'seconds')).toBeUndefined();
    expect(parseEpoch(1e15, 'seconds')).toBeUndefined();
    expect(fromEpochMs(Number.NaN)).toBeUndefined();
  });
});
