import { Module } from '@nestjs/common';
import { DatabaseModule } from '@lockbox/db';
import { EventsModule } from '@lockbox/events';
import { OutboxModule } from '@lockbox/outbox';
import { StorageModule } from '@lockbox/storage';
import { RunsController } from './runs.controller';
import { OverdueRunsService } from './overdue-runs.service';
import { RunsService } from './runs.service';

@Module({
  imports: [DatabaseModule, OutboxModule, EventsModule, StorageModule],
  controllers: [RunsController],
  providers: [RunsService, OverdueRunsService],
})
export class RunsModule {}
