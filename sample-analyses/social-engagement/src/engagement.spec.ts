import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRecord, validateRecord, type SocialPost } from '@lockbox/analysis-sdk';
import manifest from '../lockbox.json';
import { computeEngagement, type PostRecord } from './engagement';

const fixturesDir = join(__dirname, '..', 'fixtures');
const fixtureText = readFileSync(join(fixturesDir, 'posts.jsonl'), 'utf8');
const fixture = fixtureText
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as SocialPost);

/**
 * An independent reference: reads hour and date straight off the "YYYY-MM-DDTHH:MM:SSZ" text and
 * counts the weekday from 1970-01-01 (a Thursday), with no Date arithmetic shared with the analysis.
 */
function reference(posts: SocialPost[]) {
  const rows = posts.map((post) => {
    const [year, month, day] = post.timestamp.slice(0, 10).split('-').map(Number) as [number, number, number];
    const daysSinceEpoch = Date.UTC(year, month - 1, day) / 86_400_000;
    return {
      hour: Number(post.timestamp.slice(11, 13)),
      isoDay: (daysSinceEpoch + 3) % 7, // Thursday is 3 when Monday is 0
      type: post.type,
      likes: post.likes ?? 0,
      comments: post.comments ?? 0,
      shares: post.shares ?? 0,
      engagement: (post.likes ?? 0) + (post.comments ?? 0) + (post.shares ?? 0),
    };
  });
  const sum = (selected: typeof rows, key: 'likes' | 'comments' | 'shares' | 'engagement') => selected.reduce((total, row) => total + row[key], 0);
  const bucket = (selected: typeof rows) => ({
    posts: selected.length,
    likes: sum(selected, 'likes'),
    comments: sum(selected, 'comments'),
    shares: sum(selected, 'shares'),
    engagement: sum(selected, 'engagement'),
  });
  const byHour = [...Array(24).keys()].map((hour) => bucket(rows.filter((row) => row.hour === hour)));
  const byDay = [...Array(7).keys()].map((day) => bucket(rows.filter((row) => row.isoDay === day)));
  const byType = Object.fromEntries([...new Set(rows.map((row) => row.type))].map((type) => [type, bucket(rows.filter((row) => row.type === type))]));
  const bestOf = (buckets: ReturnType<typeof bucket>[]) => {
    const candidates = buckets.map((b, index) => ({ ...b, index })).filter((b) => b.posts > 0);
    if (candidates.length === 0) return null;
    const top = Math.max(...candidates.map((b) => b.engagement));
    return candidates.find((b) => b.engagement === top)!.index;
  };
  const totals = bucket(rows);
  return { totals, byHour, byDay, byType, bestHour: bestOf(byHour), bestDay: bestOf(byDay), average: totals.engagement / totals.posts };
}

