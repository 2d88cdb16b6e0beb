import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type FindOptionsOrder, type FindOptionsWhere, IsNull, Not } from 'typeorm';
import type { Manifest } from '@lockbox/analysis-sdk';
import { Analysis } from '../entities/analysis.entity';
import { AnalysisVersion, type AnalysisVersionStatus } from '../entities/analysis-version.entity';

/** A version as a suspension finds it, with what the developer's notification needs. */
export interface VersionForSuspensionRow {
  id: string;
  status: AnalysisVersionStatus;
  submitted_by: string;
  row_version: number;
  title: string;
  owner_id: string;
}

/** A stored upload recorded as a new version. */
export interface NewSubmission {
  versionId: string;
  analysisId: string;
  manifest: Manifest;
  developerId: string;
  uploadKey: string;
  uploadBytes: number;
  uploadSha256: string;
}

export interface SubmissionPage {
  /** Only this developer's; every developer's when undefined (admins). */
  submittedBy?: string;
  status?: AnalysisVersionStatus;
  /** Admins only: flagged versions (or unflagged), newest flag first. */
  quarantined?: boolean;
  offset: number;
  limit: number;
}

/**
 * Submissions and the analysis versions they become (`analysis_versions`, and the `analyses` row a first
 * submission claims). Reads by column go through TypeORM's entity API, which returns the entity the API
 * shows; state changes are SQL, conditional on the status and row_version read before them, so a
 * concurrent change makes them write nothing rather than overwrite. The verdicts themselves (checks,
 * review, suspension) are written by SubmissionStateWriter.
 */
@Injectable()
export class SubmissionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Still owed checks or a review, and holding a stored tarball (the index analysis_versions_pending_idx). */
  async countPendingForDeveloper(developerId: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [row] = (await manager.query(
      `SELECT count(*)::int AS pending FROM analysis_versions WHERE submitted_by = $1 AND status IN ('submitted', 'checking', 'awaiting_review')`,
      [developerId],
    )) as Array<{ pending: number }>;
    return row?.pending ?? 0;
  }

  async findAnalysisBySlug(slug: string): Promise<Analysis | null> {
    return this.dataSource.getRepository(Analysis).findOneBy({ slug });
  }

  async versionExists(analysisId: string, version: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    return manager.exists(AnalysisVersion, { where: { analysisId, version } });
  }

  /**
   * The analysis row for the manifest's name, created for the submitter on its first submission and locked
   * for the rest of the transaction, so two submissions of one analysis are recorded one after the other.
   */
  async claimAnalysisName(manager: EntityManager, developerId: string, manifest: Manifest): Promise<{ id: string; ownerId: string }> {
    await manager.query(
      `INSERT INTO analyses (slug, owner_id, title, description, category, price) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (slug) DO NOTHING`,
      [manifest.name, developerId, manifest.title, manifest.description, manifest.category, manifest.price],
    );
    const [analysis] = (await manager.query(`SELECT id, owner_id FROM analyses WHERE slug = $1 FOR UPDATE`, [manifest.name])) as Array<{
      id: string;
      owner_id: string;
    }>;
    // One row: the insert above made it or found it, and analyses are never deleted.
    return { id: analysis!.id, ownerId: analysis!.owner_id };
  }

  /** Records the version as `submitted`; returns it as committed (a worker may move it on at once). */
  async insertSubmitted(manager: EntityManager, submission: NewSubmission): Promise<AnalysisVersion> {
    await manager.query(
      `INSERT INTO analysis_versions (id, analysis_id, version, status, manifest, submitted_by, upload_key, upload_bytes, upload_sha256)
       VALUES ($1, $2, $3, 'submitted', $4, $5, $6, $7, $8)`,
      [
        submission.versionId,
        submission.analysisId,
        submission.manifest.version,
        submission.manifest,
        submission.developerId,
        submission.uploadKey,
        submission.uploadBytes,
        submission.uploadSha256,
      ],
    );
    return manager.findOneByOrFail(AnalysisVersion, { id: submission.versionId });
  }

  async page(page: SubmissionPage): Promise<{ items: AnalysisVersion[]; total: number }> {
    const where: FindOptionsWhere<AnalysisVersion> = page.submittedBy ? { submittedBy: page.submittedBy } : {};
    if (page.status) where.status = page.status;
    if (page.quarantined !== undefined) where.quarantinedAt = page.quarantined ? Not(IsNull()) : IsNull();
    const order: FindOptionsOrder<AnalysisVersion> = page.quarantined ? { quarantinedAt: 'DESC', id: 'ASC' } : { createdAt: 'DESC', id: 'ASC' };
    const [items, total] = await this.dataSource.getRepository(AnalysisVersion).findAndCount({ where, order, skip: page.offset, take: page.limit });
    return { items, total };
  }

  /** The version; only the developer's own when `submittedBy` is given. */
  async find(id: string, submittedBy?: string, manager: EntityManager = this.dataSource.manager): Promise<AnalysisVersion | null> {
    return manager.findOneBy(AnalysisVersion, submittedBy ? { id, submittedBy } : { id });
  }

  /** The version, row-locked until the caller's transaction ends. */
  async lock(manager: EntityManager, id: string): Promise<AnalysisVersion | null> {
    return manager.findOne(AnalysisVersion, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

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

  /**
   * The listing shows the newest published version's title, description and category, so text reaches the
   * catalogue only once an admin has approved it. `newest` picks it from the published versions.
   */
  async refreshListing(
    manager: EntityManager,
    approved: AnalysisVersion,
    newest: (published: AnalysisVersion[]) => AnalysisVersion | undefined,
  ): Promise<void> {
    const published = await manager.find(AnalysisVersion, {
      where: { analysisId: approved.analysisId, status: 'published' },
      select: { id: true, version: true },
    });
    if (newest(published)?.id !== approved.id) return;
    const { title, description, category, price } = approved.manifest;
    await manager.update(Analysis, { id: approved.analysisId }, { title, description, category, price });
  }
}
