import { Column } from 'typeorm';

/**
 * The columns every claimable job row shares (datasets, analysis versions, runs): a worker claims a
 * job with a conditional UPDATE that checks the status, an absent or expired lease and `rowVersion`,
 * and every later write checks the lease owner and `rowVersion` it got, so a worker that lost its lease
 * writes nothing.
 */
export abstract class JobColumns {
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /**
   * Attempts that ended with neither an outcome nor a hand-back: the worker died, stalled past the job's
   * deadline or lost its lease. Counted by the claim that finds such an attempt's lease expired; the claim
   * that brings it to `LOCKBOX_JOB_MAX_ATTEMPTS` ends the job instead of starting another attempt.
   */
  @Column({ name: 'lost_attempts', type: 'integer', default: 0 })
  lostAttempts: number;

  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ name: 'row_version', type: 'integer', default: 0 })
  rowVersion: number;

  /** When the job's queue message was last sent; the reconciler re-sends stale ones. */
  @Column({ name: 'last_published_at', type: 'timestamptz', nullable: true })
  lastPublishedAt: Date | null;
}
