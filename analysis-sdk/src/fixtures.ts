// Deterministic synthetic personal data for the kinds an analysis declares, so developers (and the
// platform's smoke run of an unreviewed submission) never need a real person's data.
import {
  type CanonicalRecord,
  type LocationVisit,
  type MediaWatch,
  type MessageDirection,
  type PostType,
  type RecordByKind,
  type RecordKind,
  type SocialPlatform,
  isRecordKind,
} from './records';

export interface FixtureOptions {
  /** Records per declared kind. */
  records: number;
  /** The same seed gives the same records, byte for byte. */
  seed: number;
}

/**
 * Full canonical records per declared kind, in timestamp order; project them for consent. Every field is
 * set, except where real exports leave one out too: a removed video has no title, link or channel, a
 * visit at home has no place name.
 */
export type FixtureSet = { [K in RecordKind]?: RecordByKind[K][] };

/** Fixed start (a Monday, UTC) so the output never depends on the clock. */
const START_MS = Date.UTC(2026, 0, 5);
const SPAN_DAYS = 42;
export const MAX_FIXTURE_RECORDS = 100_000;

// mulberry32: tiny, well known and good enough for fixtures.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
function weighted<T>(random: Random, entries: readonly (readonly [T, number])[]): T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let r = random() * total;
  for (const [value, weight] of entries) if ((r -= weight) < 0) return value;
  return entries[entries.length - 1]![0];
}

// Daytime and evening are busier than the night, as in real activity.
const HOUR_WEIGHTS = [1, 0.6, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 2, 1.5, 1.5, 3, 2.5, 1.5, 1.5, 1.5, 2, 3.5, 4, 4, 3.5, 2.5, 1.5].map(
  (weight, hour) => [hour, weight] as const,
);
const PLATFORMS: readonly (readonly [SocialPlatform, number])[] = [
  ['x', 50],
  ['facebook', 20],
  ['instagram', 15],
  ['reddit', 10],
  ['other', 5],
];

const TOPICS = [
  'the new bike lane',
  'my sourdough starter',
  'the marathon training plan',
  'our community garden',
  'that jazz trio downtown',
  'the rainy commute',
  'my first pottery class',
  'the library book sale',
  'a weekend hike up the ridge',
  'the neighbourhood quiz night',
  'a long week at work',
  'the school fundraiser',
];
const OPENERS = [
  'Finally tried',
  'Thinking about',
  'Quick update on',
  'Cannot stop talking about',
  'Honest review of',
  'Weekend recap:',
  'So happy about',
  'A little worried about',
];
const CLOSERS = [
  'Totally worth it.',
  'Would do it again.',
  'Not sure how I feel yet.',
  'Highly recommend it to everyone!',
  'Lessons learned, as always.',
  'More soon.',
  'Grateful for good friends.',
  'Honestly a bit stressful.',
];
const REPLIES = [
  'Agreed, that was great!',
  'Thanks for sharing this.',
  'Ha, same here.',
  'Do you have a link to the schedule?',
  'Count me in next time.',
  'Interesting point, I never thought of it that way.',
  'Sorry to hear that, hope it gets better.',
];
const HEADLINES = [
  'City council approves longer library hours',
  'Local bakery wins regional award',
  'Trail closures this weekend: what to know',
  'Volunteers plant 300 trees along the river',
];
const NAMES = ['maria_k', 'tomvdb', 'jules.writes', 'sam_runs', 'priya.codes', 'olafur'];
const MESSAGES = [
  'Are we still on for dinner tonight?',
  'Running ten minutes late, sorry!',
  'Can you send me the photos from Saturday?',
  'Happy birthday! Have a wonderful day.',
  'Thanks again for your help with the move.',
  'Did you see the game last night?',
];
const REACTIONS: readonly (readonly [string, number])[] = [
  ['like', 60],
  ['love', 20],
  ['haha', 10],
  ['wow', 5],
  ['sad', 3],
  ['angry', 2],
];

