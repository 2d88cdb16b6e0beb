import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';

export type ChannelHandler = (payload: unknown, channel: string) => void;

export interface RedisTuning {
  /** Every command settles within this, whatever state the connection is in. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Reconnect back-off grows by 100 ms per attempt up to this. */
  maxReconnectDelayMs?: number;
}

/** Redis's own clock in ms, so that leases taken by instances whose clocks differ expire alike. */
const NOW_MS = `local clock = redis.call('TIME') local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/** KEYS[1] the set; ARGV member, limit, ttlMs. Drops expired leases, then takes one if there is room. Returns {taken, held}. */
const ACQUIRE_LEASE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[2]) then return {0, held} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return {1, held + 1}`;

/** KEYS[1] the set; ARGV ttlMs, then the members to renew (only those still held). */
const RENEW_LEASES = `${NOW_MS}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1])) end
return 0`;

interface Subscription {
  handlers: Set<ChannelHandler>;
  /** Settles when Redis has confirmed the SUBSCRIBE; later subscribers to the channel wait for it too. */
  ready: Promise<void>;
}

/**
 * Redis (ElastiCache or the embedded redis-server). It is only the live path, fan-out of events to API
 * instances plus short-lived counters: when it is down, calls fail fast rather than queue up, and the
 * durable rows in PostgreSQL cover anything lost.
 */
export class RedisRepository implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisRepository.name);
  private readonly client: Redis;
  private subscriber?: Redis;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly options: RedisOptions;

  constructor(
    private readonly config: { url: string },
    tuning: RedisTuning = {},
  ) {
    const maxDelay = tuning.maxReconnectDelayMs ?? 500;
    this.options = {
      lazyConnect: false,
      // A command waits for at most one reconnect attempt, and never longer than commandTimeout. The offline
      // queue stays on so that calls made while the first connection is being set up do not fail.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      commandTimeout: tuning.commandTimeoutMs ?? 2_000,
      connectTimeout: tuning.connectTimeoutMs ?? 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 100, maxDelay),
    };
    this.client = this.connect('commands');
  }

  /** Publishes a JSON payload; returns how many subscribers received it. */
  async publish(channel: string, payload: object): Promise<number> {
    return this.client.publish(channel, JSON.stringify(payload));
  }

  /**
   * Calls `handler` with each JSON payload published on `channel` until the returned function is called.
   * Subscriptions share one connection, opened on first use, and are restored after a reconnect.
   */
  async subscribe(channel: string, handler: ChannelHandler): Promise<() => Promise<void>> {
    const subscriber = this.subscriberConnection();
    let subscription = this.subscriptions.get(channel);
    if (!subscription) {
      const created: Subscription = {
        handlers: new Set(),
        ready: subscriber.subscribe(channel).then(() => undefined),
      };
      created.ready.catch(() => {
        if (this.subscriptions.get(channel) === created) this.subscriptions.delete(channel);
      });
      this.subscriptions.set(channel, created);
      subscription = created;
    }
    subscription.handlers.add(handler);
    try {
      await subscription.ready;
    } catch (error) {
      subscription.handlers.delete(handler);
      throw error;
    }
    const current = subscription;
    return async () => {
      current.handlers.delete(handler);
      if (current.handlers.size > 0 || this.subscriptions.get(channel) !== current) return;
      this.subscriptions.delete(channel);
      await subscriber.unsubscribe(channel).catch((error: Error) => this.logger.warn(`UNSUBSCRIBE ${channel} failed: ${error.message}`));
    };
  }

  /**
   * Counts a hit against `key` in a fixed window that starts with the first hit; returns the hits so far.
   * For rate limits, e.g. failed logins per account.
   */
  async countInWindow(key: string, windowSeconds: number): Promise<number> {
    const results = await this.client.multi().incr(key).expire(key, windowSeconds, 'NX').exec();
    if (!results) throw new Error(`Redis aborted the transaction counting ${key}`);
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
    return Number(results[0]![1]); // the first reply is INCR's
  }

  /** The hits counted so far in the key's current window (0 once it has expired), without adding one. */
  async getCount(key: string): Promise<number> {
    const value = await this.client.get(key);
    return value === null ? 0 : Number(value);
  }

  /** Sets `key` only when it is absent, expiring after `ttlSeconds`; returns whether it was set. For one-time markers. */
  async setIfAbsent(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.client.set(key, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  /** Runs a Lua script atomically (EVAL): for limits whose check and update must not interleave between API instances. */
  async evaluate(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    return this.client.eval(script, keys.length, ...keys, ...args);
  }

  /**
   * Takes one of at most `limit` leases in the set `key` for `member`, held for `ttlMs` unless renewed. A
   * lease whose holder died without releasing it stops counting once it expires. Atomic across every
   * instance. Returns whether the lease was taken and how many are held (with it, when it was).
   */
  async acquireLease(key: string, member: string, limit: number, ttlMs: number): Promise<{ acquired: boolean; held: number }> {
    const [taken, held] = (await this.client.eval(ACQUIRE_LEASE, 1, key, member, limit, ttlMs)) as [number, number];
    return { acquired: taken === 1, held };
  }

  /** Extends the leases still held among `members` by `ttlMs` from now. */
  async renewLeases(key: string, members: string[], ttlMs: number): Promise<void> {
    if (members.length > 0) await this.client.eval(RENEW_LEASES, 1, key, ttlMs, ...members);
  }

  async releaseLease(key: string, member: string): Promise<void> {
    await this.client.zrem(key, member);
  }

  /** Returns whether the key existed. */
  async deleteKey(key: string): Promise<boolean> {
    return (await this.client.del(key)) > 0;
  }

  /** Seconds left; -1 if the key has no expiry, -2 if it does not exist. */
  async ttl(key: string): Promise<number> {
    return this.client.ttl(key);
  }

  /** Answers when Redis does; rejects within the command timeout when it does not. */
  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    const connections = [this.client, this.subscriber].filter((connection) => connection !== undefined);
    await Promise.all(connections.map((connection) => this.disconnect(connection)));
    this.subscriber = undefined;
    this.subscriptions.clear();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private subscriberConnection(): Redis {
    if (!this.subscriber) {
      this.subscriber = this.connect('subscriber');
      this.subscriber.on('message', (channel: string, raw: string) => this.dispatch(channel, raw));
    }
    return this.subscriber;
  }

  private dispatch(channel: string, raw: string): void {
    const subscription = this.subscriptions.get(channel);
    if (!subscription) return;
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      this.logger.warn(`Ignoring a non-JSON message on ${channel}`);
      return;
    }
    for (const handler of subscription.handlers) {
      try {
        handler(payload, channel);
      } catch (error) {
        this.logger.error(`A handler for ${channel} threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private connect(role: string): Redis {
    const connection = new Redis(this.config.url, { ...this.options, connectionName: `lockbox-${role}` });
    // Log transitions only; while Redis is down ioredis reports every failed reconnect attempt.
    let down = false;
    connection.on('error', (error: Error) => {
      if (down) return;
      down = true;
      this.logger.warn(`Redis ${role} connection lost: ${error.message}`);
    });
    connection.on('ready', () => {
      if (!down) return;
      down = false;
      this.logger.log(`Redis ${role} connection restored`);
    });
    return connection;
  }

  private async disconnect(connection: Redis): Promise<void> {
    if (connection.status === 'end') return;
    if (connection.status === 'ready') {
      try {
        await connection.quit();
        return;
      } catch {
        // fall through: drop the socket instead
      }
    }
    connection.disconnect(false);
  }
}
