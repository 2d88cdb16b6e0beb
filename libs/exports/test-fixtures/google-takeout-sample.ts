// Realistic Google Takeout archives, written from the formats' public descriptions: YouTube's watch and
// search history, My Activity, location history (Records.json with E7 integers, Semantic Location
// History) in English and in German (folders and files named in the account's language), and the
// on-device Timeline.json of 2024+ (coordinates as "56.1629403°, 10.2039212°"). People, places, videos
// and searches are invented; coordinates are of public places in Aarhus and Cologne.
import { type ArchiveFile, zipFiles } from './zip-writer';

const json = (value: unknown): string => JSON.stringify(value, null, 2);
const channel = (name: string, id: string) => [{ name, url: `https://www.youtube.com/channel/${id}` }];

export const EXPECTED_TAKEOUT_WATCHES = [
  {
    timestamp: '2024-04-30T19:42:11.512Z',
    title: 'How to master sourdough shaping',
    url: 'https://www.youtube.com/watch?v=Lbx0sourdgh',
    channel: 'Crumb & Crust',
    id: 'Lbx0sourdgh',
  },
  {
    timestamp: '2024-04-29T07:15:00.004Z',
    title: 'Rainy day jazz for focus 🎷',
    url: 'https://music.youtube.com/watch?v=Lbx0jazzfoc',
    channel: 'Blue Note Café - Topic',
    id: 'Lbx0jazzfoc',
  },
  { timestamp: '2024-04-28T21:00:00Z', url: 'https://www.youtube.com/watch?v=Lbx0unknwn1', id: 'Lbx0unknwn1' },
  { timestamp: '2024-04-27T18:30:00Z', removed: true },
  // From My Activity/YouTube.
  {
    timestamp: '2024-04-26T12:00:00Z',
    title: 'Bike chain repair in 5 minutes',
    url: 'https://www.youtube.com/watch?v=Lbx0bikefix',
    channel: 'Spoke Shop Sessions',
    id: 'Lbx0bikefix',
  },
].map((watch) => ({ kind: 'media.watch', platform: 'youtube', ...watch }));

export const EXPECTED_TAKEOUT_SEARCHES = [
  { timestamp: '2024-04-30T19:40:00Z', platform: 'youtube', query: 'sourdough shaping' },
  { timestamp: '2024-04-25T08:00:00Z', platform: 'youtube', query: 'jazz & rain' },
  { timestamp: '2024-04-30T06:55:12Z', platform: 'google', query: 'weather aarhus tomorrow' },
  { timestamp: '2024-04-29T17:20:00Z', platform: 'google', query: 'hvad betyder hygge?' },
].map((search) => ({ kind: 'search.queries', ...search }));

export const EXPECTED_TAKEOUT_POINTS = [
  { timestamp: '2024-01-15T07:58:12.345Z', latitude: 56.1629403, longitude: 10.2039212, accuracy: 13 },
  { timestamp: '2024-01-15T08:20:00Z', latitude: 56.15216, longitude: 10.21807, accuracy: 9 },
  // timestampMs, as older exports write it.
  { timestamp: '2013-12-04T22:18:39.598Z', latitude: 50.9413, longitude: 6.9583, accuracy: 40 },
  // A latitude that overflowed a signed 32-bit integer: taken back.
  { timestamp: '2024-01-15T12:00:00Z', latitude: -33.8567844, longitude: 151.213108 },
].map((point) => ({ kind: 'location.points', platform: 'google', ...point }));

export const EXPECTED_TAKEOUT_VISITS = [
  {
    timestamp: '2024-01-14T22:10:00Z',
    durationSeconds: 35_520,
    latitude: 56.1629403,
    longitude: 10.2039212,
    placeId: 'ChIJLbx0home000001',
    semanticType: 'home',
  },
  {
    timestamp: '2024-01-15T08:25:00Z',
    durationSeconds: 5400,
    latitude: 56.1538479,
    longitude: 10.2143148,
    placeName: 'Riverside Library',
    placeId: 'ChIJLbx0library0002',
  },
].map((visit) => ({ kind: 'location.visits', platform: 'google', ...visit }));

