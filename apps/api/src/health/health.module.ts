import { Module } from '@nestjs/common';
import { DatabaseModule } from '@lockbox/db';
import { EventsModule } from '@lockbox/events';
import { QueueModule } from '@lockbox/queue';
import { StorageModule } from '@lockbox/storage';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { PingController } from './ping.controller';
import { QueuesController } from './queues.controller';

@Module({
  imports: [DatabaseModule, QueueModule, StorageModule, EventsModule],
  controllers: [HealthController, PingController, QueuesController],
  providers: [HealthService],
})
export class HealthModule {}
