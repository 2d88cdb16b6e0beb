import { Injectable } from '@nestjs/common';
import { type ContainerRuntime, DockerEngineRepository } from '@lockbox/sandbox';

/**
 * The container runtimes this worker's engine really starts containers with (a registered runsc whose
 * binary fails is not one). Probed once, by whoever asks first (the start-up check, the heartbeat or a
 * job), and shared: a job never waits on a database read for it, nor runs before the probe is done.
 */
@Injectable()
export class WorkerRuntimesService {
  private probe?: Promise<ContainerRuntime[]>;

  constructor(private readonly engine: DockerEngineRepository) {}

  available(): Promise<ContainerRuntime[]> {
    this.probe ??= this.engine.workingRuntimes().catch(() => []);
    return this.probe;
  }
}
