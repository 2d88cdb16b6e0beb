import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { WorkersRepository } from '@lockbox/db';
import { DockerEngineRepository } from '@lockbox/sandbox';
import { WorkerRuntimesService } from '../sandbox-environment/worker-runtimes.service';
import { WorkerIdentity } from './worker-identity';

/**
 * Tells the rest of the platform this worker is alive, whether its Docker Engine answers and which
 * runtimes it can use. Health lists workers from these rows; the orphan reaper trusts them.
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly workers: WorkersRepository,
    private readonly engine: DockerEngineRepository,
    private readonly identity: WorkerIdentity,
    private readonly workerRuntimes: WorkerRuntimesService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const runtimes = await this.workerRuntimes.available();
    this.logger.log(`worker ${this.identity.id}: runtimes ${runtimes.join(', ') || 'none'}`);
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((error: unknown) => this.logger.warn(`heartbeat failed: ${error instanceof Error ? error.message : String(error)}`));
    }, this.config.worker.heartbeatIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.workers.markStopped(this.identity.id).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    await this.workers.beat({
      id: this.identity.id,
      instanceId: this.config.instanceId,
      hostname: this.identity.hostname,
      pid: this.identity.pid,
      engine: await this.engine.status(),
      runtimes: await this.workerRuntimes.available(),
      startedAt: this.identity.startedAt,
      lastSeenAt: new Date(),
    });
  }
}
