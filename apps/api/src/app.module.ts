import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConfigModule } from '@lockbox/config';
import { DatabaseModule } from '@lockbox/db';
import { AuthModule } from './auth/auth.module';
import { ErrorResponseFilter } from './common/error-response.filter';
import { HealthModule } from './health/health.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [ConfigModule.forRoot(), DatabaseModule, AuthModule, UsersModule, HealthModule],
  providers: [{ provide: APP_FILTER, useClass: ErrorResponseFilter }],
})
export class AppModule {}