const VIDEO_TOPICS = [
  'sourdough shaping',
  'beginner pottery wheel',
  'bike chain repair',
  'marathon pacing',
  'balcony tomatoes',
  'rainy day jazz',
  'Danish for beginners',
  'budget meal prep',
  'trail running form',
  'knitting a first sweater',
];
const VIDEO_FORMATS = ['How to master', 'A week of', '10 mistakes in', 'The honest truth about', 'Live session:', 'Why I quit', 'Explained:'];
const CHANNELS = [
  'Crumb & Crust',
  'Wheel Days',
  'Spoke Shop Sessions',
  'Long Run Club',
  'Little Green Balcony',
  'Blue Note Café',
  'Sig Det Dansk',
  'Pocket Kitchen',
];
const QUERIES = [
  'weather tomorrow',
  'sourdough hydration ratio',
  'bike shop open sunday',
  'how long to boil an egg',
  'library opening hours',
  'cheap flights to lisbon',
  'marathon training plan 16 weeks',
  'hvad betyder hygge',
  'wie lange hält sauerteig',
  'tomato plant yellow leaves',
  'jazz concerts this weekend',
  'pottery class near me',
];
const YOUTUBE_ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function watchRecord(random: Random, timestamp: string): MediaWatch {
  // About one watched video in thirty has been removed since: the export keeps only that it was watched.
  if (random() < 1 / 30) return { kind: 'media.watch', timestamp, platform: 'youtube', removed: true };
  const id = drawn(random, YOUTUBE_ID_CHARS, 11);
  return {
    kind: 'media.watch',
    timestamp,
    platform: 'youtube',
    title: `${pick(random, VIDEO_FORMATS)} ${pick(random, VIDEO_TOPICS)}`,
    url: `https://www.youtube.com/watch?v=${id}`,
    channel: pick(random, CHANNELS),
    id,
  };
}

// An invented person's places, around a city centre; a visit's place id is made up, in the shape of Google's.
interface Anchor {
  name?: string;
  semanticType?: string;
  at: readonly [number, number];
  /** Typical stay, in minutes. */
  stay: number;
}
const ANCHORS: readonly (readonly [Anchor, number])[] = [
  [{ semanticType: 'home', at: [56.16294, 10.20392], stay: 600 }, 45],
  [{ name: 'Harbourside Offices', semanticType: 'work', at: [56.15216, 10.21807], stay: 480 }, 30],
  [{ name: 'Riverside Library', at: [56.15385, 10.21431], stay: 90 }, 8],
  [{ name: 'Crumb & Crust Bakery', at: [56.15862, 10.20944], stay: 25 }, 7],
  [{ name: 'North Park Running Track', at: [56.1741, 10.19127], stay: 70 }, 6],
  [{ name: 'Clay Studio', at: [56.14991, 10.19838], stay: 120 }, 4],
];
const ANCHORS_BY_WEIGHT = ANCHORS.flatMap(([anchor, weight]) => Array.from({ length: weight }, () => anchor));

/** A point about `metres` (one standard deviation) from `at`, at the seven decimals of Google's E7 coordinates. */
function near(random: Random, at: readonly [number, number], metres: number): [number, number] {
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const latitude = at[0] + (gaussian() * metres) / 111_320;
  const longitude = at[1] + (gaussian() * metres) / (111_320 * Math.cos((at[0] * Math.PI) / 180));
  return [Math.round(latitude * 1e7) / 1e7, Math.round(longitude * 1e7) / 1e7];
}

function placeIdOf(name: string): string {
  return `ChIJ${hashKind(name).toString(36).padStart(7, '0')}Lbx${hashKind(`${name}#place`).toString(36).padStart(7, '0')}`;
}

function visitRecord(random: Random, timestamp: string): LocationVisit {
  const anchor = pick(random, ANCHORS_BY_WEIGHT);
  const [latitude, longitude] = near(random, anchor.at, 15);
  const visit: LocationVisit = {
    kind: 'location.visits',
    timestamp,
    platform: 'google',
    durationSeconds: Math.round(anchor.stay * 60 * noise(random)),
    latitude,
    longitude,
  };
  if (anchor.name !== undefined) {
    visit.placeName = anchor.name;
    visit.placeId = placeIdOf(anchor.name);
  }
  if (anchor.semanticType !== undefined) visit.semanticType = anchor.semanticType;
  return visit;
}

/** Right-skewed noise around 1, like real engagement counts. */
const noise = (random: Random): number => Math.exp((random() - 0.5) * 1.6);

function timestamps(random: Random, count: number): string[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const hour = weighted(random, HOUR_WEIGHTS);
    const day = int(random, 0, SPAN_DAYS - 1);
    out.push(START_MS + day * 86_400_000 + hour * 3_600_000 + int(random, 0, 59) * 60_000 + int(random, 0, 59) * 1000);
  }
  return out.sort((a, b) => a - b).map((ms) => new Date(ms).toISOString().replace('.000Z', 'Z'));
}

function postText(random: Random, type: PostType): string {
  if (type === 'reply' || type === 'comment') return `@${pick(random, NAMES)} ${pick(random, REPLIES)}`;
  if (type === 'repost') return `RT: ${pick(random, HEADLINES)}`;
  return `${pick(random, OPENERS)} ${pick(random, TOPICS)}. ${pick(random, CLOSERS)}`;
}

