import { Module } from '@nestjs/common';
import type Docker from 'dockerode';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { DockerEngineRepository, dockerClientFor } from './docker-engine.repository';

/** The one dockerode client of a worker, shared by everything that talks to its engine. */
export const DOCKER_CLIENT = Symbol('DOCKER_CLIENT');

@Module({
  providers: [
    { provide: DOCKER_CLIENT, inject: [LOCKBOX_CONFIG], useFactory: (config: LockboxConfig) => dockerClientFor(config.docker.host) },
    { provide: DockerEngineRepository, inject: [DOCKER_CLIENT], useFactory: (docker: Docker) => new DockerEngineRepository(docker) },
  ],
  exports: [DOCKER_CLIENT, DockerEngineRepository],
})
export class SandboxModule {}
