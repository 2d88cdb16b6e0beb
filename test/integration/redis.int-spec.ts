import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig, type LockboxConfig, runtimeFilePath } from '@lockbox/config';
import { RedisModule, RedisRepository } from '@lockbox/events';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// jest ignores `testTimeout` inside a project of a multi-project config (jest-circus reads only the global one).
jest.setTimeout(120_000);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
    await sleep(50);
  }
}

/** A redis-server of this suite's own, which it can stop and start again on the same port. */
class OwnRedis {
  private child?: ChildProcess;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitForPort(this.port);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

async function eventually<T>(probe: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

describe('RedisRepository against redis-server', () => {
  const names = `lbt:${Date.now().toString(36)}:${process.pid}`;
  let own: OwnRedis;
  let redis: RedisRepository;
  let url: string;

  beforeAll(async () => {
    own = new OwnRedis(await freePort());
    await own.start();
    // Prefer the stack's Redis (global setup) for the plain behaviour; the outage test always uses its own.
    const home = process.env.LOCKBOX_HOME;
    url = home && existsSync(runtimeFilePath(home)) ? loadConfig().redis.url : own.url;
    redis = new RedisRepository({ url });
  });

  afterAll(async () => {
    await redis.close();
    await own.stop();
  });

  it('answers ping', async () => {
    await expect(redis.ping()).resolves.toBeUndefined();
  });

  it('delivers published JSON to every subscriber of a channel until each unsubscribes', async () => {
    const channel = `${names}:events:user-1`;
    const other = `${names}:events:user-2`;
    const first: unknown[] = [];
    const second: unknown[] = [];
    const stray: unknown[] = [];
    const stopFirst = await redis.subscribe(channel, (payload) => first.push(payload));
    const stopSecond = await redis.subscribe(channel, (payload, from) => second.push({ payload, from }));
    const stopStray = await redis.subscribe(other, (payload) => stray.push(payload));

    const event = { id: '42', type: 'run.succeeded', data: { runId: 'r1', nested: [1, 'two', null] } };
    expect(await redis.publish(channel, event)).toBe(1); // one connection subscribed, however many handlers
    await eventually(async () => expect(second).toHaveLength(1));
    expect(first).toEqual([event]);
    expect(second).toEqual([{ payload: event, from: channel }]);
    expect(stray).toEqual([]);

    await stopFirst();
    await redis.publish(channel, { n: 2 });
    await eventually(async () => expect(second).toHaveLength(2));
    expect(first).toHaveLength(1);

    await stopSecond();
    expect(await redis.publish(channel, { n: 3 })).toBe(0);
    await stopStray();
    await stopStray(); // twice is harmless
  });

  it('keeps delivering to other handlers when one throws', async () => {
    const channel = `${names}:throwing`;
    const received: unknown[] = [];
    const stopBad = await redis.subscribe(channel, () => {
      throw new Error('handler bug');
    });
    const stopGood = await redis.subscribe(channel, (payload) => received.push(payload));
    await redis.publish(channel, { ok: true });
    await eventually(async () => expect(received).toEqual([{ ok: true }]));
    await stopBad();
    await stopGood();
  });

  it('counts hits in a fixed window that later hits do not extend', async () => {
    const key = `${names}:rate:login:alice`;
    expect(await redis.getCount(key)).toBe(0);
    expect(await redis.countInWindow(key, 2)).toBe(1);
    expect(await redis.countInWindow(key, 2)).toBe(2);
    expect(await redis.getCount(key)).toBe(2);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2);

    await sleep(1100);
    expect(await redis.countInWindow(key, 2)).toBe(3);
    expect(await redis.ttl(key)).toBeLessThanOrEqual(1); // EXPIRE NX: the window was not restarted

    await sleep(1100);
    expect(await redis.ttl(key)).toBe(-2);
    expect(await redis.getCount(key)).toBe(0);
    expect(await redis.countInWindow(key, 2)).toBe(1); // a new window
  });

  it('deletes keys', async () => {
    const key = `${names}:rate:delete-me`;
    await redis.countInWindow(key, 60);
    expect(await redis.deleteKey(key)).toBe(true);
    expect(await redis.deleteKey(key)).toBe(false);
    expect(await redis.ttl(key)).toBe(-2);
    expect(await redis.countInWindow(key, 60)).toBe(1);
    await redis.deleteKey(key);
  });

  it('holds at most `limit` leases in a set across instances, atomically, and forgets a dead holder once its lease expires', async () => {
    const key = `${names}:leases:user-1`;
    // Two API instances: two connections to the same Redis.
    const other = new RedisRepository({ url });
    try {
      // Six at once for three slots: exactly three are taken, whichever instance asks.
      const attempts = await Promise.all(Array.from({ length: 6 }, (_, n) => (n % 2 === 0 ? redis : other).acquireLease(key, `lease-${n}`, 3, 60_000)));
      expect(attempts.filter((attempt) => attempt.acquired)).toHaveLength(3);
      expect(attempts.filter((attempt) => !attempt.acquired).every((attempt) => attempt.held === 3)).toBe(true);
      const taken = attempts.flatMap((attempt, n) => (attempt.acquired ? [`lease-${n}`] : []));

      // A released slot is free again, on either instance.
      await other.releaseLease(key, taken[0]!);
      expect(await redis.acquireLease(key, 'lease-again', 3, 60_000)).toEqual({ acquired: true, held: 3 });
      expect(await other.acquireLease(key, 'one-too-many', 3, 60_000)).toEqual({ acquired: false, held: 3 });

      // A holder that dies stops renewing: its lease no longer counts once it has expired; renewed ones still do.
      await redis.acquireLease(`${key}:short`, 'dies', 2, 300);
      await redis.acquireLease(`${key}:short`, 'lives', 2, 300);
      await sleep(200);
      await redis.renewLeases(`${key}:short`, ['lives'], 300);
      await sleep(200);
      expect(await other.acquireLease(`${key}:short`, 'newcomer', 2, 300)).toEqual({ acquired: true, held: 2 });
      expect(await other.acquireLease(`${key}:short`, 'late', 2, 300)).toEqual({ acquired: false, held: 2 });
    } finally {
      await redis.deleteKey(key);
      await redis.deleteKey(`${key}:short`);
      await other.close();
    }
  });

  it('fails fast while Redis is down and recovers, subscriptions included, when it is back', async () => {
    const flaky = new RedisRepository({ url: own.url });
    const channel = `${names}:outage`;
    const received: unknown[] = [];
    try {
      await flaky.ping();
      await flaky.subscribe(channel, (payload) => received.push(payload));

      await own.stop();
      for (const call of [() => flaky.ping(), () => flaky.publish(channel, { lost: true }), () => flaky.countInWindow(`${names}:down`, 10)]) {
        const started = Date.now();
        await expect(call()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(2_500);
      }

      await own.start();
      await eventually(() => flaky.ping());
      // The subscriber connection re-subscribes by itself after reconnecting.
      await eventually(async () => {
        await flaky.publish(channel, { back: true });
        expect(received).toContainEqual({ back: true });
      });
    } finally {
      await flaky.close();
    }
  });

  it('is provided by RedisModule (which EventsModule exports) from LOCKBOX_CONFIG and disconnected on shutdown', async () => {
    @Module({ imports: [ConfigModule.forRoot({ redis: { url: own.url } } as LockboxConfig), RedisModule] })
    class TestModule {}
    // abortOnError: a failure to start is this test's, not a process.exit that ends the whole run.
    const app = await NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false });
    const provided = app.get(RedisRepository);
    await provided.ping();
    await provided.subscribe(`${names}:module`, () => undefined);
    await app.close();
    await expect(provided.ping()).rejects.toThrow(/closed/i);
  });
});
