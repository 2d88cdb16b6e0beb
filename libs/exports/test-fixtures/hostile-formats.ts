// Hostile variants of the Facebook, Instagram and Google formats: each must end with its own reason in the
// report, memory bounded. Giant inputs are written as streams of small parts, never built whole twice.
import { randomBytes } from 'node:crypto';
import { metaJson } from './meta-json';
import { zipFiles } from './zip-writer';

const point = (index: number): Record<string, unknown> => ({
  latitudeE7: 561629403 + index,
  longitudeE7: 102039212 - index,
  accuracy: 10 + (index % 50),
  source: index % 3 === 0 ? 'GPS' : 'WIFI',
  timestamp: new Date(Date.UTC(2023, 0, 1) + index * 60_000).toISOString(),
});

/** Records.json with `count` points, pretty-printed as Google writes it. */
export function recordsJson(count: number): string {
  const parts = ['{\n  "locations": [\n'];
  for (let i = 0; i < count; i++) parts.push(`${i === 0 ? '' : ',\n'}${JSON.stringify(point(i), null, 2).replace(/^/gm, '    ')}`);
  parts.push('\n  ]\n}\n');
  return parts.join('');
}

/**
 * Records.json whose second point carries `bytes` of incompressible junk in an `activity` list (past the
 * element cap), whose third nests `depth` arrays deep, and whose others are hostile in their values: an
 * out-of-range timestamp, E7 coordinates past the poles, a string where an integer belongs.
 */
export async function hostileRecordsArchive(bytes: number, depth: number): Promise<Buffer> {
  const junk = randomBytes(bytes).toString('base64').slice(0, bytes);
  const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const elements = [
    JSON.stringify(point(0)),
    JSON.stringify({ ...point(1), activity: [{ junk }] }),
    `{"latitudeE7": 561629403, "longitudeE7": 102039212, "timestamp": "2023-01-01T00:00:00Z", "activity": ${deep}}`,
    JSON.stringify({ ...point(3), timestamp: '+275760-09-13T00:00:00.000Z' }),
    JSON.stringify({ ...point(4), timestamp: undefined, timestampMs: '99999999999999999' }),
    JSON.stringify({ ...point(5), latitudeE7: 1_800_000_000 }),
    JSON.stringify({ ...point(6), longitudeE7: '102039212' }),
    JSON.stringify(point(7)),
  ];
  return zipFiles([{ name: 'Takeout/Location History (Timeline)/Records.json', data: `{"locations": [${elements.join(',\n')}]}` }]);
}

/** A Timeline.json whose coordinate strings and times are malformed in every way seen or imagined. */
export function hostileTimelineJson(): string {
  const visit = (latLng: unknown, startTime = '2024-05-01T08:00:00.000+02:00', endTime = '2024-05-01T09:00:00.000+02:00') => ({
    startTime,
    endTime,
    visit: { topCandidate: { placeId: 'ChIJLbx0home000001', semanticType: 'HOME', placeLocation: { latLng } } },
  });
  return JSON.stringify({
    semanticSegments: [
      visit('56.1629403°, 10.2039212°'),
      visit('56,1629403°, 10,2039212°'),
      visit('95.0°, 10.0°'),
      visit('56.16°; 10.20°'),
      visit({ lat: 56.16, lng: 10.2 }),
      visit('NaN°, 10°'),
      visit('56.16°, 10.20°', '2024-05-01T08:00:00.000+02:00', '2024-05-01T07:00:00.000+02:00'),
      visit('56.16°, 10.20°', '10000-01-01T00:00:00.000Z'),
      {
        startTime: '2024-05-01T09:00:00.000+02:00',
        endTime: '2024-05-01T10:00:00.000+02:00',
        timelinePath: [
          { point: '56.16°, 10.20°', time: '2024-05-01T09:05:00.000+02:00' },
          { point: '56.16° 10.20°', time: '2024-05-01T09:06:00.000+02:00' },
          { point: '56.16°, 10.20°' },
        ],
      },
    ],
    rawSignals: [{ position: { LatLng: '-91°, 0°', accuracyMeters: 5, timestamp: '2024-05-01T07:59:00.000+02:00' } }],
  });
}

/**
 * A Facebook export whose texts carry bytes that are not UTF-8 (a lone lead byte, a truncated emoji, an
 * overlong form), whose comments file nests its key's list past the depth cap, and whose one conversation
 * is long: it must be read message by message.
 */
export async function hostileFacebookArchive(messages: number, depth: number): Promise<Buffer> {
  const posts = [
    { timestamp: 1704067200, data: [{ post: 'Sm\u00c3\u00b8rrebr\u00c3\u00b8d' }] },
    { timestamp: 1704067300, data: [{ post: 'lone lead byte: \u00c3 then ascii' }] },
    { timestamp: 1704067400, data: [{ post: 'cut emoji \u00f0\u009f\u008d' }], title: 'overlong \u00c0\u00af' },
    { timestamp: 1e13, data: [{ post: 'year 318857' }] },
  ];
  // metaJson would escape the raw code units above as UTF-8 of each; they are written as the \u00XX Facebook writes.
  const rawPosts = JSON.stringify(posts).replace(/[\u0080-\u00ff]/g, (character) => `\\u00${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const nested = `{"comments_v2": [{"timestamp": 1704067200, "data": [{"comment": {"timestamp": 1704067200, "comment": "ok", "author": "A"}}]}], "attachments": ${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const conversation = {
    participants: [{ name: 'Friend' }, { name: 'Owner' }],
    messages: Array.from({ length: messages }, (_, index) => ({
      sender_name: index % 2 === 0 ? 'Owner' : 'Friend',
      timestamp_ms: 1704067200000 + index * 1000,
      content: `besked ${index} æøå`,
    })),
    title: 'Friend',
  };
  return zipFiles([
    { name: 'profile_information/profile_information.json', data: metaJson({ profile_v2: { name: { full_name: 'Owner' } } }) },
    { name: 'posts/your_posts_1.json', data: rawPosts },
    { name: 'comments_and_reactions/comments.json', data: nested },
    { name: 'messages/inbox/friend_1/message_1.json', data: metaJson(conversation) },
  ]);
}

/** YouTube history whose links try to be something else. */
export function hostileWatchHistory(): string {
  const base = { header: 'YouTube', time: '2024-04-30T19:42:11.512Z', products: ['YouTube'] };
  return JSON.stringify([
    { ...base, title: 'Watched ok', titleUrl: 'https://www.youtube.com/watch?v=Lbx0sourdgh' },
    { ...base, title: 'Watched script', titleUrl: 'javascript:alert(1)//https://www.youtube.com/watch?v=Lbx0sourdgh' },
    { ...base, title: 'Watched odd id', titleUrl: 'https://www.youtube.com/watch?v=%3Cscript%3E' },
    { ...base, title: 'Watched lookalike', titleUrl: 'https://www.youtube.com.evil.example/watch?v=Lbx0sourdgh' },
    { ...base, title: 'Watched long', titleUrl: `https://www.youtube.com/watch?v=Lbx0sourdgh&x=${'a'.repeat(5000)}` },
    { ...base, title: 'Watched no time', titleUrl: 'https://www.youtube.com/watch?v=Lbx0sourdgh', time: 'yesterday' },
  ]);
}
