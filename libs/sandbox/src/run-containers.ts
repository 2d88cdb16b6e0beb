import type { DockerEngineRepository } from './docker-engine.repository';

/** The analysis containers of this stack on the worker's engine, as a job handler stops them. */
export class RunContainers {
  constructor(
    private readonly engine: DockerEngineRepository,
    private readonly instanceId: string,
  ) {}

  /** Removes (SIGKILL first) every container of the run, or of the check's smoke run, an earlier attempt left. */
  async killLeftovers(runId: string): Promise<void> {
    await this.engine.killRunContainers({ instance: this.instanceId, runId });
  }

  /** SIGKILL; the runner then sees the exit, collects what there is and removes the container. It may have exited already. */
  async kill(containerId: string): Promise<void> {
    await this.engine.killContainer(containerId);
  }
}
