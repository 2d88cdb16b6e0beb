import { Module } from '@nestjs/common';
import { DatabaseModule } from '@lockbox/db';
import { PlatformEventsService } from './platform-events.service';
import { RedisModule } from './redis.module';

/** Platform events: recorded through the database's repositories, published live through Redis. */
@Module({
  imports: [DatabaseModule, RedisModule],
  providers: [PlatformEventsService],
  exports: [RedisModule, PlatformEventsService],
})
export class EventsModule {}
