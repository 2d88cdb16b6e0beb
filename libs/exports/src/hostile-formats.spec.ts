import { collectIngest, ofKind } from '../test-fixtures/collect-ingest';
import { hostileFacebookArchive, hostileRecordsArchive, hostileTimelineJson, hostileWatchHistory, recordsJson } from '../test-fixtures/hostile-formats';
import { zipFiles } from '../test-fixtures/zip-writer';

const MiB = 1024 * 1024;

describe('hostile Facebook, Instagram and Google files: each ends with its own reason, memory bounded', () => {
  it('reads a Records.json of tens of thousands of points one at a time, holding one point at most', async () => {
    const text = recordsJson(30_000);
    expect(text.length).toBeGreaterThan(4 * MiB);
    const { report, peakBufferedBytes } = await collectIngest(await zipFiles([{ name: 'Takeout/Location History/Records.json', data: text }]), {
      format: 'auto',
    });
    expect(report).toMatchObject({ status: 'ready', format: 'google-takeout', records: { 'location.points': 30_000 }, skipped: 0 });
    expect(peakBufferedBytes).toBeLessThan(1024);
  });

  it('skips a Records.json point past the element cap, one nested past the depth cap, and points out of range, each with its reason', async () => {
    const { report, records, peakBufferedBytes } = await collectIngest(await hostileRecordsArchive(2 * MiB, 5000), { format: 'auto' });
    expect(report.files[0]?.skips).toEqual([
      { element: [1], reason: 'element_too_large', message: expect.stringMatching(/more than 1 MiB$/) },
      { element: [2], reason: 'too_deep', message: 'the element nests deeper than 64 levels' },
      { element: [3], reason: 'bad_timestamp', message: 'timestamp (or timestampMs) is missing or not a date from 1900 to 9999' },
      { element: [4], reason: 'bad_timestamp', message: 'timestamp (or timestampMs) is missing or not a date from 1900 to 9999' },
      { element: [5], reason: 'bad_coordinates', message: 'the coordinates "1800000000, 102039207" are not degrees north and east within range' },
      { element: [6], reason: 'bad_coordinates', message: 'the coordinates "561629409, 102039212" are not degrees north and east within range' },
    ]);
    expect(records).toHaveLength(2);
    expect(peakBufferedBytes).toBeLessThanOrEqual(MiB);
    // The other side of the element cap: under it, the same point is read.
    const under = await collectIngest(await hostileRecordsArchive(512 * 1024, 10), { format: 'auto' });
    expect(under.report.files[0]?.skips.map((skip) => skip.reason)).toEqual(['bad_timestamp', 'bad_timestamp', 'bad_coordinates', 'bad_coordinates']);
    expect(under.records).toHaveLength(4);
  });

  it('skips malformed Timeline coordinates and times, each with its reason, and keeps the good segments', async () => {
    const { report, records } = await collectIngest(Buffer.from(hostileTimelineJson()), { format: 'google-takeout' });
    expect(report.files[0]?.skips).toEqual([
      { element: [1], reason: 'bad_coordinates', message: 'the coordinates "56,1629403°, 10,2039212°" are not degrees north and east within range' },
      { element: [2], reason: 'bad_coordinates', message: 'the coordinates "95.0°, 10.0°" are not degrees north and east within range' },
      { element: [3], reason: 'bad_coordinates', message: 'the coordinates "56.16°; 10.20°" are not degrees north and east within range' },
      { element: [4], reason: 'bad_coordinates', message: 'the coordinates "{\\"lat\\":56.16,\\"lng\\":10.2}" are not degrees north and east within range' },
      { element: [5], reason: 'bad_coordinates', message: 'the coordinates "NaN°, 10°" are not degrees north and east within range' },
      { element: [6], reason: 'bad_timestamp', message: 'the visit ends before it starts' },
      { element: [7], reason: 'bad_timestamp', message: 'startTime is missing or not an ISO 8601 date-time' },
      { element: [8, 1], reason: 'bad_coordinates', message: 'the coordinates "56.16° 10.20°" are not degrees north and east within range' },
      { element: [8, 2], reason: 'bad_timestamp', message: 'the path point has no time (time, or an offset from the segment start)' },
      { element: [0], reason: 'bad_coordinates', message: 'the coordinates "-91°, 0°" are not degrees north and east within range' },
    ]);
    expect(records.map((record) => record.kind)).toEqual(['location.visits', 'location.points']);
  });

  it('keeps Facebook texts that are not escaped UTF-8 as written, noting them; fails the file nested past the cap; streams a long conversation', async () => {
    const { report, records, peakBufferedBytes } = await collectIngest(await hostileFacebookArchive(20_000, 100), { format: 'facebook' });
    const posts = report.files.find((file) => file.part === 'posts')!;
    expect(posts.notes).toEqual([
      {
        reason: 'text_not_repaired',
        count: 2,
        message: 'a text with characters from U+0080 to U+00FF that are not escaped UTF-8, kept as written',
        element: [1],
      },
    ]);
    expect(posts.skips).toEqual([
      { element: [3], reason: 'bad_timestamp', message: 'timestamp is missing or not seconds since 1970 (a date from 1900 to 9999)' },
    ]);
    expect(ofKind(records, 'social.posts').map((post) => post.text)).toEqual([
      'Smørrebrød',
      'lone lead byte: \u00c3 then ascii',
      'cut emoji \u00f0\u009f\u008d',
    ]);
    expect(report.notes).toEqual({ text_not_repaired: 2 });
    // The comment before the deep structure is kept; the file then fails.
    const comments = report.files.find((file) => file.part === 'comments')!;
    expect(comments).toMatchObject({ records: { 'social.comments': 1 }, failure: { reason: 'too_deep', message: 'the JSON nests deeper than 64 levels' } });
    const messages = ofKind(records, 'social.messages');
    expect(messages).toHaveLength(20_000);
    expect(messages[0]).toEqual({ kind: 'social.messages', timestamp: '2024-01-01T00:00:00Z', platform: 'facebook', direction: 'sent', text: 'besked 0 æøå' });
    expect(messages[1]?.direction).toBe('received');
    expect(peakBufferedBytes).toBeLessThan(1024);
  });

  it('reads only real YouTube watch links: a script, an odd id, a lookalike host and an overlong link are not watches', async () => {
    const { report, records } = await collectIngest(Buffer.from(hostileWatchHistory()), { format: 'google-takeout' });
    expect(records).toEqual([
      {
        kind: 'media.watch',
        timestamp: '2024-04-30T19:42:11.512Z',
        platform: 'youtube',
        title: 'ok',
        url: 'https://www.youtube.com/watch?v=Lbx0sourdgh',
        id: 'Lbx0sourdgh',
      },
    ]);
    expect(report.files[0]?.notes).toEqual([
      { reason: 'not_imported', count: 4, message: expect.stringMatching(/^activities other than watched videos and searches/), element: [1] },
    ]);
    expect(report.files[0]?.skips).toEqual([{ element: [5], reason: 'bad_timestamp', message: 'time is missing or not an ISO 8601 date-time' }]);
  });
});
