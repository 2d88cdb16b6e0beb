import type Docker from 'dockerode';
import { killRunContainers } from '@lockbox/analysis-sdk/sandbox';

/** The analysis containers of this stack on the worker's engine, as a job handler stops them. */
export class RunContainers {
  constructor(
    private readonly docker: Docker,
    private readonly instanceId: string,
  ) {}

  /** Removes (SIGKILL first) every container of the run, or of the check's smoke run, an earlier attempt left. */
  async killLeftovers(runId: string): Promise<void> {
    await killRunContainers(this.docker, { instance: this.instanceId, runId });
  }

  /** SIGKILL; the runner then sees the exit, collects what there is and removes the container. It may have exited already. */
  async kill(containerId: string): Promise<void> {
    await this.docker
      .getContainer(containerId)
      .kill({ signal: 'SIGKILL' })
      .catch(() => undefined);
  }
}
