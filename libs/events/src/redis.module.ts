import { Module } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { RedisRepository } from './redis.repository';

/** The one Redis client of a process, from LOCKBOX_CONFIG, closed on shutdown. */
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
export class RedisModule {}
