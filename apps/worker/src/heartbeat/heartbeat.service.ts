import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { WorkerHeartbeat } from '@lockbox/db';
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
    @InjectRepository(WorkerHeartbeat) private readonly heartbeats: Repository<WorkerHeartbeat>,
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
    await this.heartbeats.update({ id: this.identity.id }, { stoppedAt: new Date() }).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    await this.heartbeats.upsert(
      {
        id: this.identity.id,
        instanceId: this.config.instanceId,
        hostname: this.identity.hostname,
        pid: this.identity.pid,
        engine: await this.engine.status(),
        runtimes: await this.workerRuntimes.available(),
        startedAt: this.identity.startedAt,
        lastSeenAt: new Date(),
        stoppedAt: null,
      },
      ['id'],
    );
  }
}
