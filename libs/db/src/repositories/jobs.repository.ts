import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { claimJob, type HeldJob, type JobClaim, type JobTable, releaseJob, renewLeases } from '../job-lease';

/**
 * Claims and leases of the job tables (runs, datasets, analysis_versions) for a worker: the statements
 * themselves are in job-lease.ts, shared with the terminal writers that fence their final write by a claim.
 */
@Injectable()
export class JobsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Undefined when someone else holds the job or it is finished (a duplicate message). */
  async claim(table: JobTable, id: string, workerId: string, leaseMs: number, maxAttempts: number): Promise<JobClaim | undefined> {
    return claimJob(this.dataSource.manager, table, id, workerId, leaseMs, maxAttempts);
  }

  /**
   * Renews every lease the worker holds, in one statement; returns those renewed. A held job missing from
   * the answer has lost its lease: the worker must stop it and write nothing.
   */
  async renewAll<T extends HeldJob>(workerId: string, held: readonly T[], leaseMs: number): Promise<T[]> {
    return renewLeases(this.dataSource.manager, workerId, held, leaseMs);
  }

  /** Hands the job back, waiting again; false when the claim no longer held. */
  async release(table: JobTable, claim: JobClaim): Promise<boolean> {
    return releaseJob(this.dataSource.manager, table, claim);
  }
}
