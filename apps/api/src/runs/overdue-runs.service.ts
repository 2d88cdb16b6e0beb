import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { notificationFor, RUN_FINISHED_EVENT, runFinishedDedupeKey, type RunVerdict } from '@lockbox/db';
import { PlatformEventsService } from '@lockbox/events';
import { PeriodicTask } from '@lockbox/scheduling';

interface OverdueRunRow {
  id: string;
  user_id: string;
  row_version: number;
  lease_owner: string | null;
  cancel_requested: boolean;
  timeout_s: number;
  slug: string;
  title: string;
  version: string;
}

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
    @InjectDataSource() private readonly dataSource: DataSource,
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
    const overdue = (await this.dataSource.query(
      `SELECT r.id, r.user_id, r.row_version, r.lease_owner, r.cancel_requested_at IS NOT NULL AS cancel_requested,
              (v.manifest->'resources'->>'timeout')::int AS timeout_s, a.slug, a.title, v.version
         FROM runs r
         JOIN analysis_versions v ON v.id = r.analysis_version_id
         JOIN analyses a ON a.id = v.analysis_id
        WHERE r.status = 'running' AND r.started_at IS NOT NULL
          AND r.started_at < now() - make_interval(secs => (v.manifest->'resources'->>'timeout')::int + $1)
        LIMIT $2`,
      [this.config.jobs.runOverdueGraceMs / 1000, limit],
    )) as OverdueRunRow[];
    let ended = 0;
    for (const run of overdue) {
      if (await this.end(run)) ended++;
    }
    return ended;
  }

  private async end(run: OverdueRunRow): Promise<boolean> {
    const verdict = overdueVerdict({ cancelRequested: run.cancel_requested, deadlineSeconds: run.timeout_s });
    const committed = await this.dataSource.transaction(async (manager) => {
      const [, affected] = (await manager.query(
        `UPDATE runs
            SET status = $3, reason = $4, message = $5, finished_at = now(),
                lease_owner = NULL, lease_expires_at = NULL, row_version = row_version + 1, updated_at = now()
          WHERE id = $1 AND status = 'running' AND row_version = $2`,
        [run.id, run.row_version, verdict.status, verdict.reason, verdict.message],
      )) as [unknown, number];
      // Its worker finished it (or another sweep did) since it was read.
      if (affected !== 1) return undefined;
      const recorded = await this.events.record(manager, {
        userId: run.user_id,
        type: RUN_FINISHED_EVENT[verdict.status],
        subjectId: run.id,
        payload: { runId: run.id, status: verdict.status, reason: verdict.reason, message: verdict.message, analysis: run.slug, version: run.version },
        dedupeKey: runFinishedDedupeKey(run.id),
        notification: notificationFor(run.title, verdict),
      });
      return { recorded };
    });
    if (committed === undefined) return false;
    this.logger.warn(`run ${run.id}: ended ${verdict.status}, ${run.timeout_s} s deadline long past and its worker ${run.lease_owner ?? '(none)'} silent`);
    await this.events.publish(committed.recorded);
    return true;
  }
}