function watchHistory(): unknown[] {
  const [first, second, third] = EXPECTED_TAKEOUT_WATCHES;
  if (!first || !second || !third) throw new Error('the sample has three watches in its history');
  return [
    {
      header: 'YouTube',
      title: `Watched ${first.title}`,
      titleUrl: first.url,
      subtitles: channel(first.channel!, 'UCLbx0crumbcrust0000000a'),
      time: first.timestamp,
      products: ['YouTube'],
      activityControls: ['YouTube watch history'],
    },
    {
      header: 'YouTube Music',
      title: `Watched ${second.title}`,
      titleUrl: second.url,
      subtitles: channel(second.channel!, 'UCLbx0bluenote00000000b'),
      time: second.timestamp,
      products: ['YouTube'],
      activityControls: ['YouTube watch history'],
    },
    {
      header: 'YouTube',
      title: `Watched ${third.url}`,
      titleUrl: third.url,
      time: '2024-04-28T21:00:00.000Z',
      products: ['YouTube'],
      activityControls: ['YouTube watch history'],
    },
    {
      header: 'YouTube',
      title: 'Watched a video that has been removed',
      time: '2024-04-27T18:30:00.000Z',
      products: ['YouTube'],
      activityControls: ['YouTube watch history'],
    },
    {
      header: 'YouTube',
      title: 'Watched Bakery ovens, 20% off',
      titleUrl: 'https://www.youtube.com/watch?v=Lbx0advert1',
      time: '2024-04-26T09:00:00.000Z',
      products: ['YouTube'],
      details: [{ name: 'From Google Ads' }],
      activityControls: ['Web & App Activity', 'YouTube watch history', 'YouTube search history'],
    },
  ];
}

function searchHistory(): unknown[] {
  return [
    {
      header: 'YouTube',
      title: 'Searched for sourdough shaping',
      titleUrl: 'https://www.youtube.com/results?search_query=sourdough+shaping',
      time: '2024-04-30T19:40:00.000Z',
      products: ['YouTube'],
      activityControls: ['YouTube search history'],
    },
    {
      header: 'YouTube',
      title: 'Searched for jazz & rain',
      titleUrl: 'https://www.youtube.com/results?search_query=jazz+%26+rain',
      time: '2024-04-25T08:00:00.000Z',
      products: ['YouTube'],
      activityControls: ['YouTube search history'],
    },
  ];
}

function searchActivity(): unknown[] {
  return [
    {
      header: 'Search',
      title: 'Searched for weather aarhus tomorrow',
      titleUrl: 'https://www.google.com/search?q=weather+aarhus+tomorrow',
      time: '2024-04-30T06:55:12.000Z',
      products: ['Search'],
      activityControls: ['Web & App Activity'],
    },
    {
      header: 'Search',
      title: 'Visited Riverside Library – opening hours',
      titleUrl: 'https://www.google.com/url?q=https://library.example.org/hours',
      time: '2024-04-29T17:21:00.000Z',
      products: ['Search'],
      activityControls: ['Web & App Activity'],
    },
    {
      header: 'Search',
      title: 'Searched for hvad betyder hygge?',
      titleUrl: 'https://www.google.dk/search?q=hvad+betyder+hygge%3F',
      time: '2024-04-29T17:20:00.000Z',
      products: ['Search'],
      activityControls: ['Web & App Activity'],
    },
  ];
}

function youtubeActivity(): unknown[] {
  const fifth = EXPECTED_TAKEOUT_WATCHES[4];
  if (!fifth) throw new Error('the sample has a fifth watch, in My Activity');
  return [
    {
      header: 'YouTube',
      title: `Watched ${fifth.title}`,
      titleUrl: fifth.url,
      subtitles: channel(fifth.channel!, 'UCLbx0spokeshop0000000c'),
      time: fifth.timestamp,
      products: ['YouTube'],
      activityControls: ['YouTube watch history'],
    },
    {
      header: 'YouTube',
      title: 'Viewed a community post',
      titleUrl: 'https://www.youtube.com/post/UgkxLbx0post',
      time: '2024-04-26T11:00:00.000Z',
      products: ['YouTube'],
    },
  ];
}

