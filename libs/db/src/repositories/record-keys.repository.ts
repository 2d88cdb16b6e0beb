import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { claimFence, type JobClaim } from '../job-lease';

/** An ingestion's claim was taken over (or its dataset deleted) while it was adding keys: it must stop. */
export class RecordKeysClaimLostError extends Error {
  constructor(datasetId: string) {
    super(`dataset ${datasetId}: the ingest claim no longer holds; its keys were not added`);
    this.name = 'RecordKeysClaimLostError';
  }
}

interface AddedKeysRow {
  held: boolean;
  added: string[] | null;
}

/**
 * The stable record keys (SHA-256, given and returned as 64 hex digits) of each dataset, per user: a
 * dataset holds each key once, and staging asks which keys other datasets of a run already gave it.
 */
@Injectable()
export class RecordKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Adds keys to the dataset an ingestion holds the claim of, and returns those it did not have yet.
   * The dataset row is locked (FOR SHARE) while they are added, so a claim taken over meanwhile either
   * waits for these keys (and then clears them) or stops them being added at all.
   */
  async addForClaim(claim: JobClaim, keys: readonly string[]): Promise<Set<string>> {
    const fence = claimFence(claim, 3);
    const [row] = (await this.dataSource.query(
      `WITH fence AS (
         SELECT id, user_id FROM datasets WHERE id = $1 AND status = 'ingesting' AND ${fence.sql} FOR SHARE
       ), added AS (
         INSERT INTO record_keys (dataset_id, user_id, key)
         SELECT fence.id, fence.user_id, decode(candidate.key, 'hex') FROM fence CROSS JOIN unnest($2::text[]) AS candidate (key)
         ON CONFLICT DO NOTHING
         RETURNING encode(key, 'hex') AS key
       )
       SELECT EXISTS (SELECT 1 FROM fence) AS held, (SELECT array_agg(key) FROM added) AS added`,
      [claim.id, keys, ...fence.parameters],
    )) as [AddedKeysRow];
    if (!row.held) throw new RecordKeysClaimLostError(claim.id);
    return new Set(row.added ?? []);
  }

  /** Clears a dataset's keys: an ingestion starting over, or one that failed (in the transaction that says so). */
  async clearDataset(datasetId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`DELETE FROM record_keys WHERE dataset_id = $1`, [datasetId]);
  }

  /** How many of the dataset's keys another of the same person's datasets also holds. */
  async countHeldElsewhere(userId: string, datasetId: string): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS count FROM record_keys mine
        WHERE mine.dataset_id = $2 AND mine.user_id = $1
          AND EXISTS (SELECT 1 FROM record_keys other WHERE other.user_id = $1 AND other.key = mine.key AND other.dataset_id <> mine.dataset_id)`,
      [userId, datasetId],
    )) as [{ count: number }];
    return row.count;
  }

  /** Which of `keys` one of the person's `datasetIds` holds. */
  async heldByDatasets(userId: string, datasetIds: readonly string[], keys: readonly string[]): Promise<Set<string>> {
    if (datasetIds.length === 0 || keys.length === 0) return new Set();
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT encode(key, 'hex') AS key FROM record_keys
        WHERE user_id = $1 AND dataset_id = ANY ($2::uuid[]) AND key = ANY (SELECT decode(candidate, 'hex') FROM unnest($3::text[]) AS candidate)`,
      [userId, datasetIds, keys],
    )) as Array<{ key: string }>;
    return new Set(rows.map((row) => row.key));
  }
}
