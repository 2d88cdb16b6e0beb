// Deterministic synthetic personal data for the kinds an analysis declares, so developers (and the
// platform's smoke run of an unreviewed submission) never need a real person's data.
import {
  type CanonicalRecord,
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

/** Full canonical records per declared kind (every field set), in timestamp order; project them for consent. */
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
const PLATFORMS: readonly (readonly [SocialPlatform, number])[] = [['x', 50], ['facebook', 20], ['instagram', 15], ['reddit', 10], ['other', 5]];

const TOPICS = ['the new bike lane', 'my sourdough starter', 'the marathon training plan', 'our community garden', 'that jazz trio downtown', 'the rainy commute', 'my first pottery class', 'the library book sale', 'a weekend hike up the ridge', 'the neighbourhood quiz night', 'a long week at work', 'the school fundraiser'];
const OPENERS = ['Finally tried', 'Thinking about', 'Quick update on', 'Cannot stop talking about', 'Honest review of', 'Weekend recap:', 'So happy about', 'A little worried about'];
const CLOSERS = ['Totally worth it.', 'Would do it again.', 'Not sure how I feel yet.', 'Highly recommend it to everyone!', 'Lessons learned, as always.', 'More soon.', 'Grateful for good friends.', 'Honestly a bit stressful.'];
const REPLIES = ['Agreed, that was great!', 'Thanks for sharing this.', 'Ha, same here.', 'Do you have a link to the schedule?', 'Count me in next time.', 'Interesting point, I never thought of it that way.', 'Sorry to hear that, hope it gets better.'];
const HEADLINES = ['City council approves longer library hours', 'Local bakery wins regional award', 'Trail closures this weekend: what to know', 'Volunteers plant 300 trees along the river'];
const NAMES = ['maria_k', 'tomvdb', 'jules.writes', 'sam_runs', 'priya.codes', 'olafur'];
const MESSAGES = ['Are we still on for dinner tonight?', 'Running ten minutes late, sorry!', 'Can you send me the photos from Saturday?', 'Happy birthday! Have a wonderful day.', 'Thanks again for your help with the move.', 'Did you see the game last night?'];
const REACTIONS: readonly (readonly [string, number])[] = [['like', 60], ['love', 20], ['haha', 10], ['wow', 5], ['sad', 3], ['angry', 2]];

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
    const type = weighted<PostType>(random, [['post', 50], ['reply', 28], ['repost', 14], ['story', 4], ['comment', 4]]);
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
};

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
  }
  return set as FixtureSet;
}

/** FNV-1a of the kind name: a stable per-kind offset of the seed. */
function hashKind(kind: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < kind.length; i++) hash = Math.imul(hash ^ kind.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
