import { Module } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { DatabaseModule } from '@lockbox/db';
import { PlatformEventsService } from './platform-events.service';
import { RedisRepository } from './redis.repository';

@Module({
  imports: [DatabaseModule],
  providers: [
    {
      provide: RedisRepository,
      inject: [LOCKBOX_CONFIG],
      useFactory: (config: LockboxConfig) => new RedisRepository(config.redis),
    },
    PlatformEventsService,
  ],
  exports: [RedisRepository, PlatformEventsService],
})
export class EventsModule {}
