import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { type HeldJob, type JobClaim, JobsRepository, type JobTable } from '@lockbox/db';
import { addToLogContext } from '@lockbox/logging';
import { PeriodicTask } from '@lockbox/scheduling';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { DONE, HANDED_BACK, type JobContext, type JobOutcome, retryLater } from './job-handler';

export interface HeldLease {
  claim: JobClaim;
  /** Aborted when a renewal finds the lease gone, or the job overran its deadline: stop, and write nothing. */
  lost: AbortSignal;
  /** Stops renewing (after the final write, or before handing back). */
  stop(): void;
}

/** What a claim needs of the job's context. */
export type ClaimContext = Pick<JobContext, 'abandoned' | 'runAlone'>;

/** A lease this worker renews, until its job stops it, loses it or is given up as stalled. */
interface RenewedLease extends HeldJob {
  lost: AbortController;
}

/**
 * Claims jobs for this worker and keeps their leases alive while it works on them: one renewal pass
 * every `leaseRenewMs` renews every lease the worker holds in one statement.
 */
@Injectable()
export class JobLeaseService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobLeaseService.name);
  private readonly held = new Map<string, RenewedLease>();
  private readonly renewal: PeriodicTask;

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly jobs: JobsRepository,
    private readonly identity: WorkerIdentity,
  ) {
    // A failed pass (a database blip) is not a lost lease: the next pass tries again before the leases run out.
    this.renewal = new PeriodicTask({ name: 'renewing leases', intervalMs: config.jobs.leaseRenewMs, logger: this.logger }, () => this.renewAll());
  }

  onApplicationBootstrap(): void {
    this.renewal.start();
  }

  /** After the consumer's own shutdown: its jobs have ended or been handed back by then. */
  async onApplicationShutdown(): Promise<void> {
    await this.renewal.stop();
  }

  /**
   * The claim → work → release-on-fault sequence of every handler. `done` without calling `work` for a
   * duplicate delivery (finished, or another worker has it); `handed_back` when the job waited to run
   * alone and the worker began to shut down meanwhile. When `work` answers `handed_back` or
   * `retry_later`, or throws (a platform fault: `retry_later`), the claim is released so the next attempt
   * can take it at once instead of waiting out the lease; a lease already lost is another worker's now.
   */
  async runClaimed(table: JobTable, id: string, context: ClaimContext, work: (lease: HeldLease) => Promise<JobOutcome>): Promise<JobOutcome> {
    const lease = await this.claim(table, id, context);
    if (lease === 'duplicate') return DONE;
    if (lease === 'handed_back') return HANDED_BACK;
    try {
      const outcome = await work(lease);
      if (outcome.kind !== 'done' && !lease.lost.aborted) await this.release(table, lease);
      return outcome;
    } catch (error) {
      if (!lease.lost.aborted) await this.release(table, lease).catch(() => undefined);
      return retryLater(error);
    } finally {
      lease.stop();
    }
  }

  /**
   * A claim that is `exhausted` starts no attempt: the handler ends the job. A job whose earlier attempt was
   * lost runs alone on this worker (JobContext.runAlone), or is handed back if the worker began to shut
   * down while it waited.
   */
  private async claim(table: JobTable, id: string, context: ClaimContext): Promise<HeldLease | 'duplicate' | 'handed_back'> {
    const claim = await this.jobs.claim(table, id, this.identity.id, this.config.jobs.leaseMs, this.config.jobs.maxAttempts);
    if (!claim) return 'duplicate';
    addToLogContext({ attempt: claim.attempts });
    const lease = this.keep(table, claim, context.abandoned);
    if (claim.exhausted || claim.lostAttempts === 0) return lease;
    this.logger.warn(`${table} ${id}: attempt ${claim.attempts} after ${claim.lostAttempts} lost one(s); it runs alone on this worker`);
    if (await context.runAlone()) return lease;
    await this.release(table, lease);
    return 'handed_back';
  }

  /** Hands the job back: the claim is released, free for the next worker at once. */
  async release(table: JobTable, lease: HeldLease): Promise<void> {
    lease.stop();
    await this.jobs.release(table, lease.claim);
  }

  /** One renewal pass: every lease held, in one statement; a lease it did not renew is lost. */
  async renewAll(): Promise<void> {
    const held = [...this.held.values()];
    const renewed = new Set(await this.jobs.renewAll(this.identity.id, held, this.config.jobs.leaseMs));
    for (const lease of held) {
      // Stopped or given up while the statement ran: no longer this pass's to judge.
      if (renewed.has(lease) || this.held.get(keyOf(lease)) !== lease) continue;
      this.logger.warn(`lost the lease on ${lease.table} ${lease.claim.id} (attempt ${lease.claim.attempts})`);
      this.forget(lease);
      lease.lost.abort();
    }
  }

  private keep(table: JobTable, claim: JobClaim, abandoned: AbortSignal): HeldLease {
    const lease: RenewedLease = { table, claim, lost: new AbortController() };
    this.held.set(keyOf(lease), lease);
    // Given up as stalled: the lease is left to expire, so the next claim counts this attempt as lost.
    const onAbandoned = () => {
      this.forget(lease);
      if (!lease.lost.signal.aborted) lease.lost.abort();
    };
    if (abandoned.aborted) onAbandoned();
    else abandoned.addEventListener('abort', onAbandoned, { once: true });
    return {
      claim,
      lost: lease.lost.signal,
      stop: () => {
        this.forget(lease);
        abandoned.removeEventListener('abort', onAbandoned);
      },
    };
  }

  /** A job given up as stalled may be claimed again by this same worker: only this lease's entry goes. */
  private forget(lease: RenewedLease): void {
    if (this.held.get(keyOf(lease)) === lease) this.held.delete(keyOf(lease));
  }
}

function keyOf(lease: HeldJob): string {
  return `${lease.table}:${lease.claim.id}`;
}
