import { Module } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { QueueRepository } from './queue.repository';

/** Provides the QueueRepository; queues are created by whoever starts the stack (`ensureQueues`), not on import. */
@Module({
  providers: [
    {
      provide: QueueRepository,
      inject: [LOCKBOX_CONFIG],
      useFactory: (config: LockboxConfig) => new QueueRepository(config.sqs),
    },
  ],
  exports: [QueueRepository],
})
export class QueueModule {}
