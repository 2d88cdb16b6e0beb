import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { claimJob, type JobClaim, type JobTable, releaseJob, renewLease } from '@lockbox/db';
import { addToLogContext } from '@lockbox/logging';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import type { JobContext } from './job-handler';

export interface HeldLease {
  claim: JobClaim;
  /** Aborted when a renewal finds the lease gone, or the job overran its deadline: stop, and write nothing. */
  lost: AbortSignal;
  /** Stops renewing (after the final write, or before handing back). */
  stop(): void;
}

/** What a claim needs of the job's context. */
export type ClaimContext = Pick<JobContext, 'abandoned' | 'runAlone'>;

/** Claims jobs for this worker and keeps the lease alive while it works on them. */
@Injectable()
export class JobLeaseService {
  private readonly logger = new Logger(JobLeaseService.name);

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly identity: WorkerIdentity,
  ) {}

  /**
   * Undefined when the job is not claimable: a duplicate delivery, or another worker has it. A claim that
   * is `exhausted` starts no attempt: the handler ends the job. A job whose earlier attempt was lost runs
   * alone on this worker (JobContext.runAlone); undefined, the job handed back, if the worker began to
   * shut down while it waited.
   */
  async claim(table: JobTable, id: string, context: ClaimContext): Promise<HeldLease | undefined> {
    const claim = await claimJob(this.dataSource, table, id, this.identity.id, this.config.jobs.leaseMs, this.config.jobs.maxAttempts);
    if (!claim) return undefined;
    addToLogContext({ attempt: claim.attempts });
    const lease = this.keep(table, claim, context.abandoned);
    if (claim.exhausted || claim.lostAttempts === 0) return lease;
    this.logger.warn(`${table} ${id}: attempt ${claim.attempts} after ${claim.lostAttempts} lost one(s); it runs alone on this worker`);
    if (await context.runAlone()) return lease;
    await this.release(table, lease);
    return undefined;
  }

  async release(table: JobTable, lease: HeldLease): Promise<void> {
    lease.stop();
    await releaseJob(this.dataSource, table, lease.claim);
  }

  private keep(table: JobTable, claim: JobClaim, abandoned: AbortSignal): HeldLease {
    const lost = new AbortController();
    const timer = setInterval(() => {
      renewLease(this.dataSource, table, claim, this.config.jobs.leaseMs)
        .then((held) => {
          if (!held && !lost.signal.aborted) {
            this.logger.warn(`lost the lease on ${table} ${claim.id} (attempt ${claim.attempts})`);
            lost.abort();
          }
        })
        // A database blip is not a lost lease; the next renewal tries again before the lease runs out.
        .catch((error: unknown) =>
          this.logger.warn(`renewing the lease on ${table} ${claim.id} failed: ${error instanceof Error ? error.message : String(error)}`),
        );
    }, this.config.jobs.leaseRenewMs);
    // Given up as stalled: the lease is left to expire, so the next claim counts this attempt as lost.
    const onAbandoned = () => {
      clearInterval(timer);
      if (!lost.signal.aborted) lost.abort();
    };
    if (abandoned.aborted) onAbandoned();
    else abandoned.addEventListener('abort', onAbandoned, { once: true });
    return {
      claim,
      lost: lost.signal,
      stop: () => {
        clearInterval(timer);
        abandoned.removeEventListener('abort', onAbandoned);
      },
    };
  }
}
