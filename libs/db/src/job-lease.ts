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

/** One held lease, as a renewal names it. */
export interface HeldJob {
  table: JobTable;
  claim: JobClaim;
}

const JOB_TABLES = Object.keys(JOB_STATUSES) as JobTable[];

/**
 * Extends every lease a worker holds, whatever its table, in one statement (one round trip however many
 * jobs the worker runs). Each lease is still fenced by its own attempt: owner, `row_version` and active
 * status, exactly as a single renewal. Returns the leases renewed; a held job missing from the answer has
 * lost its lease, and its worker must stop.
 */
export async function renewLeases<T extends HeldJob>(db: Queryable, workerId: string, held: readonly T[], leaseMs: number): Promise<T[]> {
  if (held.length === 0) return [];
  // One data-modifying CTE per table; a table with no lease held gets empty arrays and updates nothing.
  const parameters: unknown[] = [workerId, leaseMs / 1000];
  const updates = JOB_TABLES.map((table) => {
    const mine = held.filter((job) => job.table === table);
    parameters.push(
      mine.map((job) => job.claim.id),
      mine.map((job) => job.claim.rowVersion),
      JOB_STATUSES[table].active,
    );
    const [ids, versions, active] = [parameters.length - 2, parameters.length - 1, parameters.length];
    return `${table}_renewed AS (
        UPDATE ${table} AS job SET lease_expires_at = now() + make_interval(secs => $2)
          FROM unnest($${ids}::uuid[], $${versions}::int[]) AS held(id, row_version)
         WHERE job.id = held.id AND job.row_version = held.row_version AND job.lease_owner = $1 AND job.status = $${active}
        RETURNING job.id::text AS id, '${table}' AS job_table)`;
  });
  const rows = (await db.query(
    `WITH ${updates.join(',\n')}
     ${JOB_TABLES.map((table) => `SELECT id, job_table FROM ${table}_renewed`).join(' UNION ALL ')}`,
    parameters,
  )) as Array<{ id: string; job_table: JobTable }>;
  const renewed = new Set(rows.map((row) => `${row.job_table}:${row.id}`));
  return held.filter((job) => renewed.has(`${job.table}:${job.claim.id}`));
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