function records(): unknown {
  return {
    locations: [
      { latitudeE7: 561629403, longitudeE7: 102039212, accuracy: 13, source: 'WIFI', deviceTag: 1234567890, timestamp: '2024-01-15T07:58:12.345Z' },
      {
        latitudeE7: 561521600,
        longitudeE7: 102180700,
        accuracy: 9,
        velocity: 4,
        heading: 90,
        altitude: 40,
        verticalAccuracy: 3,
        activity: [{ activity: [{ type: 'ON_BICYCLE', confidence: 80 }], timestamp: '2024-01-15T08:19:00Z' }],
        source: 'GPS',
        timestamp: '2024-01-15T08:20:00Z',
      },
      { timestampMs: '1386195519598', latitudeE7: 509413000, longitudeE7: 69583000, accuracy: 40 },
      { latitudeE7: -338567844 + 2 ** 32, longitudeE7: 1512131080, timestamp: '2024-01-15T12:00:00Z' },
    ],
  };
}

function semanticMonth(): unknown {
  const [home, library] = EXPECTED_TAKEOUT_VISITS;
  if (!home || !library) throw new Error('the sample has two visits');
  const end = (visit: { timestamp: string; durationSeconds: number }) => new Date(Date.parse(visit.timestamp) + visit.durationSeconds * 1000).toISOString();
  return {
    timelineObjects: [
      {
        placeVisit: {
          location: {
            latitudeE7: 561629403,
            longitudeE7: 102039212,
            placeId: home.placeId,
            address: 'Invented Street 1, 8000 Aarhus C',
            semanticType: 'TYPE_HOME',
            sourceInfo: { deviceTag: 1 },
            locationConfidence: 92.1,
          },
          duration: { startTimestamp: home.timestamp, endTimestamp: end(home) },
          placeConfidence: 'HIGH_CONFIDENCE',
          visitConfidence: 95,
          editConfirmationStatus: 'NOT_CONFIRMED',
        },
      },
      {
        activitySegment: {
          startLocation: { latitudeE7: 561629403, longitudeE7: 102039212 },
          endLocation: { latitudeE7: 561538479, longitudeE7: 102143148 },
          duration: { startTimestamp: '2024-01-15T08:05:00Z', endTimestamp: '2024-01-15T08:25:00Z' },
          distance: 1400,
          activityType: 'CYCLING',
        },
      },
      {
        placeVisit: {
          // Older months write the time in milliseconds.
          location: {
            latitudeE7: 561538479,
            longitudeE7: 102143148,
            placeId: library.placeId,
            address: 'Invented Quay 2, Aarhus',
            name: library.placeName,
            semanticType: 'TYPE_UNKNOWN',
          },
          duration: { startTimestampMs: String(Date.parse(library.timestamp)), endTimestampMs: String(Date.parse(end(library))) },
          placeConfidence: 'MEDIUM_CONFIDENCE',
        },
      },
    ],
  };
}

const csv = 'Channel Id,Channel Url,Channel Title\nUCLbx0crumbcrust0000000a,http://www.youtube.com/channel/UCLbx0crumbcrust0000000a,Crumb & Crust\n';

/** An English Takeout, as downloaded: every name under Takeout/. */
export function takeoutEnglishFiles(): ArchiveFile[] {
  return [
    { name: 'Takeout/archive_browser.html', data: '<html><body>Your Takeout</body></html>' },
    { name: 'Takeout/YouTube and YouTube Music/history/watch-history.json', data: json(watchHistory()) },
    { name: 'Takeout/YouTube and YouTube Music/history/search-history.json', data: json(searchHistory()) },
    { name: 'Takeout/YouTube and YouTube Music/subscriptions/subscriptions.csv', data: csv },
    { name: 'Takeout/My Activity/Search/MyActivity.json', data: json(searchActivity()) },
    { name: 'Takeout/My Activity/YouTube/MyActivity.json', data: json(youtubeActivity()) },
    {
      name: 'Takeout/My Activity/Android/MyActivity.json',
      data: json([{ header: 'Clock', title: 'Used Clock', time: '2024-04-30T05:00:00.000Z', products: ['Android'] }]),
    },
    { name: 'Takeout/Location History (Timeline)/Records.json', data: json(records()) },
    { name: 'Takeout/Location History (Timeline)/Settings.json', data: json({ createdTime: '2012-01-01T00:00:00Z', historyEnabled: true }) },
    { name: 'Takeout/Location History (Timeline)/Semantic Location History/2024/2024_JANUARY.json', data: json(semanticMonth()) },
    { name: 'Takeout/Chrome/BrowserHistory.json', data: json({ 'Browser History': [] }) },
  ];
}

