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
  /** This attempt's number; when `exhausted`, the number of the last attempt made (no new one starts). */
  attempts: number;
  rowVersion: number;
  /** Attempts so far that ended with neither an outcome nor a hand-back (JobColumns.lostAttempts). */
  lostAttempts: number;
  /**
   * The job has lost as many attempts as the cap allows: this claim starts none. It holds the lease only so
   * that the holder can end the job (terminal, with its event and notification) fenced like any outcome.
   */
  exhausted: boolean;
}

type Queryable = Pick<EntityManager, 'query'>;

/**
 * Takes the job when it is waiting, or active under a lease that has expired: its worker died, stalled
 * past the job's deadline or lost the lease, so that attempt is counted as lost. Once `maxAttempts`
 * attempts are lost the claim starts no other (`exhausted`), whichever way the message came back: an SQS
 * redelivery, a re-send by the reconciler or a dead letter redriven. Returns undefined when someone else
 * holds the job or it is already finished: the message was a duplicate.
 */
export async function claimJob(
  db: Queryable,
  table: JobTable,
  id: string,
  workerId: string,
  leaseMs: number,
  maxAttempts: number,
): Promise<JobClaim | undefined> {
  const { waiting, active } = JOB_STATUSES[table];
  // Every expression on the right reads the row as it was; RETURNING reads it as written.
  const [rows] = (await db.query(
    `UPDATE ${table}
        SET status = $3, lease_owner = $4, lease_expires_at = now() + make_interval(secs => $5),
            lost_attempts = lost_attempts + (CASE WHEN status = $3 THEN 1 ELSE 0 END),
            attempts = attempts + (CASE WHEN lost_attempts + (CASE WHEN status = $3 THEN 1 ELSE 0 END) >= $6 THEN 0 ELSE 1 END),
            row_version = row_version + 1, updated_at = now()
      WHERE id = $1
        AND (status = $2 OR (status = $3 AND (lease_expires_at IS NULL OR lease_expires_at < now())))
      RETURNING attempts, row_version, lost_attempts`,
    [id, waiting, active, workerId, leaseMs / 1000, maxAttempts],
  )) as [Array<{ attempts: number; row_version: number; lost_attempts: number }>, number];
  const row = rows[0];
  if (!row) return undefined;
  return { id, workerId, attempts: row.attempts, rowVersion: row.row_version, lostAttempts: row.lost_attempts, exhausted: row.lost_attempts >= maxAttempts };
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

/**
 * Hands the job back (shutdown, platform fault): waiting again, free for the next worker. The worker makes
 * its message visible again at once, which is as good as a fresh send, so the reconciler's clock restarts
 * (last_published_at) and it does not send a duplicate while the next worker picks the message up.
 */
export async function releaseJob(db: Queryable, table: JobTable, claim: JobClaim): Promise<boolean> {
  const { waiting, active } = JOB_STATUSES[table];
  const [, affected] = (await db.query(
    `UPDATE ${table}
        SET status = $4, lease_owner = NULL, lease_expires_at = NULL, row_version = row_version + 1, last_published_at = now(), updated_at = now()
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
