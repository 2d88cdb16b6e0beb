import type { Provider } from '@nestjs/common';
import { SandboxRunner } from '@lockbox/analysis-sdk/sandbox';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { RecordKeysRepository } from '@lockbox/db';
import { DockerEngineRepository, ImageLoader } from '@lockbox/sandbox';
import { CuratedRecordsReader, ObjectStorageRepository } from '@lockbox/storage';
import { SmokeRun } from './checks/smoke-run';
import { SubmissionChecks } from './checks/submission-checks';
import { WorkerIdentity } from './heartbeat/worker-identity';
import { RunInputStager } from './runs/run-input-stager';
import { RunStateStore } from './runs/run-state.store';
import { WorkerOutputAreas } from './runs/worker-output-areas';
import { WorkerRuntimesService } from './sandbox-environment/worker-runtimes.service';

/**
 * What the job handlers work with, built once per worker: each handler names these in its constructor,
 * and a unit test hands it doubles instead. The Docker Engine comes through libs/sandbox's providers
 * (DockerEngineRepository, SandboxRunner, ImageLoader, RunContainers), never as a client here.
 */
export const JOB_COLLABORATORS: Provider[] = [
  RunStateStore,
  WorkerOutputAreas,
  {
    provide: RunInputStager,
    inject: [CuratedRecordsReader, RecordKeysRepository],
    useFactory: (curated: CuratedRecordsReader, recordKeys: RecordKeysRepository) => new RunInputStager(curated, recordKeys),
  },
  {
    provide: SmokeRun,
    inject: [DockerEngineRepository, SandboxRunner, LOCKBOX_CONFIG, WorkerIdentity, WorkerRuntimesService],
    useFactory: (engine: DockerEngineRepository, sandbox: SandboxRunner, config: LockboxConfig, identity: WorkerIdentity, runtimes: WorkerRuntimesService) =>
      new SmokeRun(engine, sandbox, {
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