/**
 * The same data from a German account: every folder and file named in German ("Verlauf",
 * "Wiedergabeverlauf.json", "Meine Aktivitäten", "Standortverlauf", "Archiv_Übersicht.html"), titles in
 * German wording, and the archive zipped from its extracted folder (takeout-…/Takeout/…).
 */
export function takeoutGermanFiles(): ArchiveFile[] {
  const germanWatch = (element: Record<string, unknown>): Record<string, unknown> => {
    const title = element.title as string;
    if (title === 'Watched a video that has been removed') return { ...element, title: 'Ein Video angesehen, das entfernt wurde' };
    if (!title.startsWith('Watched ')) return element;
    return { ...element, title: `${title.replace(/^Watched /, '')} angesehen`, activityControls: ['YouTube-Wiedergabeverlauf'] };
  };
  const root = 'takeout-20240501T101010Z-001/Takeout';
  return [
    { name: `${root}/Archiv_Übersicht.html`, data: '<html><body>Ihr Takeout</body></html>' },
    { name: `${root}/YouTube und YouTube Music/Verlauf/Wiedergabeverlauf.json`, data: json((watchHistory() as Record<string, unknown>[]).map(germanWatch)) },
    { name: `${root}/YouTube und YouTube Music/Verlauf/Suchverlauf.json`, data: json(searchHistory()) },
    { name: `${root}/YouTube und YouTube Music/Abos/Abos.csv`, data: csv },
    { name: `${root}/Meine Aktivitäten/Google Suche/MeineAktivitäten.json`, data: json(searchActivity()) },
    { name: `${root}/Meine Aktivitäten/YouTube/MeineAktivitäten.json`, data: json((youtubeActivity() as Record<string, unknown>[]).map(germanWatch)) },
    {
      name: `${root}/Meine Aktivitäten/Uhr/MeineAktivitäten.json`,
      data: json([{ header: 'Uhr', title: 'Uhr verwendet', time: '2024-04-30T05:00:00.000Z', products: ['Android'] }]),
    },
    { name: `${root}/Standortverlauf/Records.json`, data: json(records()) },
    { name: `${root}/Standortverlauf/Semantic Location History/2024/2024_JANUARY.json`, data: json(semanticMonth()) },
  ];
}

/** A history from an account in another language still: found by its place, whatever the names. */
export function takeoutSpanishHistoryFiles(): ArchiveFile[] {
  const spanish = (watchHistory() as Record<string, unknown>[]).map((element) => ({
    ...element,
    title: String(element.title).replace(/^Watched /, 'Has visto '),
  }));
  return [
    { name: 'Takeout/YouTube y YouTube\u00a0Music/historial/historial-de-reproducciones.json', data: json(spanish) },
    { name: 'Takeout/Archivo_navegador.html', data: '<html></html>' },
  ];
}

export const EXPECTED_TIMELINE_VISITS = [
  {
    timestamp: '2024-05-01T06:00:00Z',
    durationSeconds: 5400,
    latitude: 56.1629403,
    longitude: 10.2039212,
    placeId: 'ChIJLbx0home000001',
    semanticType: 'home',
  },
  {
    timestamp: '2024-05-01T07:50:00Z',
    durationSeconds: 26_400,
    latitude: 56.15216,
    longitude: 10.21807,
    placeId: 'ChIJLbx0work000003',
    semanticType: 'inferred_work',
  },
].map((visit) => ({ kind: 'location.visits', platform: 'google', ...visit }));

