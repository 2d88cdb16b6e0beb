import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { OutputAreaStock } from '@lockbox/analysis-sdk/sandbox';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { outputAreaStockDir } from '../reaper/orphan-reaper';

/**
 * This worker's stock of output areas (OutputAreaStock): mounted ahead of its runs, unmounted behind
 * them, in `<home>/work/output-areas/<worker id>/`, and all unmounted when the worker stops. What a
 * killed worker leaves there, the orphan reaper unmounts once its heartbeat has expired.
 */
@Injectable()
export class WorkerOutputAreas implements OnApplicationShutdown {
  private readonly logger = new Logger(WorkerOutputAreas.name);
  readonly stock: OutputAreaStock;

  constructor(@Inject(LOCKBOX_CONFIG) config: LockboxConfig, identity: WorkerIdentity) {
    this.stock = new OutputAreaStock(outputAreaStockDir(join(config.home, 'work'), identity.id), {
      depth: config.worker.concurrency.runs,
      onError: (error) => this.logger.warn(`an output area in stock: ${error instanceof Error ? error.message : String(error)}`),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stock.close();
  }
}
