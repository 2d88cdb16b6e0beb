import { Module } from '@nestjs/common';
import { ConfigModule } from '@lockbox/config';
import { DatabaseModule, DatasetsRepository, RecordKeysRepository } from '@lockbox/db';
import { EventsModule } from '@lockbox/events';
import { OutboxModule } from '@lockbox/outbox';
import { QueueModule } from '@lockbox/queue';
import { SandboxModule } from '@lockbox/sandbox';
import { StorageModule } from '@lockbox/storage';
import { SubmissionCheckHandler } from './checks/submission-check.handler';
import { JobLeaseService } from './consumers/job-lease.service';
import { JOB_HANDLERS, type JobHandler } from './consumers/job-handler';
import { QueueConsumerService } from './consumers/queue-consumer.service';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { WorkerIdentity } from './heartbeat/worker-identity';
import { SandboxEnvironmentService } from './sandbox-environment/sandbox-environment.service';
import { WorkerRuntimesService } from './sandbox-environment/worker-runtimes.service';
import { OrphanReaperService } from './reaper/orphan-reaper.service';
import { RunExecuteHandler } from './runs/run-execute.handler';
import { IngestHandler } from './ingest/ingest.handler';

/** Every job handler the worker has; the consumer refuses to start unless each message type has one. */
const HANDLER_CLASSES: Array<new (...args: never[]) => JobHandler> = [
  // Job handlers (one line each):
  SubmissionCheckHandler,
  RunExecuteHandler,
  IngestHandler,
];

@Module({
  imports: [ConfigModule.forRoot(), DatabaseModule, QueueModule, StorageModule, EventsModule, OutboxModule, SandboxModule],
  providers: [
    WorkerIdentity,
    WorkerRuntimesService,
    SandboxEnvironmentService,
    HeartbeatService,
    OrphanReaperService,
    JobLeaseService,
    DatasetsRepository,
    RecordKeysRepository,
    ...HANDLER_CLASSES,
    { provide: JOB_HANDLERS, inject: HANDLER_CLASSES, useFactory: (...handlers: JobHandler[]) => handlers },
    QueueConsumerService,
  ],
})
export class WorkerModule {}
