import { collectIngest, ofKind } from '../../../test-fixtures/collect-ingest';
import {
  EXPECTED_TAKEOUT_POINTS,
  EXPECTED_TAKEOUT_SEARCHES,
  EXPECTED_TAKEOUT_VISITS,
  EXPECTED_TAKEOUT_WATCHES,
  EXPECTED_TIMELINE_POINTS,
  EXPECTED_TIMELINE_VISITS,
  takeoutEnglishArchive,
  takeoutGermanArchive,
  takeoutSpanishHistoryFiles,
  timelineArchive,
  timelineJson,
} from '../../../test-fixtures/google-takeout-sample';
import { zipFiles } from '../../../test-fixtures/zip-writer';
import { detectFormat } from '../registry';

const EXPECTED_COUNTS = { 'media.watch': 5, 'search.queries': 4, 'location.points': 4, 'location.visits': 2 };

describe('Google Takeout', () => {
  it('reads an English Takeout to the exact counts per kind, and says what it found', async () => {
    const { report } = await collectIngest(await takeoutEnglishArchive(), { format: 'auto' });
    expect(report).toMatchObject({
      status: 'ready',
      format: 'google-takeout',
      detected: 'YouTube and YouTube Music/history/watch-history.json and YouTube and YouTube Music/history/search-history.json: a Google Takeout archive',
      records: EXPECTED_COUNTS,
      recordCount: 15,
      skipped: 0,
      // The ad, the visited page, the community post, the clock, the journey between two visits.
      notes: { not_imported: 5 },
    });
    expect(report.files.map((file) => [file.name.replace('Takeout/', ''), file.part, file.records])).toEqual([
      ['YouTube and YouTube Music/history/search-history.json', 'youtube-history', { 'search.queries': 2 }],
      ['YouTube and YouTube Music/history/watch-history.json', 'youtube-history', { 'media.watch': 4 }],
      ['My Activity/Android/MyActivity.json', 'my-activity', {}],
      ['My Activity/Search/MyActivity.json', 'my-activity', { 'search.queries': 2 }],
      ['My Activity/YouTube/MyActivity.json', 'my-activity', { 'media.watch': 1 }],
      ['Location History (Timeline)/Records.json', 'location-records', { 'location.points': 4 }],
      ['Location History (Timeline)/Semantic Location History/2024/2024_JANUARY.json', 'semantic-location-history', { 'location.visits': 2 }],
    ]);
    expect(report.files[1]?.notes).toEqual([{ reason: 'not_imported', count: 1, message: 'ads are not imported', element: [4] }]);
    expect(report.notRead.map((file) => [file.name.replace('Takeout/', ''), file.detail])).toEqual([
      ['archive_browser.html', "Takeout's index of the archive"],
      [
        'YouTube and YouTube Music/subscriptions/subscriptions.csv',
        "a part of YouTube's data that Lockbox does not import (playlists, subscriptions, comments, channels…)",
      ],
      ['Location History (Timeline)/Settings.json', 'location settings, edits and backups are not imported'],
      ['Chrome/BrowserHistory.json', 'a part of Google Takeout that Lockbox does not import'],
    ]);
  });

  it('keeps every watch field by field: the title without its wording, a link-only video without a title, a removed video as removed', async () => {
    const { records } = await collectIngest(await takeoutEnglishArchive(), { format: 'google-takeout' });
    expect(ofKind(records, 'media.watch')).toEqual(EXPECTED_TAKEOUT_WATCHES);
    expect(ofKind(records, 'search.queries')).toEqual(EXPECTED_TAKEOUT_SEARCHES);
  });

  it('reads coordinates from E7 integers (one overflowed), times from ISO or milliseconds, and visits with their places', async () => {
    const { records } = await collectIngest(await takeoutEnglishArchive(), { format: 'google-takeout' });
    expect(ofKind(records, 'location.points')).toEqual(EXPECTED_TAKEOUT_POINTS);
    expect(ofKind(records, 'location.visits')).toEqual(EXPECTED_TAKEOUT_VISITS);
  });

  it('finds a German Takeout by its structure, zipped from its folder, to the same records and keys', async () => {
    const german = await collectIngest(await takeoutGermanArchive(), { format: 'auto' });
    expect(german.report).toMatchObject({
      status: 'ready',
      format: 'google-takeout',
      detected:
        'Takeout/YouTube und YouTube Music/Verlauf/Wiedergabeverlauf.json and Takeout/YouTube und YouTube Music/Verlauf/Suchverlauf.json: a Google Takeout archive',
      records: EXPECTED_COUNTS,
    });
    expect(german.report.files.map((file) => file.part)).toEqual([
      'youtube-history',
      'youtube-history',
      'my-activity',
      'my-activity',
      'my-activity',
      'location-records',
      'semantic-location-history',
    ]);
    // German wording ("… angesehen") gives the same titles.
    expect(ofKind(german.records, 'media.watch')).toEqual(EXPECTED_TAKEOUT_WATCHES);
    const english = await collectIngest(await takeoutEnglishArchive(), { format: 'auto' });
    expect([...german.keys].sort()).toEqual([...english.keys].sort());
  });

  it('finds YouTube history in any language by its place, a non-breaking space in the folder name included', async () => {
    const { report, records } = await collectIngest(await zipFiles(takeoutSpanishHistoryFiles()), { format: 'auto' });
    expect(report).toMatchObject({ status: 'ready', format: 'google-takeout', records: { 'media.watch': 4 } });
    expect(ofKind(records, 'media.watch').map((watch) => watch.title)).toEqual([
      'How to master sourdough shaping',
      'Rainy day jazz for focus 🎷',
      undefined,
      undefined,
    ]);
  });

  it('tells My Activity by its structure when its names are in a language Lockbox does not list', () => {
    const names = ['Takeout/Oma toiminta/Haku/Omat toimet.json', 'Takeout/Oma toiminta/YouTube/Omat toimet.json', 'Takeout/Oma toiminta/Haku/Omat toimet.html'];
    expect(detectFormat(names)).toEqual({
      format: 'google-takeout',
      evidence: 'Takeout/Oma toiminta/Haku/Omat toimet.json and Takeout/Oma toiminta/YouTube/Omat toimet.json: a Google Takeout archive',
    });
    // One product folder alone, or several files in one, is not that structure.
    expect(detectFormat(['Takeout/Oma toiminta/Haku/Omat toimet.json'])).toBeUndefined();
    expect(detectFormat(['Fit/All Sessions/a.json', 'Fit/All Sessions/b.json', 'Fit/Daily/c.json'])).toBeUndefined();
  });

  it("reads the phone's Timeline.json: visits, path points and raw positions, with offsets applied", async () => {
    const { report, records } = await collectIngest(await timelineArchive(), { format: 'auto' });
    expect(report).toMatchObject({
      status: 'ready',
      format: 'google-takeout',
      detected: 'Timeline.json: a Google Takeout archive',
      records: { 'location.visits': 2, 'location.points': 4 },
      skipped: 0,
    });
    expect(report.files[0]?.notes).toEqual([
      { reason: 'not_imported', count: 3, message: 'journeys between places (activity segments) are not imported', element: [1] },
    ]);
    expect(ofKind(records, 'location.visits')).toEqual(EXPECTED_TIMELINE_VISITS);
    expect(ofKind(records, 'location.points')).toEqual(EXPECTED_TIMELINE_POINTS);
  });

  it('reads a Timeline.json or a watch history uploaded bare, not zipped', async () => {
    const timeline = await collectIngest(Buffer.from(timelineJson()), { format: 'auto' });
    expect(timeline.report).toMatchObject({
      status: 'ready',
      archive: false,
      format: 'google-takeout',
      records: { 'location.visits': 2, 'location.points': 4 },
    });
    expect(timeline.report.detected).toMatch(/^a Google file, not an archive/);
    const history = JSON.stringify([
      { header: 'YouTube', title: 'Watched x', titleUrl: 'https://www.youtube.com/watch?v=Lbx0sourdgh', time: '2024-04-30T19:42:11Z' },
    ]);
    expect((await collectIngest(Buffer.from(history), { format: 'auto' })).report).toMatchObject({
      status: 'ready',
      format: 'google-takeout',
      records: { 'media.watch': 1 },
    });
    // Lockbox's own JSONL is still told apart.
    expect(
      (await collectIngest(Buffer.from('{"kind":"social.posts","timestamp":"2026-01-05T18:20:00Z","platform":"x","type":"post"}\n'), { format: 'auto' })).report
        .format,
    ).toBe('lockbox-jsonl');
  });

  it("reads the iOS export's list of segments, geo URIs and minute offsets included", async () => {
    const ios = [
      {
        endTime: '2024-05-01T09:30:00.000+02:00',
        startTime: '2024-05-01T08:00:00.000+02:00',
        visit: {
          hierarchyLevel: '0',
          topCandidate: { probability: '0.78', semanticType: 'Home', placeID: 'ChIJLbx0home000001', placeLocation: 'geo:56.162940,10.203921' },
          probability: '0.9',
        },
      },
      {
        endTime: '2024-05-01T10:00:00.000+02:00',
        startTime: '2024-05-01T09:30:00.000+02:00',
        timelinePath: [{ point: 'geo:56.1601,10.207', durationMinutesOffsetFromStartTime: '5' }],
      },
    ];
    const { records } = await collectIngest(await zipFiles([{ name: 'location-history.json', data: JSON.stringify(ios) }]), { format: 'auto' });
    expect(records).toEqual([
      {
        kind: 'location.visits',
        timestamp: '2024-05-01T06:00:00Z',
        platform: 'google',
        durationSeconds: 5400,
        latitude: 56.16294,
        longitude: 10.203921,
        placeId: 'ChIJLbx0home000001',
        semanticType: 'home',
      },
      { kind: 'location.points', timestamp: '2024-05-01T07:35:00Z', platform: 'google', latitude: 56.1601, longitude: 10.207 },
    ]);
  });
});
