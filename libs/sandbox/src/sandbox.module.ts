import { Module } from '@nestjs/common';
import type Docker from 'dockerode';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { SandboxRunner } from '@lockbox/analysis-sdk/sandbox';
import { DockerEngineRepository, dockerClientFor } from './docker-engine.repository';
import { ImageLoader } from './image-loader';
import { RunContainers } from './run-containers';

/** The one dockerode client of a worker, shared by everything that talks to its engine. */
export const DOCKER_CLIENT = Symbol('DOCKER_CLIENT');

@Module({
  providers: [
    { provide: DOCKER_CLIENT, inject: [LOCKBOX_CONFIG], useFactory: (config: LockboxConfig) => dockerClientFor(config.docker.host) },
    { provide: DockerEngineRepository, inject: [DOCKER_CLIENT], useFactory: (docker: Docker) => new DockerEngineRepository(docker) },
    { provide: ImageLoader, inject: [DOCKER_CLIENT], useFactory: (docker: Docker) => new ImageLoader(docker) },
    { provide: SandboxRunner, inject: [DOCKER_CLIENT], useFactory: (docker: Docker) => new SandboxRunner(docker) },
    {
      provide: RunContainers,
      inject: [DockerEngineRepository, LOCKBOX_CONFIG],
      useFactory: (engine: DockerEngineRepository, config: LockboxConfig) => new RunContainers(engine, config.instanceId),
    },
  ],
  exports: [DOCKER_CLIENT, DockerEngineRepository, ImageLoader, SandboxRunner, RunContainers],
})
export class SandboxModule {}
