import type { LockboxConfig } from '@lockbox/config';
import type { WorkersRepository } from '@lockbox/db';
import type { RedisRepository } from '@lockbox/events';
import type { QueueRepository } from '@lockbox/queue';
import type { ObjectStorageRepository } from '@lockbox/storage';
import { HealthService, STATUS_CACHE_MS } from './health.service';

/** Dependencies that count their probes; `failing` makes one of them refuse. */
function dependencies(failing?: 'sqs') {
  const probes = { postgres: 0, sqs: 0, s3: 0, redis: 0 };
  const service = new HealthService(
    { worker: { heartbeatExpiryMs: 5000 } } as LockboxConfig,
    { ping: async () => void probes.postgres++ } as unknown as WorkersRepository,
    { ping: async () => (probes.sqs++, failing === 'sqs' ? Promise.reject(new Error('ECONNREFUSED')) : undefined) } as unknown as QueueRepository,
    { ping: async () => void probes.s3++ } as unknown as ObjectStorageRepository,
    { ping: async () => void probes.redis++ } as unknown as RedisRepository,
  );
  return { service, probes };
}

describe('HealthService.status (anonymous GET /health)', () => {
  it('checks the four dependencies once for a burst of callers, and again only after STATUS_CACHE_MS', async () => {
    const { service, probes } = dependencies();
    const now = 1_000_000;
    const answers = await Promise.all(Array.from({ length: 100 }, () => service.status(now)));
    expect(new Set(answers)).toEqual(new Set(['up']));
    expect(probes).toEqual({ postgres: 1, sqs: 1, s3: 1, redis: 1 });

    await service.status(now + STATUS_CACHE_MS - 1);
    expect(probes.postgres).toBe(1);
    await service.status(now + STATUS_CACHE_MS);
    expect(probes).toEqual({ postgres: 2, sqs: 2, s3: 2, redis: 2 });
  });

  it('says down, and nothing more, when a dependency does not answer', async () => {
    const { service } = dependencies('sqs');
    expect(await service.status()).toBe('down');
  });
});
