import type { EntityManager } from 'typeorm';

/** Which job of the version ran out of attempts. */
export interface QuarantineCause {
  job: 'run' | 'check';
  jobId: string;
  lostAttempts: number;
  /** Who ends the job, as audit rows name actors (`worker:<id>`). */
  actor: string;
}

export function quarantineReason(cause: Pick<QuarantineCause, 'job' | 'jobId' | 'lostAttempts'>): string {
  const which = cause.job === 'run' ? `run ${cause.jobId}` : 'its automated check';
  return `${cause.lostAttempts} attempts of ${which} each killed or stalled the worker running it`;
}

/**
 * Flags a version for the admins when one of its jobs ran out of attempts (the threshold is one job: a
 * single run that kills workers over and over is worth a look). Only the first time counts: the flag keeps
 * its first date and reason, and the audit row (`analysis_version.quarantined`) is written once. Call it
 * inside the transaction that ends the job. `row_version` is left alone, so no claim or review of the
 * version is fenced out by the flag. Returns whether this call set it.
 */
export async function quarantineVersion(manager: Pick<EntityManager, 'query'>, versionId: string, cause: QuarantineCause): Promise<boolean> {
  const reason = quarantineReason(cause);
  const [rows] = (await manager.query(
    `UPDATE analysis_versions SET quarantined_at = now(), quarantine_reason = $2 WHERE id = $1 AND quarantined_at IS NULL RETURNING id`,
    [versionId, reason],
  )) as [Array<{ id: string }>, number];
  if (rows.length === 0) return false;
  await manager.query(
    `INSERT INTO audit_events (actor, action, target_type, target_id, detail) VALUES ($1, 'analysis_version.quarantined', 'analysis_version', $2, $3::jsonb)`,
    [cause.actor, versionId, JSON.stringify({ reason, job: cause.job, jobId: cause.jobId, lostAttempts: cause.lostAttempts })],
  );
  return true;
}
