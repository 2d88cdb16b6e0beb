import { Module } from '@nestjs/common';
import { DatabaseModule } from '@lockbox/db';
import { QueueModule } from '@lockbox/queue';
import { OutboxPollerService } from './outbox-poller.service';
import { OutboxService } from './outbox.service';

/** Writing and publishing outbox messages; every process that creates jobs imports it. */
@Module({
  imports: [DatabaseModule, QueueModule],
  providers: [OutboxService],
  exports: [OutboxService],
})
export class OutboxModule {}

/** The outbox poller and reconciler, run by the API instances. */
@Module({
  imports: [OutboxModule],
  providers: [OutboxPollerService],
})
export class OutboxPollerModule {}
