import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { IngestReport } from '@lockbox/exports';
import { Dataset, type DatasetLineError } from '../entities/dataset.entity';
import { claimFence, type JobClaim } from '../job-lease';

/** What a user's datasets take up, against the `datasets` and `dataset_bytes` quotas. */
export interface DatasetUsage {
  datasets: number;
  bytes: number;
}

/** How an ingestion ended: the one terminal write of a dataset (ready or failed). */
export interface DatasetIngestOutcome {
  status: 'ready' | 'failed';
  recordCount: number;
  recordKinds: Record<string, number>;
  errorCount: number;
  lineErrors: DatasetLineError[];
  failureMessage: string | null;
  report: IngestReport | null;
}

/** What an upload stores before its ingestion starts. */
export type NewDataset = Pick<Dataset, 'id' | 'userId' | 'name' | 'format' | 'source' | 'mapping' | 'sizeBytes' | 'sha256' | 'rawKey'>;

interface UsageRow {
  datasets: number;
  bytes: string;
}

/** The datasets table's SQL: quotas, the ingest job's writes, and deletion. Every user query is scoped to its owner. */
@Injectable()
export class DatasetsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** In the caller's transaction when given one (the check that decides, under the user's quota lock). */
  async usageOf(userId: string, manager: EntityManager = this.dataSource.manager): Promise<DatasetUsage> {
    const [row] = (await manager.query(`SELECT count(*)::int AS datasets, coalesce(sum(size_bytes), 0)::text AS bytes FROM datasets WHERE user_id = $1`, [
      userId,
    ])) as [UsageRow];
    return { datasets: row.datasets, bytes: Number(row.bytes) };
  }

  /** A new upload, in the transaction that queues its ingestion; the row as stored. */
  async createUploaded(manager: EntityManager, row: NewDataset): Promise<Dataset> {
    await manager.insert(Dataset, { ...row, status: 'uploaded' });
    return manager.findOneByOrFail(Dataset, { id: row.id });
  }

  /** The owner's datasets, newest first. */
  async pageOwned(userId: string, offset: number, limit: number): Promise<{ items: Dataset[]; total: number }> {
    const [items, total] = await this.dataSource
      .getRepository(Dataset)
      .findAndCount({ where: { userId }, order: { createdAt: 'DESC', id: 'DESC' }, skip: offset, take: limit });
    return { items, total };
  }

  /** The dataset if it is the user's; null for someone else's as for one that does not exist. */
  async findOwned(userId: string, id: string): Promise<Dataset | null> {
    return this.dataSource.getRepository(Dataset).findOneBy({ id, userId });
  }

  /** For the ingest job, which works on whoever's dataset it was handed. */
  async findForIngest(id: string): Promise<Dataset | null> {
    return this.dataSource.getRepository(Dataset).findOneBy({ id });
  }

  async exists(id: string): Promise<boolean> {
    return this.dataSource.getRepository(Dataset).existsBy({ id });
  }

  /** Deletes the owner's dataset (its record keys go with it); its curated folder as it was at that moment, or undefined when there was no such dataset. */
  async deleteOwned(manager: EntityManager, userId: string, id: string): Promise<{ curatedPrefix: string | null } | undefined> {
    const [rows] = (await manager.query(`DELETE FROM datasets WHERE id = $1 AND user_id = $2 RETURNING curated_prefix`, [id, userId])) as [
      Array<{ curated_prefix: string | null }>,
      number,
    ];
    const row = rows[0];
    return row ? { curatedPrefix: row.curated_prefix } : undefined;
  }

  /** Records the curated folder before anything is written to it. False when the claim no longer holds. */
  async recordCuratedPrefix(claim: JobClaim, prefix: string): Promise<boolean> {
    const fence = claimFence(claim, 3);
    const [, affected] = (await this.dataSource.query(
      `UPDATE datasets SET curated_prefix = $2, updated_at = now() WHERE id = $1 AND status = 'ingesting' AND ${fence.sql}`,
      [claim.id, prefix, ...fence.parameters],
    )) as [unknown, number];
    return affected === 1;
  }

  /**
   * The terminal write of an ingestion (ready or failed), fenced by the claim, in the caller's transaction
   * (with its audit event and notification). False when the claim no longer holds: nothing was written.
   */
  async finishIngest(manager: EntityManager, claim: JobClaim, outcome: DatasetIngestOutcome): Promise<boolean> {
    const fence = claimFence(claim, 9);
    const [, affected] = (await manager.query(
      `UPDATE datasets
          SET status = $2, record_count = $3, record_kinds = $4::jsonb, error_count = $5, line_errors = $6::jsonb,
              failure_message = $7, report = $8::jsonb, ingested_at = now(), lease_owner = NULL, lease_expires_at = NULL,
              row_version = row_version + 1, updated_at = now()
        WHERE id = $1 AND status = 'ingesting' AND ${fence.sql}`,
      [
        claim.id,
        outcome.status,
        outcome.recordCount,
        JSON.stringify(outcome.recordKinds),
        outcome.errorCount,
        JSON.stringify(outcome.lineErrors),
        outcome.failureMessage,
        outcome.report === null ? null : JSON.stringify(outcome.report),
        ...fence.parameters,
      ],
    )) as [unknown, number];
    return affected === 1;
  }
}
