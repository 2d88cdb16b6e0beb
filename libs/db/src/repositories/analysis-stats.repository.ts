import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RunStatus } from '../entities/run.entity';

/** The SQL that puts a run's container time (`container_ms`) in its bucket (weekly-figures' DURATION_BUCKETS); NULL when no container ran. */
const DURATION_BUCKET_SQL = `CASE WHEN r.container_ms IS NULL THEN NULL
  WHEN r.container_ms < 1000 THEN 'under1s' WHEN r.container_ms < 10000 THEN 'from1to10s'
  WHEN r.container_ms < 60000 THEN 'from10to60s' ELSE 'over60s' END`;

export type DurationBucketName = 'under1s' | 'from1to10s' | 'from10to60s' | 'over60s';

/** An analysis a caller may see the figures of, with its closed weeks to show (newest first, `YYYY-MM-DD`). */
export interface StatsAnalysisRow {
  id: string;
  week_starts: string[];
}

/** The exact runs of one week that count, grouped (each person's first `runsPerPerson`). Never shown. */
export interface ExactWeekRow {
  week_start: string;
  people: number;
  status: RunStatus;
  reason: string | null;
  bucket: DurationBucketName | null;
  runs: number;
}

export interface PublishedWeekRow<Figures> {
  week_start: string;
  published_at: Date;
  figures: Figures;
}

/** The statistics of an analysis' runs: its published weekly figures (frozen once written) and the exact counts admins see. */
@Injectable()
export class AnalysisStatsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The analysis, only when the caller owns it (or is an admin), with its closed weeks (closed
   * `publishDelayHours` ago, from the database's clock), at most `weeksShown`, none before it existed.
   */
  async analysisForCaller(
    slug: string,
    caller: { id: string; isAdmin: boolean },
    publishDelayHours: number,
    weeksShown: number,
  ): Promise<StatsAnalysisRow | undefined> {
    const [row] = (await this.dataSource.query(
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
      [slug, caller.isAdmin, caller.id, publishDelayHours, weeksShown],
    )) as StatsAnalysisRow[];
    return row;
  }

  async publishedWeeks<Figures>(analysisId: string, weekStarts: string[]): Promise<Array<PublishedWeekRow<Figures>>> {
    return (await this.dataSource.query(
      `SELECT to_char(week_start, 'YYYY-MM-DD') AS week_start, published_at, figures
         FROM analysis_week_figures
        WHERE analysis_id = $1 AND week_start = ANY($2::date[])
        ORDER BY week_start DESC`,
      [analysisId, weekStarts],
    )) as Array<PublishedWeekRow<Figures>>;
  }

  /** Publishes these weeks' figures; only the first writer of a week wins, and its figures never change. */
  async publishWeeksOnce(analysisId: string, weeks: Array<{ weekStart: string; figures: unknown }>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO analysis_week_figures (analysis_id, week_start, figures)
       SELECT $1, week_start, figures FROM unnest($2::date[], $3::jsonb[]) AS published(week_start, figures)
       ON CONFLICT (analysis_id, week_start) DO NOTHING`,
      [analysisId, weeks.map((week) => week.weekStart), weeks.map((week) => JSON.stringify(week.figures))],
    );
  }

  /**
   * The exact figures of the given weeks, in one statement (one snapshot): distinct people over all the
   * week's runs, and outcomes over each person's first `runsPerPerson` runs by request time.
   */
  async exactWeeks(analysisId: string, weekStarts: string[], runsPerPerson: number): Promise<ExactWeekRow[]> {
    return (await this.dataSource.query(
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
      [analysisId, weekStarts, runsPerPerson],
    )) as ExactWeekRow[];
  }

  /** Every run of the analysis, by status and reason. */
  async runsByStatusAndReason(analysisId: string): Promise<Array<{ status: RunStatus; reason: string | null; runs: number }>> {
    return (await this.dataSource.query(
      `SELECT r.status, r.reason, count(*)::int AS runs
         FROM runs r JOIN analysis_versions v ON v.id = r.analysis_version_id
        WHERE v.analysis_id = $1
        GROUP BY r.status, r.reason`,
      [analysisId],
    )) as Array<{ status: RunStatus; reason: string | null; runs: number }>;
  }

  /** The median container time of the analysis' runs whose container ran; null when none has. */
  async medianContainerMs(analysisId: string): Promise<number | null> {
    const [row] = (await this.dataSource.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.container_ms) AS median
         FROM runs r JOIN analysis_versions v ON v.id = r.analysis_version_id
        WHERE v.analysis_id = $1 AND r.container_ms IS NOT NULL`,
      [analysisId],
    )) as Array<{ median: number | null }>;
    return row?.median ?? null;
  }

  /** Runs (and successes) of each published or suspended version, oldest version first. */
  async runsByVersion(analysisId: string): Promise<Array<{ version: string; runs: number; succeeded: number }>> {
    return (await this.dataSource.query(
      `SELECT v.version, count(r.id)::int AS runs, count(r.id) FILTER (WHERE r.status = 'succeeded')::int AS succeeded
         FROM analysis_versions v LEFT JOIN runs r ON r.analysis_version_id = v.id
        WHERE v.analysis_id = $1 AND v.status IN ('published', 'suspended')
        GROUP BY v.version, v.created_at
        ORDER BY v.created_at`,
      [analysisId],
    )) as Array<{ version: string; runs: number; succeeded: number }>;
  }
}
