import { Module } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { PlatformEventsService } from './platform-events.service';
import { RedisRepository } from './redis.repository';

@Module({
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
