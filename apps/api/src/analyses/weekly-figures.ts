import type { RunStatus } from '@lockbox/db';

// A developer's figures about their analysis, one closed week at a time. An image can encode a consented
// field in how long it runs or how it ends, so nothing here may move because of one person's run: a week
// shows figures only when enough distinct people ran the analysis, every count is rounded, durations are
// only counted into coarse buckets, and each person counts for at most a few runs. The rounding is
// deterministic, so it does move at its boundaries; what keeps a developer from aiming at one is that a
// week is published once, after it closed, and never again (analysis-stats.service.ts, docs/security.md).

/** How a week's figures are made; kept with each published week, since settings may change later. */
export interface WeekPolicy {
  /** Fewer distinct people than this in a week: no figures at all. */
  minPeople: number;
  /** Every count is shown rounded to the nearest multiple of this. */
  roundTo: number;
  /** Each person counts with their first this-many runs of the week, by request time. */
  runsPerPerson: number;
}

/** Container times are only ever counted into these; never a median, mean or any raw value. */
export const DURATION_BUCKETS = ['under1s', 'from1to10s', 'from10to60s', 'over60s'] as const;
export type DurationBucket = (typeof DURATION_BUCKETS)[number];

/** The SQL that puts a run's container time (`container_ms`) in its bucket; NULL when no container ran. */
export const DURATION_BUCKET_SQL = `CASE WHEN r.container_ms IS NULL THEN NULL
  WHEN r.container_ms < 1000 THEN 'under1s' WHEN r.container_ms < 10000 THEN 'from1to10s'
  WHEN r.container_ms < 60000 THEN 'from10to60s' ELSE 'over60s' END`;

/** Runs still queued or running when the week is published count as `unfinished`. */
const WEEK_STATUSES = ['succeeded', 'failed', 'timed_out', 'cancelled', 'unfinished'] as const;
export type WeekStatus = (typeof WEEK_STATUSES)[number];

/** Failure reasons with fewer runs than `roundTo` are not named; they are added up here. */
const OTHER_REASONS = 'other';

/** The exact runs of one week that count (each person's first `runsPerPerson`), grouped. Never shown. */
export interface WeekOutcomeGroup {
  status: RunStatus;
  reason: string | null;
  bucket: DurationBucket | null;
  runs: number;
}

export interface ExactWeek {
  /** Distinct people with a run requested in the week. */
  people: number;
  outcomes: WeekOutcomeGroup[];
}

/** What is stored, once, for an analysis and a week: already rounded, so nothing exact is kept. */
export interface PublishedWeekFigures extends WeekPolicy {
  enoughPeople: boolean;
  /** The rest only when `enoughPeople`. */
  runs?: number;
  byStatus?: Record<WeekStatus, number>;
  failureReasons?: Record<string, number>;
  durations?: Record<DurationBucket, number>;
}

/** One week as the developer sees it. */
export interface StatsWeekView {
  /** ISO 8601 week, UTC: `2026-W48`. */
  week: string;
  /** Its Monday. */
  startsOn: string;
  /** When these figures were frozen; they never change after. */
  publishedAt: string;
  /** `≥10` when at least the minimum of distinct people ran the analysis that week, else `<10` and nothing more. */
  people: string;
  runs?: number;
  byStatus?: Record<WeekStatus, number>;
  failureReasons?: Record<string, number>;
  durations?: Record<DurationBucket, number>;
}

/** Nearest multiple of `step`, halves up: with 10, 0–4 show as 0 and 5–14 as 10. */
export function roundCount(count: number, step: number): number {
  return Math.round(count / step) * step;
}

function weekStatusOf(status: RunStatus): WeekStatus {
  return status === 'queued' || status === 'running' ? 'unfinished' : status;
}

/** Rounds one week's exact figures into what may be shown, or into nothing when too few people ran it. */
export function publishWeek(exact: ExactWeek, policy: WeekPolicy): PublishedWeekFigures {
  const published: PublishedWeekFigures = { ...policy, enoughPeople: exact.people >= policy.minPeople };
  if (!published.enoughPeople) return published;

  const byStatus = Object.fromEntries(WEEK_STATUSES.map((status) => [status, 0])) as Record<WeekStatus, number>;
  const durations = Object.fromEntries(DURATION_BUCKETS.map((bucket) => [bucket, 0])) as Record<DurationBucket, number>;
  const reasons = new Map<string, number>();
  let runs = 0;
  for (const group of exact.outcomes) {
    runs += group.runs;
    byStatus[weekStatusOf(group.status)] += group.runs;
    if (group.bucket) durations[group.bucket] += group.runs;
    if (group.reason && group.status !== 'succeeded') reasons.set(group.reason, (reasons.get(group.reason) ?? 0) + group.runs);
  }

  // A reason is named only when at least `roundTo` runs ended that way; the rest are added up as `other`.
  const failureReasons: Record<string, number> = {};
  let other = 0;
  for (const [reason, count] of reasons) {
    if (count >= policy.roundTo) failureReasons[reason] = roundCount(count, policy.roundTo);
    else other += count;
  }
  failureReasons[OTHER_REASONS] = roundCount(other, policy.roundTo);

  return {
    ...published,
    runs: roundCount(runs, policy.roundTo),
    byStatus: mapValues(byStatus, (count) => roundCount(count, policy.roundTo)),
    failureReasons,
    durations: mapValues(durations, (count) => roundCount(count, policy.roundTo)),
  };
}

/**
 * The developer's view of a stored week, its keys in one fixed order (stored JSON comes back with its
 * keys reordered), so the same week always reads byte for byte the same.
 */
export function toStatsWeekView(weekStart: string, publishedAt: Date, figures: PublishedWeekFigures): StatsWeekView {
  const view: StatsWeekView = {
    week: isoWeekLabel(weekStart),
    startsOn: weekStart,
    publishedAt: publishedAt.toISOString(),
    people: `${figures.enoughPeople ? '≥' : '<'}${figures.minPeople}`,
  };
  if (!figures.enoughPeople || !figures.byStatus || !figures.durations || !figures.failureReasons) return view;
  const stored = figures.failureReasons;
  const named = Object.keys(stored)
    .filter((reason) => reason !== OTHER_REASONS)
    .sort((a, b) => stored[b]! - stored[a]! || a.localeCompare(b));
  return {
    ...view,
    runs: figures.runs,
    byStatus: Object.fromEntries(WEEK_STATUSES.map((status) => [status, figures.byStatus![status] ?? 0])) as Record<WeekStatus, number>,
    failureReasons: Object.fromEntries([...named, OTHER_REASONS].map((reason) => [reason, stored[reason] ?? 0])),
    durations: Object.fromEntries(DURATION_BUCKETS.map((bucket) => [bucket, figures.durations![bucket] ?? 0])) as Record<DurationBucket, number>,
  };
}

/** `2026-11-23` (a Monday) → `2026-W48`: the ISO week-numbering year is the year of the week's Thursday. */
export function isoWeekLabel(monday: string): string {
  const thursday = new Date(`${monday}T00:00:00Z`);
  thursday.setUTCDate(thursday.getUTCDate() + 3);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function mapValues<K extends string>(record: Record<K, number>, map: (value: number) => number): Record<K, number> {
  return Object.fromEntries(Object.entries<number>(record).map(([key, value]) => [key, map(value)])) as Record<K, number>;
}