export const EXPECTED_TIMELINE_POINTS = [
  { timestamp: '2024-05-01T07:35:00Z', latitude: 56.1601, longitude: 10.207 },
  { timestamp: '2024-05-01T07:42:00Z', latitude: 56.1556, longitude: 10.2125 },
  { timestamp: '2024-05-01T07:49:00Z', latitude: 56.15216, longitude: 10.21807 },
  { timestamp: '2024-05-01T05:59:00Z', latitude: 56.1629403, longitude: 10.2039212, accuracy: 13 },
].map((point) => ({ kind: 'location.points', platform: 'google', ...point }));

/** The on-device Timeline.json of 2024+ (Android): semantic segments, raw signals and a location profile. */
export function timelineJson(): string {
  return json({
    semanticSegments: [
      {
        startTime: '2024-05-01T08:00:00.000+02:00',
        endTime: '2024-05-01T09:30:00.000+02:00',
        startTimeTimezoneUtcOffsetMinutes: 120,
        endTimeTimezoneUtcOffsetMinutes: 120,
        visit: {
          hierarchyLevel: 0,
          probability: 0.93,
          topCandidate: { placeId: 'ChIJLbx0home000001', semanticType: 'HOME', probability: 0.88, placeLocation: { latLng: '56.1629403°, 10.2039212°' } },
        },
      },
      {
        startTime: '2024-05-01T09:30:00.000+02:00',
        endTime: '2024-05-01T09:50:00.000+02:00',
        activity: {
          start: { latLng: '56.1629403°, 10.2039212°' },
          end: { latLng: '56.15216°, 10.21807°' },
          distanceMeters: 1801.4,
          probability: 0.97,
          topCandidate: { type: 'CYCLING', probability: 0.91 },
        },
      },
      {
        startTime: '2024-05-01T09:30:00.000+02:00',
        endTime: '2024-05-01T11:30:00.000+02:00',
        timelinePath: [
          { point: '56.1601°, 10.207°', time: '2024-05-01T09:35:00.000+02:00' },
          { point: '56.1556°, 10.2125°', time: '2024-05-01T09:42:00.000+02:00' },
          { point: '56.15216°, 10.21807°', time: '2024-05-01T09:49:00.000+02:00' },
        ],
      },
      {
        startTime: '2024-05-01T09:50:00.000+02:00',
        endTime: '2024-05-01T17:10:00.000+02:00',
        visit: {
          hierarchyLevel: 0,
          probability: 0.8,
          topCandidate: { placeId: 'ChIJLbx0work000003', semanticType: 'INFERRED_WORK', probability: 0.6, placeLocation: { latLng: '56.15216°, 10.21807°' } },
        },
      },
    ],
    rawSignals: [
      {
        position: {
          LatLng: '56.1629403°, 10.2039212°',
          accuracyMeters: 13,
          altitudeMeters: 41.2,
          source: 'WIFI',
          timestamp: '2024-05-01T07:59:00.000+02:00',
          speedMetersPerSecond: 0,
        },
      },
      { wifiScan: { deliveryTime: '2024-05-01T07:59:01.000+02:00', devicesRecords: [{ mac: 123456789, rawRssi: -61 }] } },
      { activityRecord: { probableActivities: [{ type: 'STILL', confidence: 0.92 }], timestamp: '2024-05-01T07:58:00.000+02:00' } },
    ],
    userLocationProfile: { frequentPlaces: [{ placeId: 'ChIJLbx0home000001', placeLocation: '56.1629403°, 10.2039212°', label: 'HOME' }] },
  });
}

export const takeoutEnglishArchive = (): Promise<Buffer> => zipFiles(takeoutEnglishFiles());
export const takeoutGermanArchive = (): Promise<Buffer> => zipFiles(takeoutGermanFiles());
export const timelineArchive = (): Promise<Buffer> => zipFiles([{ name: 'Timeline.json', data: timelineJson() }]);
