import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { RUN_STATUSES, type RunStatus } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
import type { Caller } from '../auth/auth.decorators';
import {
  DURATION_BUCKET_SQL,
  DURATION_BUCKETS,
  type DurationBucket,
  type ExactWeek,
  publishWeek,
  type PublishedWeekFigures,
  type StatsWeekView,
  toStatsWeekView,
  type WeekPolicy,
} from './weekly-figures';

/** Closed weeks shown, newest first: a year. */
const WEEKS_SHOWN = 52;

/** How the weekly figures are made, so a client can say it next to them. */
export interface StatsMethod extends WeekPolicy {
  weeks: 'ISO 8601 weeks, UTC, by the time each run was requested';
  publishDelayHours: number;
  durationBuckets: readonly DurationBucket[];
}

/** Exact figures over every run of the analysis, for admins only: they see every run anyway. */
export interface ExactAnalysisStats {
  runs: number;
  byStatus: Record<RunStatus, number>;
  /** succeeded ÷ (succeeded + failed + timed_out): cancelled and unfinished runs say nothing about the analysis; null before any finished. */
  successRate: number | null;
  /** Median container time of runs whose container ran; null when none has. */
  medianContainerMs: number | null;
  /** Reasons of runs that did not succeed (failed, timed out, cancelled), with counts. */
  failureReasons: Record<string, number>;
  byVersion: Array<{ version: string; runs: number; succeeded: number }>;
}

export interface AnalysisStats {
  analysis: string;
  method: StatsMethod;
  /** Closed, published weeks, newest first; the week in progress is never shown. */
  weeks: StatsWeekView[];
  /** Admins only. */
  exact?: ExactAnalysisStats;
}

interface ExactWeekRow {
  week_start: string;
  people: number;
  status: RunStatus;
  reason: string | null;
  bucket: DurationBucket | null;
  runs: number;
}

/**
 * Figures about an analysis' runs for its developer (and admins), coarse and late: per closed week,
 * published once and frozen, only over enough people, rounded (weekly-figures.ts). Someone else's
 * analysis is answered as if it did not exist. Admins also get the exact figures.
 *
 * A week is published lazily, by the first read after it closed and `publishDelayHours` passed, with an
 * insert that only the first of several API instances wins; every reader then reads the stored row, so
 * later writes to that week's runs (a run that finished late, an account erased) never change it.
 */
