import { Module } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { DockerEngineRepository, dockerClientFor } from './docker-engine.repository';

@Module({
  providers: [
    {
      provide: DockerEngineRepository,
      inject: [LOCKBOX_CONFIG],
      useFactory: (config: LockboxConfig) => new DockerEngineRepository(dockerClientFor(config.docker.host)),
    },
  ],
  exports: [DockerEngineRepository],
})
export class SandboxModule {}
