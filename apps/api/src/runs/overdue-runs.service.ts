import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { type OverdueRunRow, RunsRepository, RunTerminalWriter, type RunVerdict } from '@lockbox/db';
import { PlatformEventsService } from '@lockbox/events';
import { PeriodicTask } from '@lockbox/scheduling';

/** How an overdue run ends: as the user asked, if they asked for a cancel, otherwise out of time. */
export function overdueVerdict(run: { cancelRequested: boolean; deadlineSeconds: number }): RunVerdict {
  if (run.cancelRequested) {
    return { status: 'cancelled', reason: 'by_user', message: 'You cancelled the run; the worker running it stopped answering, so the platform ended it.' };
  }
  return {
    status: 'timed_out',
    reason: 'deadline',
    message: `The run did not finish within its ${run.deadlineSeconds} s deadline and the worker running it stopped answering, so the platform ended it.`,
  };
}

/**
 * Ends runs that stayed `running` well past their deadline. A worker stops its container at the
 * deadline itself and a dead worker's lease expires, so a run still `running` its deadline plus
 * `LOCKBOX_RUN_OVERDUE_GRACE_MS` after its attempt started has a live worker that stopped answering:
 * most often a Docker Engine that hangs. It ends `timed_out` (or `cancelled` if the user asked), with
 * its event and notification, in an update that moves `row_version` on: the worker's own final write is
 * fenced out, and its next lease renewal fails, so it kills the container and writes nothing. Runs in
 * every API instance at the reconciler's period; the conditional update makes concurrent sweeps harmless.
 */
@Injectable()
export class OverdueRunsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OverdueRunsService.name);
  private readonly sweeping: PeriodicTask;

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly runs: RunsRepository,
    private readonly terminal: RunTerminalWriter,
    private readonly events: PlatformEventsService,
  ) {
    this.sweeping = new PeriodicTask({ name: 'sweeping overdue runs', intervalMs: config.jobs.reconcileMs, logger: this.logger }, async () => {
      await this.endOverdueRuns();
    });
  }

  onApplicationBootstrap(): void {
    this.sweeping.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweeping.stop();
  }

  /** Ends every overdue run found (up to `limit`); returns how many this call ended. */
  async endOverdueRuns(limit = 100): Promise<number> {
    const overdue = await this.runs.findOverdue(this.config.jobs.runOverdueGraceMs / 1000, limit);
    let ended = 0;
    for (const run of overdue) {
      if (await this.end(run)) ended++;
    }
    return ended;
  }

  private async end(run: OverdueRunRow): Promise<boolean> {
    const verdict = overdueVerdict({ cancelRequested: run.cancel_requested, deadlineSeconds: run.timeout_s });
    // Fenced by the row_version read: undefined when its worker finished it (or another sweep did) since.
    const committed = await this.terminal.end({ runId: run.id, verdict, endedBy: { by: 'sweep', rowVersion: run.row_version } });
    if (committed === undefined) return false;
    this.logger.warn(`run ${run.id}: ended ${verdict.status}, ${run.timeout_s} s deadline long past and its worker ${run.lease_owner ?? '(none)'} silent`);
    await this.events.publish(committed.recorded);
    return true;
  }
}
