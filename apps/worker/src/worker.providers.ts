import type { Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type Docker from 'dockerode';
import type { DataSource } from 'typeorm';
import { SandboxRunner } from '@lockbox/analysis-sdk/sandbox';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { PlatformEventsService } from '@lockbox/events';
import { DOCKER_CLIENT, DockerEngineRepository, ImageLoader } from '@lockbox/sandbox';
import { CuratedRecordsReader, ObjectStorageRepository } from '@lockbox/storage';
import { SmokeRun } from './checks/smoke-run';
import { SubmissionChecks } from './checks/submission-checks';
import { WorkerIdentity } from './heartbeat/worker-identity';
import { RunInputStager } from './runs/run-input-stager';
import { RunStateStore } from './runs/run-state.store';
import { WorkerRuntimesService } from './sandbox-environment/worker-runtimes.service';

/**
 * What the job handlers work with, built once per worker: each handler names these in its constructor,
 * and a unit test hands it doubles instead.
 */
export const JOB_COLLABORATORS: Provider[] = [
  {
    provide: RunStateStore,
    inject: [getDataSourceToken(), PlatformEventsService],
    useFactory: (dataSource: DataSource, events: PlatformEventsService) => new RunStateStore(dataSource, events),
  },
  { provide: RunInputStager, inject: [CuratedRecordsReader], useFactory: (curated: CuratedRecordsReader) => new RunInputStager(curated) },
  {
    provide: SmokeRun,
    inject: [DOCKER_CLIENT, SandboxRunner, LOCKBOX_CONFIG, WorkerIdentity, WorkerRuntimesService],
    useFactory: (docker: Docker, sandbox: SandboxRunner, config: LockboxConfig, identity: WorkerIdentity, runtimes: WorkerRuntimesService) =>
      new SmokeRun(docker, sandbox, {
        home: config.home,
        instanceId: config.instanceId,
        workerId: identity.id,
        limits: config.limits,
        requiredRuntime: config.sandbox.requiredRuntime,
        availableRuntimes: () => runtimes.available(),
      }),
  },
  {
    provide: SubmissionChecks,
    inject: [LOCKBOX_CONFIG, ImageLoader, DockerEngineRepository, ObjectStorageRepository, SmokeRun],
    useFactory: (config: LockboxConfig, images: ImageLoader, engine: DockerEngineRepository, storage: ObjectStorageRepository, smoke: SmokeRun) =>
      new SubmissionChecks(config.limits, images, engine, storage, smoke),
  },
];
