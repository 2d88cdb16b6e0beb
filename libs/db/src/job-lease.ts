import type { EntityManager } from 'typeorm';

/**
 * Claims and leases for the job tables. Every state change is a conditional UPDATE, so any step can be
 * replayed safely: a duplicate message finds nothing to claim, and a worker whose lease was taken over
 * (its `row_version` moved on) finds nothing to write.
 */
export type JobTable = 'runs' | 'datasets' | 'analysis_versions';

/** The status a job waits in, and the one it holds while a worker has it. */
export const JOB_STATUSES: Record<JobTable, { waiting: string; active: string }> = {
  runs: { waiting: 'queued', active: 'running' },
  datasets: { waiting: 'uploaded', active: 'ingesting' },
  analysis_versions: { waiting: 'submitted', active: 'checking' },
};

export interface JobClaim {
  id: string;
  workerId: string;
  attempts: number;
  rowVersion: number;
}

type Queryable = Pick<EntityManager, 'query'>;

/**
 * Takes the job when it is waiting, or active under a lease that has expired (its worker died).
 * Returns undefined when someone else holds it or it is already finished: the message was a duplicate.
 */
export async function claimJob(db: Queryable, table: JobTable, id: string, workerId: string, leaseMs: number): Promise<JobClaim | undefined> {
  const { waiting, active } = JOB_STATUSES[table];
  const [rows] = (await db.query(
    `UPDATE ${table}
        SET status = $3, lease_owner = $4, lease_expires_at = now() + make_interval(secs => $5),
            attempts = attempts + 1, row_version = row_version + 1, updated_at = now()
      WHERE id = $1
        AND (status = $2 OR (status = $3 AND (lease_expires_at IS NULL OR lease_expires_at < now())))
      RETURNING attempts, row_version`,
    [id, waiting, active, workerId, leaseMs / 1000],
  )) as [Array<{ attempts: number; row_version: number }>, number];
  const row = rows[0];
  return row ? { id, workerId, attempts: row.attempts, rowVersion: row.row_version } : undefined;
}

/** Extends the lease while the job runs; false means it was lost and the worker must stop. */
export async function renewLease(db: Queryable, table: JobTable, claim: JobClaim, leaseMs: number): Promise<boolean> {
  const [, affected] = (await db.query(
    `UPDATE ${table} SET lease_expires_at = now() + make_interval(secs => $4)
      WHERE id = $1 AND lease_owner = $2 AND row_version = $3 AND status = $5`,
    [claim.id, claim.workerId, claim.rowVersion, leaseMs / 1000, JOB_STATUSES[table].active],
  )) as [unknown, number];
  return affected === 1;
}

/** Hands the job back (shutdown, platform fault): waiting again, free for the next worker. */
export async function releaseJob(db: Queryable, table: JobTable, claim: JobClaim): Promise<boolean> {
  const { waiting, active } = JOB_STATUSES[table];
  const [, affected] = (await db.query(
    `UPDATE ${table}
        SET status = $4, lease_owner = NULL, lease_expires_at = NULL, row_version = row_version + 1, updated_at = now()
      WHERE id = $1 AND lease_owner = $2 AND row_version = $3 AND status = $5`,
    [claim.id, claim.workerId, claim.rowVersion, waiting, active],
  )) as [unknown, number];
  return affected === 1;
}

/** The fence for a claim's final write: append to the WHERE clause of a table's terminal UPDATE. */
export function claimFence(claim: JobClaim, firstParameter: number): { sql: string; parameters: unknown[] } {
  return {
    sql: `lease_owner = $${firstParameter} AND row_version = $${firstParameter + 1}`,
    parameters: [claim.workerId, claim.rowVersion],
  };
}
