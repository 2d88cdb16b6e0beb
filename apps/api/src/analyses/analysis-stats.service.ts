import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '@lockbox/errors';
import type { Caller } from '../auth/auth.decorators';

const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled'] as const;

export interface AnalysisStats {
  analysis: string;
  runs: number;
  byStatus: Record<(typeof RUN_STATUSES)[number], number>;
  /** succeeded ÷ (succeeded + failed + timed_out): cancelled and unfinished runs say nothing about the analysis; null before any finished. */
  successRate: number | null;
  /** Median container time of runs whose container ran; null when none has. */
  medianContainerMs: number | null;
  /** Reasons of runs that did not succeed (failed, timed out, cancelled), with counts. */
  failureReasons: Record<string, number>;
  byVersion: Array<{ version: string; runs: number; succeeded: number }>;
}

/**
 * Aggregate figures about an analysis' runs for its developer (and admins): counts only, never a user,
 * a dataset, a result or a log. Someone else's analysis is answered as if it did not exist.
 */
@Injectable()
export class AnalysisStatsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async stats(caller: Caller, slug: string): Promise<AnalysisStats> {
    // Ownership is part of the query: another developer's analysis is not found.
    const [analysis] = (await this.dataSource.query(`SELECT id FROM analyses WHERE slug = $1 AND ($2::boolean OR owner_id = $3)`, [
      slug,
      caller.role === 'admin',
      caller.id,
    ])) as Array<{ id: string }>;
    if (!analysis) throw new DomainError('not_found', `No analysis ${slug}`);

    const groups = (await this.dataSource.query(
      `SELECT r.status, r.reason, count(*)::int AS runs
         FROM runs r JOIN analysis_versions v ON v.id = r.analysis_version_id
        WHERE v.analysis_id = $1
        GROUP BY r.status, r.reason`,
      [analysis.id],
    )) as Array<{ status: (typeof RUN_STATUSES)[number]; reason: string | null; runs: number }>;
    const [{ median }] = (await this.dataSource.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.container_ms) AS median
         FROM runs r JOIN analysis_versions v ON v.id = r.analysis_version_id
        WHERE v.analysis_id = $1 AND r.container_ms IS NOT NULL`,
      [analysis.id],
    )) as [{ median: number | null }];
    const versions = (await this.dataSource.query(
      `SELECT v.version, count(r.id)::int AS runs, count(r.id) FILTER (WHERE r.status = 'succeeded')::int AS succeeded
         FROM analysis_versions v LEFT JOIN runs r ON r.analysis_version_id = v.id
        WHERE v.analysis_id = $1 AND v.status IN ('published', 'suspended')
        GROUP BY v.version, v.created_at
        ORDER BY v.created_at`,
      [analysis.id],
    )) as Array<{ version: string; runs: number; succeeded: number }>;

    const byStatus = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as AnalysisStats['byStatus'];
    const failureReasons: Record<string, number> = {};
    for (const group of groups) {
      byStatus[group.status] += group.runs;
      if (group.reason) failureReasons[group.reason] = (failureReasons[group.reason] ?? 0) + group.runs;
    }
    const finished = byStatus.succeeded + byStatus.failed + byStatus.timed_out;
    return {
      analysis: slug,
      runs: Object.values(byStatus).reduce((sum, n) => sum + n, 0),
      byStatus,
      successRate: finished === 0 ? null : byStatus.succeeded / finished,
      medianContainerMs: median === null ? null : Math.round(Number(median)),
      failureReasons,
      byVersion: versions,
    };
  }
}