const GENERATORS: { [K in RecordKind]: (random: Random, timestamp: string) => RecordByKind[K] } = {
  'social.posts': (random, timestamp) => {
    const type = weighted<PostType>(random, [
      ['post', 50],
      ['reply', 28],
      ['repost', 14],
      ['story', 4],
      ['comment', 4],
    ]);
    const likes = Math.round({ post: 9, reply: 3, repost: 1.5, story: 6, comment: 2 }[type] * noise(random));
    return {
      kind: 'social.posts',
      timestamp,
      platform: weighted(random, PLATFORMS),
      type,
      text: postText(random, type),
      likes,
      comments: Math.round(likes * 0.3 * noise(random)),
      shares: type === 'reply' || type === 'comment' ? 0 : Math.round(likes * 0.12 * noise(random)),
    };
  },
  'social.comments': (random, timestamp) => ({
    kind: 'social.comments',
    timestamp,
    platform: weighted(random, PLATFORMS),
    text: pick(random, REPLIES),
    likes: Math.round(2 * noise(random)),
  }),
  'social.messages': (random, timestamp) => ({
    kind: 'social.messages',
    timestamp,
    platform: weighted(random, PLATFORMS),
    direction: pick<MessageDirection>(random, ['sent', 'received']),
    text: pick(random, MESSAGES),
  }),
  'social.reactions': (random, timestamp) => ({
    kind: 'social.reactions',
    timestamp,
    platform: weighted(random, PLATFORMS),
    reaction: weighted(random, REACTIONS),
  }),
  'media.watch': (random, timestamp) => watchRecord(random, timestamp),
  'search.queries': (random, timestamp) => ({
    kind: 'search.queries',
    timestamp,
    platform: weighted(random, [
      ['google', 80],
      ['youtube', 20],
    ]),
    query: pick(random, QUERIES),
  }),
  'location.points': (random, timestamp) => {
    const [latitude, longitude] = near(random, pick(random, ANCHORS_BY_WEIGHT).at, 60);
    return { kind: 'location.points', timestamp, platform: 'google', latitude, longitude, accuracy: int(random, 4, 65) };
  },
  'location.visits': (random, timestamp) => visitRecord(random, timestamp),
};

type SocialRecord = RecordByKind['social.posts' | 'social.comments' | 'social.messages' | 'social.reactions'];
const NATIVE_ID_KINDS: readonly RecordKind[] = ['social.posts', 'social.comments', 'social.messages', 'social.reactions'];
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

function drawn(random: Random, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/** An id in the shape its platform's export writes: X's 19 digits, Reddit's base 36, Instagram's shortcodes. */
function nativeIdFor(random: Random, platform: SocialPlatform): string {
  switch (platform) {
    case 'x':
      return `1${drawn(random, '0123456789', 18)}`;
    case 'reddit':
      return drawn(random, BASE36, 7);
    case 'instagram':
      return drawn(random, YOUTUBE_ID_CHARS, 11);
    case 'facebook':
      return `10${drawn(random, '0123456789', 14)}`;
    default:
      return drawn(random, '0123456789abcdef', 12);
  }
}

/**
 * Native ids from a stream of their own (seed + kind + "#id"), drawn after the records: adding them left
 * every other field of the records as it was. For a reaction, the id is that of the item reacted to.
 */
function addNativeIds(records: SocialRecord[], random: Random): void {
  for (const record of records) record.id = nativeIdFor(random, record.platform);
}

/**
 * Generates `records` canonical records for every kind named in `scopes` (the fields listed do not
 * matter here: every field is set, and staging projects them to the consent). Unknown kinds are
 * ignored. Each kind draws from its own stream (seed + kind), so adding a kind does not change the others.
 */
export function generateFixtures(scopes: { readonly [kind: string]: readonly string[] | undefined }, options: FixtureOptions): FixtureSet {
  const { records, seed } = options;
  if (!Number.isInteger(records) || records < 0 || records > MAX_FIXTURE_RECORDS) {
    throw new RangeError(`records must be an integer from 0 to ${MAX_FIXTURE_RECORDS}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError('seed must be an integer');
  const set: Record<string, CanonicalRecord[]> = {};
  for (const kind of Object.keys(scopes).filter(isRecordKind).sort()) {
    const random = mulberry32(seed ^ hashKind(kind));
    const generate = GENERATORS[kind] as (random: Random, timestamp: string) => CanonicalRecord;
    set[kind] = timestamps(random, records).map((timestamp) => generate(random, timestamp));
    if (NATIVE_ID_KINDS.includes(kind)) addNativeIds(set[kind] as SocialRecord[], mulberry32(seed ^ hashKind(`${kind}#id`)));
  }
  return set as FixtureSet;
}

/** FNV-1a of the kind name: a stable per-kind offset of the seed. */
function hashKind(kind: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < kind.length; i++) hash = Math.imul(hash ^ kind.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
