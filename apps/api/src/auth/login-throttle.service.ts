import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { RedisRepository } from '@lockbox/events';

/** The first wait once the free attempts are spent; each further failure doubles it, up to the configured cap. */
const BASE_DELAY_MS = 1_000;
/** A client address may fail this many times more than one account may: many people can share an address. */
const ADDRESS_ALLOWANCE_FACTOR = 4;

/**
 * Checks both subjects (the account and the client address) and, unless one of them must still wait,
 * counts the attempt against both at once, as a failure until proven otherwise. Counting before the
 * password is checked means concurrent guesses cannot slip past the allowance together. Once a
 * subject's attempts reach its allowance, each attempt sets the earliest time of the next one, the
 * delay doubling per attempt up to the cap. Clock: Redis's, the same for every API instance.
 *
 * KEYS: account, address. ARGV: account allowance, address allowance, base delay ms, max delay ms,
 * window ms (how long a subject's count lives after its last attempt). Returns 0 when the attempt may
 * go ahead, else the milliseconds to wait.
 */
const BEGIN_ATTEMPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local wait = 0
for i = 1, 2 do
  local notBefore = tonumber(redis.call('HGET', KEYS[i], 'not_before') or '0')
  if notBefore - now > wait then wait = notBefore - now end
end
if wait > 0 then return wait end
for i = 1, 2 do
  local allowance = tonumber(ARGV[i])
  local attempts = redis.call('HINCRBY', KEYS[i], 'attempts', 1)
  if attempts >= allowance then
    local delay = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ (attempts - allowance))
    redis.call('HSET', KEYS[i], 'not_before', math.floor(now + delay))
  end
  redis.call('PEXPIRE', KEYS[i], ARGV[5])
end
return 0`;

/**
 * A right password: the account starts afresh (its owner is in), and the address gets back the attempt
 * counted against it, but no more, so logging in to an account of one's own between guesses at others
 * does not reset an address.
 */
const ATTEMPT_SUCCEEDED = `
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HINCRBY', KEYS[2], 'attempts', -1) end
return 0`;

/**
 * Slows password guessing without locking anyone out. Each account and each client address has a few
 * free attempts (LOCKBOX_LOGIN_MAX_FAILURES; four times as many per address); past them, each attempt
 * must wait for a delay that doubles per failure, capped at LOCKBOX_LOGIN_BACKOFF_MAX_S, and attempts
 * within the delay are answered 429 without checking the password. So an attacker can slow an account
 * to one guess per cap interval, never shut its owner out: a right password after the wait works, and
 * resets the account. Registrations are limited per client address per hour. Kept in Redis, so every
 * API instance agrees.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly redis: RedisRepository,
  ) {}

  /** Before a password is checked (login, password change): 429 while either subject must wait, else the attempt is counted. */
  async beginAttempt(account: string, address: string): Promise<void> {
    const { loginMaxFailures, loginBackoffMaxSeconds, loginWindowSeconds } = this.config.auth;
    const waitMs = Number(
      await this.redis.evaluate(BEGIN_ATTEMPT, this.keys(account, address), [
        loginMaxFailures,
        loginMaxFailures * ADDRESS_ALLOWANCE_FACTOR,
        BASE_DELAY_MS,
        loginBackoffMaxSeconds * 1000,
        loginWindowSeconds * 1000,
      ]),
    );
    if (waitMs > 0) throw tooManyRequests('Too many failed attempts', Math.ceil(waitMs / 1000));
  }

  async attemptSucceeded(account: string, address: string): Promise<void> {
    await this.redis.evaluate(ATTEMPT_SUCCEEDED, this.keys(account, address), []);
  }

  /** Counts a registration from `address`; 429 once the address has made LOCKBOX_REGISTRATIONS_PER_HOUR within the hour. */
  async countRegistration(address: string): Promise<void> {
    const key = `registrations:address:${address}`;
    const count = await this.redis.countInWindow(key, 3600);
    if (count > this.config.auth.registrationsPerHour)
      throw tooManyRequests('Too many registrations from this address', Math.max(1, await this.redis.ttl(key)));
  }

  private keys(account: string, address: string): string[] {
    return [`login-throttle:account:${account}`, `login-throttle:address:${address}`];
  }
}

function tooManyRequests(what: string, retryAfterSeconds: number): HttpException {
  return new HttpException({ message: `${what}; try again in ${retryAfterSeconds} s`, retryAfterSeconds }, HttpStatus.TOO_MANY_REQUESTS);
}
