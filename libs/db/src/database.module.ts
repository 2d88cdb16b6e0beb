import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { dataSourceOptions, ENTITIES } from './data-source';
import { REPOSITORIES } from './repositories/repositories';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [LOCKBOX_CONFIG],
      useFactory: (config: LockboxConfig) => ({ ...dataSourceOptions(config.database.url), retryAttempts: 3, retryDelay: 1000 }),
    }),
    TypeOrmModule.forFeature(ENTITIES),
  ],
  // The repositories own every query of the apps (docs/architecture.md, "Layers").
  providers: [...REPOSITORIES],
  exports: [TypeOrmModule, ...REPOSITORIES],
})
export class DatabaseModule {}
