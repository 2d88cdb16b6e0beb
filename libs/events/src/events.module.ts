import { Module } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { RedisRepository } from './redis.repository';

@Module({
  providers: [
    {
      provide: RedisRepository,
      inject: [LOCKBOX_CONFIG],
      useFactory: (config: LockboxConfig) => new RedisRepository(config.redis),
    },
  ],
  exports: [RedisRepository],
})
export class EventsModule {}
