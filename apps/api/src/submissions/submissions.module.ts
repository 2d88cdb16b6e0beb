import { Module } from '@nestjs/common';
import { DatabaseModule } from '@lockbox/db';
import { EventsModule } from '@lockbox/events';
import { OutboxModule } from '@lockbox/outbox';
import { StorageModule } from '@lockbox/storage';
import { AnalysesModule } from '../analyses/analyses.module';
import { SubmissionService } from './submission.service';
import { SubmissionsController } from './submissions.controller';

@Module({
  imports: [DatabaseModule, StorageModule, OutboxModule, EventsModule, AnalysesModule],
  controllers: [SubmissionsController],
  providers: [SubmissionService],
  // The launcher's seed publishes the sample analysis through the same path.
  exports: [SubmissionService],
})
export class SubmissionsModule {}