async function* stream<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe('the fixture', () => {
  it('holds ~200 canonical social.posts records', () => {
    expect(fixture).toHaveLength(200);
    const problems = fixtureText
      .split('\n')
      .filter((line) => line !== '')
      .map((line, index) => ({ line: index + 1, result: validateRecord(line) }))
      .filter(({ result }) => !result.ok);
    expect(problems).toEqual([]);
    expect(fixture.every((post) => post.kind === 'social.posts' && post.timestamp.endsWith('Z'))).toBe(true);
  });

  it('spans several weeks, every hour and the types post, reply and repost', () => {
    const times = fixture.map((post) => Date.parse(post.timestamp));
    expect((Math.max(...times) - Math.min(...times)) / (7 * 86_400_000)).toBeGreaterThan(5);
    expect(new Set(fixture.map((post) => post.timestamp.slice(11, 13))).size).toBe(24);
    expect([...new Set(fixture.map((post) => post.type))].sort()).toEqual(['post', 'reply', 'repost']);
    expect(fixture.every((post) => typeof post.text === 'string' && post.text.length > 0)).toBe(true);
  });

  it('is what generate.mjs produces, byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockbox-fixture-'));
    try {
      execFileSync(process.execPath, [join(fixturesDir, 'generate.mjs'), join(dir, 'posts.jsonl')]);
      expect(readFileSync(join(dir, 'posts.jsonl'), 'utf8')).toBe(fixtureText);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('computeEngagement', () => {
  const expected = reference(fixture);

  it('matches an independent computation over the fixture', async () => {
    const stats = await computeEngagement(fixture);
    expect(stats.totals).toEqual(expected.totals);
    expect(stats.averageEngagementPerPost).toBeCloseTo(expected.average, 10);
    expect(stats.byHour).toEqual(expected.byHour);
    expect(stats.byDay).toEqual(expected.byDay);
    expect(Object.fromEntries(stats.byType.map(({ type, ...bucket }) => [type, bucket]))).toEqual(expected.byType);
    expect(stats.byType.map((bucket) => bucket.posts)).toEqual([...stats.byType.map((bucket) => bucket.posts)].sort((a, b) => b - a));
    expect(stats.bestHour).toBe(expected.bestHour);
    expect(stats.bestDay).toBe(expected.bestDay);
    expect(stats.skipped).toBe(0);
    // Guards against a fixture too flat to tell hours apart.
    expect(new Set(expected.byHour.map((bucket) => bucket.engagement)).size).toBeGreaterThan(10);
  });

  it('gives the same numbers for consented-only records, read as a stream', async () => {
    const consented = fixture.map((post) => projectRecord(post, manifest.scopes['social.posts']) as PostRecord);
    expect(consented[0]).not.toHaveProperty('text');
    expect(consented[0]).not.toHaveProperty('platform');
    const stats = await computeEngagement(stream(consented));
    expect(stats.totals).toEqual(expected.totals);
    expect(stats.byHour).toEqual(expected.byHour);
  });

  it('reads hours and days at the given offset from UTC', async () => {
    const utc = await computeEngagement(fixture);
    const plusOne = await computeEngagement(fixture, { timezoneOffsetMinutes: 60 });
    expect(plusOne.byHour).toEqual(utc.byHour.map((_, hour) => utc.byHour[(hour + 23) % 24]));
    expect(plusOne.totals).toEqual(utc.totals);
    expect(plusOne.timezoneOffsetMinutes).toBe(60);

    // Sunday 23:30 UTC is Monday 00:30 at UTC+01:00 and Sunday 18:00 at UTC-05:30.
    const late: PostRecord = { kind: 'social.posts', timestamp: '2026-01-11T23:30:00Z', type: 'post', likes: 1 };
    const east = await computeEngagement([late], { timezoneOffsetMinutes: 60 });
    expect([east.bestHour, east.bestDay]).toEqual([0, 0]);
    const west = await computeEngagement([late], { timezoneOffsetMinutes: -330 });
    expect([west.bestHour, west.bestDay]).toEqual([18, 6]);
  });

  it('handles no data', async () => {
    const stats = await computeEngagement([]);
    expect(stats.totals).toEqual({ posts: 0, likes: 0, comments: 0, shares: 0, engagement: 0 });
    expect(stats.averageEngagementPerPost).toBe(0);
    expect(stats.byHour).toHaveLength(24);
    expect(stats.byDay).toHaveLength(7);
    expect(stats.byHour.every((bucket) => bucket.posts === 0)).toBe(true);
    expect(stats.byType).toEqual([]);
    expect([stats.bestHour, stats.bestDay]).toEqual([null, null]);
  });

  it('handles one post', async () => {
    // 2026-01-07 is a Wednesday; the offset +02:00 makes it 07:15 UTC.
    const stats = await computeEngagement([{ kind: 'social.posts', timestamp: '2026-01-07T09:15:00+02:00', type: 'reply', likes: 4, comments: 2, shares: 1 }]);
    expect(stats.totals).toEqual({ posts: 1, likes: 4, comments: 2, shares: 1, engagement: 7 });
    expect(stats.averageEngagementPerPost).toBe(7);
    expect([stats.bestHour, stats.bestDay]).toEqual([7, 2]);
    expect(stats.byType).toEqual([{ type: 'reply', posts: 1, likes: 4, comments: 2, shares: 1, engagement: 7 }]);
    expect(stats.byHour.filter((bucket) => bucket.posts > 0)).toHaveLength(1);
  });

  it('counts absent counts as 0, and leaves out posts without a usable timestamp', async () => {
    const stats = await computeEngagement([
      { kind: 'social.posts', timestamp: '2026-01-05T10:00:00Z', type: 'post' },
      { kind: 'social.posts', type: 'post', likes: 50 },
      { kind: 'social.posts', timestamp: 'yesterday', likes: 50 },
    ]);
    expect(stats.totals).toEqual({ posts: 1, likes: 0, comments: 0, shares: 0, engagement: 0 });
    expect(stats.skipped).toBe(2);
    expect(stats.bestHour).toBe(10); // an hour with posts wins even at zero engagement
  });

  it('breaks ties by the earlier hour and day', async () => {
    const stats = await computeEngagement([
      { kind: 'social.posts', timestamp: '2026-01-06T15:00:00Z', type: 'post', likes: 3 },
      { kind: 'social.posts', timestamp: '2026-01-05T20:00:00Z', type: 'post', likes: 3 },
    ]);
    expect([stats.bestHour, stats.bestDay]).toEqual([15, 0]);
  });
});
