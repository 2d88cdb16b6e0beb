import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { WorkersRepository } from '@lockbox/db';
import { DockerEngineRepository } from '@lockbox/sandbox';
import { PeriodicTask } from '@lockbox/scheduling';
import { WorkerRuntimesService } from '../sandbox-environment/worker-runtimes.service';
import { WorkerIdentity } from './worker-identity';

/**
 * Tells the rest of the platform this worker is alive, whether its Docker Engine answers and which
 * runtimes it can use. Health lists workers from these rows; the orphan reaper trusts them.
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatService.name);
  private readonly beating: PeriodicTask;

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly workers: WorkersRepository,
    private readonly engine: DockerEngineRepository,
    private readonly identity: WorkerIdentity,
    private readonly workerRuntimes: WorkerRuntimesService,
  ) {
    this.beating = new PeriodicTask({ name: 'heartbeat', intervalMs: config.worker.heartbeatIntervalMs, logger: this.logger }, () => this.beat());
  }

  async onApplicationBootstrap(): Promise<void> {
    const runtimes = await this.workerRuntimes.available();
    this.logger.log(`worker ${this.identity.id}: runtimes ${runtimes.join(', ') || 'none'}`);
    await this.beat();
    this.beating.start();
  }

  async onApplicationShutdown(): Promise<void> {
    // A beat under way must not land after the stopped mark and make the worker look alive again.
    await this.beating.stop();
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
