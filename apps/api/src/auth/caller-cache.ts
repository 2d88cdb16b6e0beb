import { Inject, Injectable } from '@nestjs/common';
import type { UserIdentity } from '@lockbox/accounts';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { TtlCache } from '../common/ttl-cache';

/**
 * Accounts the auth guard looked up lately, by user id, so a client's burst of requests costs one
 * database read. A role change, a removed account or a password change made through another API
 * instance therefore reaches this one up to LOCKBOX_CALLER_CACHE_MS late; the instance that changed a
 * password forgets the account at once.
 */
@Injectable()
export class CallerCache {
  private readonly identities: TtlCache<UserIdentity>;

  constructor(@Inject(LOCKBOX_CONFIG) config: LockboxConfig) {
    this.identities = new TtlCache(config.auth.callerCacheMs, 10_000);
  }

  get(userId: string): UserIdentity | undefined {
    return this.identities.get(userId);
  }

  set(identity: UserIdentity): void {
    this.identities.set(identity.id, identity);
  }

  forget(userId: string): void {
    this.identities.delete(userId);
  }
}
