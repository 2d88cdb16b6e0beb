import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { RedisRepository } from '@lockbox/events';

/**
 * Slows password guessing: after too many failed logins for one account (or from one address) within
 * the window, login answers 429 until the window passes. Counted in Redis so every API instance agrees.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly redis: RedisRepository,
  ) {}

  private keys(email: string, address: string): { account: string; address: string } {
    return { account: `login-failures:account:${email}`, address: `login-failures:address:${address}` };
  }

  async assertAllowed(email: string, address: string): Promise<void> {
    const keys = this.keys(email, address);
    const { loginMaxFailures } = this.config.auth;
    const [accountFailures, addressFailures] = await Promise.all([this.redis.getCount(keys.account), this.redis.getCount(keys.address)]);
    if (accountFailures >= loginMaxFailures || addressFailures >= loginMaxFailures * 4) {
      const retryAfterSeconds = Math.max(1, await this.redis.ttl(accountFailures >= loginMaxFailures ? keys.account : keys.address));
      throw new HttpException(
        { message: `Too many failed logins; try again in ${retryAfterSeconds} s`, retryAfterSeconds },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
  }

  async recordFailure(email: string, address: string): Promise<void> {
    const keys = this.keys(email, address);
    const window = this.config.auth.loginWindowSeconds;
    await Promise.all([this.redis.countInWindow(keys.account, window), this.redis.countInWindow(keys.address, window)]);
  }

  async recordSuccess(email: string, address: string): Promise<void> {
    await this.redis.deleteKey(this.keys(email, address).account);
  }
}
