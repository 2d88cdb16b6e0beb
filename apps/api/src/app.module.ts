import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConfigModule } from '@lockbox/config';
import { DatabaseModule } from '@lockbox/db';
import { OutboxPollerModule } from '@lockbox/outbox';
import { AnalysesModule } from './analyses/analyses.module';
import { AuthModule } from './auth/auth.module';
import { DatasetModule } from './datasets/dataset.module';
import { ErrorResponseFilter } from './common/error-response.filter';
import { EventStreamModule } from './events/event-stream.module';
import { HealthModule } from './health/health.module';
import { NotificationsModule } from './notifications/notifications.module';
import { RunsModule } from './runs/runs.module';
import { SubmissionsModule } from './submissions/submissions.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    ConfigModule.forRoot(),
    DatabaseModule,
    OutboxPollerModule,
    AuthModule,
    UsersModule,
    HealthModule,
    // Feature modules (one line each):
    EventStreamModule,
    NotificationsModule,
    DatasetModule,
    RunsModule,
    SubmissionsModule,
    AnalysesModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: ErrorResponseFilter }],
})
export class AppModule {}
