import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { claimJob, type JobClaim, type JobTable, releaseJob, renewLease } from '@lockbox/db';
import { WorkerIdentity } from '../heartbeat/worker-identity';

export interface HeldLease {
  claim: JobClaim;
  /** Aborted when a renewal finds the lease gone: stop, and write nothing. */
  lost: AbortSignal;
  /** Stops renewing (after the final write, or before handing back). */
  stop(): void;
}

/** Claims jobs for this worker and keeps the lease alive while it works on them. */
@Injectable()
export class JobLeaseService {
  private readonly logger = new Logger(JobLeaseService.name);

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly identity: WorkerIdentity,
  ) {}

  /** Undefined when the job is not claimable: a duplicate delivery, or another worker has it. */
  async claim(table: JobTable, id: string): Promise<HeldLease | undefined> {
    const claim = await claimJob(this.dataSource, table, id, this.identity.id, this.config.jobs.leaseMs);
    return claim && this.keep(table, claim);
  }

  async release(table: JobTable, lease: HeldLease): Promise<void> {
    lease.stop();
    await releaseJob(this.dataSource, table, lease.claim);
  }

  private keep(table: JobTable, claim: JobClaim): HeldLease {
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
        .catch((error: unknown) => this.logger.warn(`renewing the lease on ${table} ${claim.id} failed: ${error instanceof Error ? error.message : error}`));
    }, this.config.jobs.leaseRenewMs);
    return { claim, lost: lost.signal, stop: () => clearInterval(timer) };
  }
}
