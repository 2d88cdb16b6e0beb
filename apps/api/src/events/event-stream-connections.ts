import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { QuotaExceededError } from '@lockbox/errors';
import { RedisRepository } from '@lockbox/events';

/** How long a connection's lease holds without renewal: an instance that dies frees its users' slots this late at most. */
export const SSE_LEASE_MS = 60_000;
const RENEW_EVERY_MS = SSE_LEASE_MS / 3;

function leaseKey(userId: string): string {
  return `sse-connections:${userId}`;
}

/**
 * The SSE-connections quota, per user across every API instance: each open stream holds a lease in the
 * user's set in Redis, renewed while it is open and released when it closes. A stream whose instance dies
 * stops counting once its lease expires.
 */
@Injectable()
export class EventStreamConnections implements OnModuleDestroy {
  private readonly logger = new Logger(EventStreamConnections.name);
  /** This instance's leases, by user. */
  private readonly held = new Map<string, Set<string>>();
  private renewal?: NodeJS.Timeout;

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly redis: RedisRepository,
  ) {}

  /** Takes one of the user's slots, or throws QuotaExceededError; returns the release, safe to call twice. */
  async open(userId: string): Promise<() => void> {
    const limit = this.config.quotas.sseConnections;
    const lease = randomUUID();
    const { acquired, held } = await this.redis.acquireLease(leaseKey(userId), lease, limit, SSE_LEASE_MS);
    if (!acquired) {
      throw new QuotaExceededError(
        'sse_connections',
        limit,
        held,
        `You have ${held} event streams open, the most allowed at once (${limit}); close one to open another`,
      );
    }
    this.track(userId, lease);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.untrack(userId, lease);
      void this.redis
        .releaseLease(leaseKey(userId), lease)
        .catch((error: Error) => this.logger.warn(`releasing an event stream's lease failed (it expires by itself): ${error.message}`));
    };
  }

  onModuleDestroy(): void {
    clearInterval(this.renewal);
  }

  private track(userId: string, lease: string): void {
    const leases = this.held.get(userId) ?? new Set<string>();
    leases.add(lease);
    this.held.set(userId, leases);
    this.renewal ??= setInterval(() => void this.renewAll(), RENEW_EVERY_MS).unref();
  }

  private untrack(userId: string, lease: string): void {
    const leases = this.held.get(userId);
    leases?.delete(lease);
    if (leases?.size === 0) this.held.delete(userId);
  }

  private async renewAll(): Promise<void> {
    const renewals = [...this.held].map(([userId, leases]) => this.redis.renewLeases(leaseKey(userId), [...leases], SSE_LEASE_MS));
    const failed = (await Promise.allSettled(renewals)).filter((outcome) => outcome.status === 'rejected');
    if (failed.length > 0) this.logger.warn(`renewing ${failed.length} users' event-stream leases failed; they count until they expire, then not at all`);
  }
}
