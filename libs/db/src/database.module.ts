import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { dataSourceOptions, ENTITIES } from './data-source';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [LOCKBOX_CONFIG],
      useFactory: (config: LockboxConfig) => ({ ...dataSourceOptions(config.database.url), retryAttempts: 3, retryDelay: 1000 }),
    }),
    TypeOrmModule.forFeature(ENTITIES),
  ],
  exports: [TypeOrmModule],
})
export class DatabaseModule {}
