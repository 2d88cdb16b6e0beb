import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AnalysisVersionStatus } from '../entities/analysis-version.entity';

/** A version as a suspension finds it, with what the developer's notification needs. */
export interface VersionForSuspensionRow {
  id: string;
  status: AnalysisVersionStatus;
  submitted_by: string;
  row_version: number;
  title: string;
  owner_id: string;
}

/**
 * Submissions and the analysis versions they become (`analysis_versions`). Every state change is
 * conditional on the status and row_version read before it, so a concurrent change makes it write
 * nothing rather than overwrite.
 */
@Injectable()
export class SubmissionsRepository {
  /** The version of the analysis, row-locked until the caller's transaction ends. */
  async lockVersionBySlug(manager: EntityManager, slug: string, version: string): Promise<VersionForSuspensionRow | undefined> {
    const [row] = (await manager.query(
      `SELECT v.id, v.status, v.submitted_by, v.row_version, a.title, a.owner_id
         FROM analysis_versions v JOIN analyses a ON a.id = v.analysis_id
        WHERE a.slug = $1 AND v.version = $2
        FOR UPDATE OF v`,
      [slug, version],
    )) as VersionForSuspensionRow[];
    return row;
  }

  /** Published → suspended, conditional on the row_version read; the time it was suspended, or undefined when it changed. */
  async suspend(manager: EntityManager, versionId: string, rowVersion: number, adminId: string, reason: string): Promise<Date | undefined> {
    const [rows] = (await manager.query(
      `UPDATE analysis_versions
          SET status = 'suspended', suspended_at = now(), suspended_by = $3, suspension_reason = $4,
              row_version = row_version + 1, updated_at = now()
        WHERE id = $1 AND status = 'published' AND row_version = $2
        RETURNING suspended_at`,
      [versionId, rowVersion, adminId, reason],
    )) as [Array<{ suspended_at: Date }>, number];
    return rows[0]?.suspended_at;
  }
}
