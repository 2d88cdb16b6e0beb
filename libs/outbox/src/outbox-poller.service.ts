import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { PeriodicTask } from '@lockbox/scheduling';
import { OutboxService } from './outbox.service';

/**
 * Runs in each API instance: sends what was left unpublished and re-sends jobs the queue may have lost.
 * Several instances may poll at once; row locks and claims make that harmless.
 */
@Injectable()
export class OutboxPollerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxPollerService.name);
  private readonly polling: PeriodicTask;
  private lastReconcileAt = 0;

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly outbox: OutboxService,
  ) {
    this.polling = new PeriodicTask({ name: 'outbox poll', intervalMs: config.jobs.outboxPollMs, logger: this.logger }, () => this.tick());
  }

  onApplicationBootstrap(): void {
    this.polling.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.polling.stop();
  }

  private async tick(): Promise<void> {
    const sent = await this.outbox.publishPending();
    if (sent > 0) this.logger.log(`published ${sent} pending outbox message(s)`);
    // Stale jobs and expired leases need not be looked for on every tick. lastReconcileAt starts at 0,
    // so the first tick after start-up reconciles what a crash of the previous stack left behind.
    if (Date.now() - this.lastReconcileAt >= this.config.jobs.reconcileMs) {
      this.lastReconcileAt = Date.now();
      const republished = await this.outbox.republishStale();
      if (republished > 0) this.logger.warn(`re-sent ${republished} job(s) whose queue message was not picked up`);
    }
  }
}
