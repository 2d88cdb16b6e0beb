import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type Docker from 'dockerode';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { DOCKER_CLIENT } from '@lockbox/sandbox';
import { type SandboxEnvironmentFacts, sandboxEnvironmentProblems } from './sandbox-environment';
import { WorkerRuntimesService } from './worker-runtimes.service';

class SandboxEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`This host would weaken the sandbox, so the worker does not start:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'SandboxEnvironmentError';
  }
}

/**
 * Refuses to start the worker on a host that would weaken the sandbox (ARCHITECTURE §5). Runs in
 * onModuleInit, which Nest finishes for every provider before any onApplicationBootstrap, so no
 * queue is consumed and no heartbeat is written before the check passed.
 */
@Injectable()
export class SandboxEnvironmentService implements OnModuleInit {
  private readonly logger = new Logger(SandboxEnvironmentService.name);

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    @Inject(DOCKER_CLIENT) private readonly docker: Docker,
    private readonly runtimes: WorkerRuntimesService,
  ) {}

  async onModuleInit(): Promise<void> {
    const facts = await this.gatherFacts();
    const problems = sandboxEnvironmentProblems(facts);
    if (problems.length > 0) throw new SandboxEnvironmentError(problems);
    this.logger.log('sandbox environment: seccomp available' + (facts.requiredRuntime ? `, ${facts.requiredRuntime} works` : ''));
  }

  private async gatherFacts(): Promise<SandboxEnvironmentFacts> {
    const requiredRuntime = this.config.sandbox.requiredRuntime;
    let info: { SecurityOptions?: string[] };
    try {
      info = (await this.docker.info()) as { SecurityOptions?: string[] };
    } catch (error) {
      return { engine: { reachable: false, error: error instanceof Error ? error.message : String(error) }, requiredRuntime };
    }
    // Probing starts a container per runtime; only worth it when policy requires one.
    const workingRuntimes = requiredRuntime ? await this.runtimes.available() : undefined;
    return { engine: { reachable: true, securityOptions: info.SecurityOptions ?? [] }, workingRuntimes, requiredRuntime };
  }
}
