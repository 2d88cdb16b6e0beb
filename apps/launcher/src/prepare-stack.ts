import { type SeededAccount, seedAccounts, usersServiceOn } from '@lockbox/accounts';
import type { LockboxConfig } from '@lockbox/config';
import { runMigrations, withDataSource } from '@lockbox/db';
import { QueueRepository } from '@lockbox/queue';
import { ObjectStorageRepository } from '@lockbox/storage';

/**
 * What a stack needs before its API and workers start, whichever services it runs on: the schema, the
 * queues with their dead-letter queues, the bucket and the seeded accounts. Idempotent, so every start
 * runs it (queues are re-created because the embedded SQS endpoint forgets them).
 */
export async function prepareStack(config: LockboxConfig, log: (message: string) => void = () => undefined): Promise<SeededAccount[]> {
  const applied = await runMigrations(config.database.url);
  if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
  const queue = new QueueRepository(config.sqs);
  try {
    await queue.ensureQueues();
  } finally {
    await queue.onApplicationShutdown();
  }
  const storage = new ObjectStorageRepository(config.s3);
  try {
    await storage.ensureBucket();
  } finally {
    await storage.onApplicationShutdown();
  }
  return withDataSource(config.database.url, (dataSource) => seedAccounts(usersServiceOn(dataSource), config));
}
