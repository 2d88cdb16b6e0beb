// The analysis itself, as pure logic: posts in, plain numbers out. No I/O, so it is easy to test.
import type { ConsentedRecord } from '@lockbox/analysis-sdk';

/** A post as the analysis receives it: only the consented fields, any of which may be absent. */
export type PostRecord = ConsentedRecord<'social.posts'>;

export interface EngagementParams {
  /** Offset from UTC in minutes for hours and days; 0 (the default) means UTC. */
  timezoneOffsetMinutes?: number;
}

export interface EngagementBucket {
  posts: number;
  likes: number;
  comments: number;
  shares: number;
  /** likes + comments + shares */
  engagement: number;
}

export interface TypeBucket extends EngagementBucket {
  type: string;
}

export interface EngagementStats {
  timezoneOffsetMinutes: number;
  totals: EngagementBucket;
  /** totals.engagement / totals.posts; 0 with no posts. */
  averageEngagementPerPost: number;
  /** 24 buckets; index = hour of day (0–23). */
  byHour: EngagementBucket[];
  /** 7 buckets; index 0 = Monday … 6 = Sunday (ISO order). */
  byDay: EngagementBucket[];
  /** One bucket per type seen, most posts first (ties: by name). */
  byType: TypeBucket[];
  /** The hour with the most total engagement among hours with posts; the earliest on a tie; null with no posts. */
  bestHour: number | null;
  /** The same for days (0 = Monday). */
  bestDay: number | null;
  /** Records left out because their timestamp is missing or unreadable. */
  skipped: number;
}

export const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

const emptyBucket = (): EngagementBucket => ({ posts: 0, likes: 0, comments: 0, shares: 0, engagement: 0 });

// Counts come from validated canonical data, but an absent field (or anything odd) counts as 0.
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

function add(bucket: EngagementBucket, likes: number, comments: number, shares: number): void {
  bucket.posts += 1;
  bucket.likes += likes;
  bucket.comments += comments;
  bucket.shares += shares;
  bucket.engagement += likes + comments + shares;
}

function best(buckets: readonly EngagementBucket[]): number | null {
  let bestIndex: number | null = null;
  for (let index = 0; index < buckets.length; index++) {
    const bucket = buckets[index]!;
    // Strictly greater, so a tie keeps the earlier hour or day.
    if (bucket.posts > 0 && (bestIndex === null || bucket.engagement > buckets[bestIndex]!.engagement)) bestIndex = index;
  }
  return bestIndex;
}

/**
 * Tallies engagement by hour of day, day of week and type. Accepts a stream (the SDK's records())
 * or an array, and keeps only running totals, so memory does not grow with the dataset.
 */
export async function computeEngagement(posts: Iterable<PostRecord> | AsyncIterable<PostRecord>, params: EngagementParams = {}): Promise<EngagementStats> {
  const offsetMinutes = params.timezoneOffsetMinutes ?? 0;
  const totals = emptyBucket();
  const byHour = Array.from({ length: 24 }, emptyBucket);
  const byDay = Array.from({ length: 7 }, emptyBucket);
  const byType = new Map<string, EngagementBucket>();
  let skipped = 0;

  for await (const post of posts) {
    const instant = typeof post.timestamp === 'string' ? Date.parse(post.timestamp) : Number.NaN;
    if (Number.isNaN(instant)) {
      skipped++;
      continue;
    }
    // Shifting the instant and reading it as UTC gives the wall-clock time at that offset.
    const local = new Date(instant + offsetMinutes * 60_000);
    const hour = local.getUTCHours();
    const day = (local.getUTCDay() + 6) % 7; // getUTCDay() counts from Sunday
    const type = typeof post.type === 'string' ? post.type : 'unknown';
    const [likes, comments, shares] = [count(post.likes), count(post.comments), count(post.shares)];

    add(totals, likes, comments, shares);
    add(byHour[hour]!, likes, comments, shares);
    add(byDay[day]!, likes, comments, shares);
    if (!byType.has(type)) byType.set(type, emptyBucket());
    add(byType.get(type)!, likes, comments, shares);
  }

  return {
    timezoneOffsetMinutes: offsetMinutes,
    totals,
    averageEngagementPerPost: totals.posts === 0 ? 0 : totals.engagement / totals.posts,
    byHour,
    byDay,
    byType: [...byType].map(([type, bucket]) => ({ type, ...bucket })).sort((a, b) => b.posts - a.posts || a.type.localeCompare(b.type)),
    bestHour: best(byHour),
    bestDay: best(byDay),
    skipped,
  };
}