@Injectable()
export class AnalysisStatsService {
  private readonly policy: WeekPolicy;

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    const { minPeople, roundTo, runsPerPerson } = config.stats;
    this.policy = { minPeople, roundTo, runsPerPerson };
  }

  async stats(caller: Caller, slug: string): Promise<AnalysisStats> {
    const analysis = await this.ownedAnalysis(caller, slug);
    const weeks = await this.publishedWeeks(analysis);
    const stats: AnalysisStats = { analysis: slug, method: this.method(), weeks };
    if (caller.role === 'admin') stats.exact = await this.exactStats(analysis.id);
    return stats;
  }

  /** Ownership is part of the query: another developer's analysis is not found. The weeks come from the database's clock. */
  private async ownedAnalysis(caller: Caller, slug: string): Promise<{ id: string; weekStarts: string[] }> {
    const [analysis] = (await this.dataSource.query(
      `WITH closed AS (
         SELECT (date_trunc('week', (now() - make_interval(hours => $4::int)) AT TIME ZONE 'UTC') - interval '7 days')::date AS last_week
       )
       SELECT a.id,
              ARRAY(SELECT to_char(week, 'YYYY-MM-DD')
                      FROM generate_series(
                             greatest(date_trunc('week', a.created_at AT TIME ZONE 'UTC')::date, c.last_week - 7 * ($5::int - 1)),
                             c.last_week, interval '7 days') AS week
                     ORDER BY week DESC) AS week_starts
         FROM analyses a CROSS JOIN closed c
        WHERE a.slug = $1 AND ($2::boolean OR a.owner_id = $3)`,
      [slug, caller.role === 'admin', caller.id, this.config.stats.publishDelayHours, WEEKS_SHOWN],
    )) as Array<{ id: string; week_starts: string[] }>;
    if (!analysis) throw new DomainError('not_found', `No analysis ${slug}`);
    return { id: analysis.id, weekStarts: analysis.week_starts };
  }

  /** Publishes the shown weeks not published yet, then reads every shown week from what is stored. */
  private async publishedWeeks(analysis: { id: string; weekStarts: string[] }): Promise<StatsWeekView[]> {
    if (analysis.weekStarts.length === 0) return [];
    const published = await this.readWeeks(analysis);
    const missing = analysis.weekStarts.filter((week) => !published.some((row) => row.week_start === week));
    if (missing.length === 0) return published.map((row) => toStatsWeekView(row.week_start, row.published_at, row.figures));

    const exact = await this.exactWeeks(analysis.id, missing);
    const figures = missing.map((week) => publishWeek(exact.get(week) ?? { people: 0, outcomes: [] }, this.policy));
    await this.dataSource.query(
      `INSERT INTO analysis_week_figures (analysis_id, week_start, figures)
       SELECT $1, week_start, figures FROM unnest($2::date[], $3::jsonb[]) AS published(week_start, figures)
       ON CONFLICT (analysis_id, week_start) DO NOTHING`,
      [analysis.id, missing, figures.map((week) => JSON.stringify(week))],
    );
    return (await this.readWeeks(analysis)).map((row) => toStatsWeekView(row.week_start, row.published_at, row.figures));
  }

  private async readWeeks(analysis: {
    id: string;
    weekStarts: string[];
  }): Promise<Array<{ week_start: string; published_at: Date; figures: PublishedWeekFigures }>> {
    return this.dataSource.query(
      `SELECT to_char(week_start, 'YYYY-MM-DD') AS week_start, published_at, figures
         FROM analysis_week_figures
        WHERE analysis_id = $1 AND week_start = ANY($2::date[])
        ORDER BY week_start DESC`,
      [analysis.id, analysis.weekStarts],
    );
  }

  /**
   * The exact figures of the given weeks, in one statement (one snapshot): distinct people over all the
   * week's runs, and outcomes over each person's first `runsPerPerson` runs by request time, so a person
   * who runs the analysis again and again counts no more than one who runs it once.
   */
  private async exactWeeks(analysisId: string, weekStarts: string[]): Promise<Map<string, ExactWeek>> {
    const rows = (await this.dataSource.query(
      `WITH bounds AS (SELECT min(week) AS first_week, max(week) AS last_week FROM unnest($2::date[]) AS week),
       week_runs AS (
         SELECT date_trunc('week', r.queued_at AT TIME ZONE 'UTC')::date AS week_start, r.user_id, r.status, r.reason,
                ${DURATION_BUCKET_SQL} AS bucket,
                row_number() OVER (PARTITION BY date_trunc('week', r.queued_at AT TIME ZONE 'UTC'), r.user_id ORDER BY r.queued_at, r.id) AS nth
           FROM runs r JOIN analysis_versions v ON v.id = r.analysis_version_id CROSS JOIN bounds b
          WHERE v.analysis_id = $1
            AND r.queued_at >= (b.first_week::timestamp AT TIME ZONE 'UTC')
            AND r.queued_at < ((b.last_week + 7)::timestamp AT TIME ZONE 'UTC')
       ),
       people AS (SELECT week_start, count(DISTINCT user_id)::int AS people FROM week_runs GROUP BY week_start),
       outcomes AS (SELECT week_start, status, reason, bucket, count(*)::int AS runs FROM week_runs WHERE nth <= $3 GROUP BY week_start, status, reason, bucket)
       SELECT to_char(p.week_start, 'YYYY-MM-DD') AS week_start, p.people, o.status, o.reason, o.bucket, o.runs
         FROM people p JOIN outcomes o USING (week_start)
        WHERE p.week_start = ANY($2::date[])`,
      [analysisId, weekStarts, this.policy.runsPerPerson],
    )) as ExactWeekRow[];
    const weeks = new Map<string, ExactWeek>();
    for (const row of rows) {
      const week = weeks.get(row.week_start) ?? { people: row.people, outcomes: [] };
      week.outcomes.push({ status: row.status, reason: row.reason, bucket: row.bucket, runs: row.runs });
      weeks.set(row.week_start, week);
    }
    return weeks;
  }

  private method(): StatsMethod {
    return {
      weeks: 'ISO 8601 weeks, UTC, by the time each run was requested',
      ...this.policy,
      publishDelayHours: this.config.stats.publishDelayHours,
      durationBuckets: DURATION_BUCKETS,
    };
  }

  /** Every run of the analysis, exactly: what admins see beside the developer's weeks. */
  private async exactStats(analysisId: string): Promise<ExactAnalysisStats> {
    const groups = (await this.dataSource.query(
      `SELECT r.status, r.reason, count(*)::int AS runs
         FROM runs r JOIN analysis_versions v ON v.id = r.analysis_version_id
        WHERE v.analysis_id = $1
        GROUP BY r.status, r.reason`,
      [analysisId],
    )) as Array<{ status: RunStatus; reason: string | null; runs: number }>;
    const [{ median }] = (await this.dataSource.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.container_ms) AS median
         FROM runs r JOIN analysis_versions v ON v.id = r.analysis_version_id
        WHERE v.analysis_id = $1 AND r.container_ms IS NOT NULL`,
      [analysisId],
    )) as [{ median: number | null }];
    const versions = (await this.dataSource.query(
      `SELECT v.version, count(r.id)::int AS runs, count(r.id) FILTER (WHERE r.status = 'succeeded')::int AS succeeded
         FROM analysis_versions v LEFT JOIN runs r ON r.analysis_version_id = v.id
        WHERE v.analysis_id = $1 AND v.status IN ('published', 'suspended')
        GROUP BY v.version, v.created_at
        ORDER BY v.created_at`,
      [analysisId],
    )) as Array<{ version: string; runs: number; succeeded: number }>;

    const byStatus = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as ExactAnalysisStats['byStatus'];
    const failureReasons: Record<string, number> = {};
    for (const group of groups) {
      byStatus[group.status] += group.runs;
      if (group.reason) failureReasons[group.reason] = (failureReasons[group.reason] ?? 0) + group.runs;
    }
    const finished = byStatus.succeeded + byStatus.failed + byStatus.timed_out;
    return {
      runs: Object.values(byStatus).reduce((sum, n) => sum + n, 0),
      byStatus,
      successRate: finished === 0 ? null : byStatus.succeeded / finished,
      medianContainerMs: median === null ? null : Math.round(Number(median)),
      failureReasons,
      byVersion: versions,
    };
  }
}
