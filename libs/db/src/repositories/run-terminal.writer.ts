import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { RecordedEvent } from '@lockbox/events';
import type { StoredArtifact } from '../entities/run.entity';
import type { JobClaim } from '../job-lease';
import { type QuarantineCause, quarantineVersion } from '../quarantine';
import { RUN_FINISHED_EVENT, RUN_NOTIFICATION_TITLE_AFTER, runFinishedDedupeKey, type RunVerdict } from '../run-outcomes';
import { type MaybeEventRow, recordedFrom } from './platform-events.repository';

/**
 * Who ends the run, which says what state it must still be in:
 * - `worker`: the worker holding it (an outcome, or the attempt cap), fenced by its claim;
 * - `owner`: the user cancelling their own run before it started;
 * - `suspension`: an admin suspending its version before it started;
 * - `sweep`: the platform ending a run whose worker stopped answering, fenced by the row_version it read.
 */
export type RunEndedBy = { by: 'worker'; claim: JobClaim } | { by: 'owner'; userId: string } | { by: 'suspension' } | { by: 'sweep'; rowVersion: number };

/** What a finished container left, as the worker stored it. */
export interface RunOutputs {
  containerMs: number | null;
  resultKey: string | null;
  resultSummary: string | null;
  logKey: string | null;
  logBytes: number | null;
  artifacts: StoredArtifact[];
}

export interface RunEnd {
  runId: string;
  verdict: RunVerdict;
  endedBy: RunEndedBy;
  outputs?: RunOutputs;
  /** Set when the run ran out of attempts: its version is flagged for the admins in the same transaction. */
  quarantine?: QuarantineCause;
}

/** A run this call ended: its owner and its event, to publish after the commit. */
export interface EndedRun {
  userId: string;
  recorded: RecordedEvent;
}

const NO_OUTPUTS: RunOutputs = { containerMs: null, resultKey: null, resultSummary: null, logKey: null, logBytes: null, artifacts: [] };

/** The status the run must still have, and the extra condition, for each way a run ends. */
function guardOf(endedBy: RunEndedBy, firstParameter: number): { from: 'queued' | 'running'; sql: string; parameters: unknown[] } {
  const p = firstParameter;
  switch (endedBy.by) {
    case 'worker':
      return {
        from: 'running',
        sql: `AND r.lease_owner = $${p} AND r.row_version = $${p + 1}`,
        parameters: [endedBy.claim.workerId, endedBy.claim.rowVersion],
      };
    case 'owner':
      return { from: 'queued', sql: `AND r.user_id = $${p}`, parameters: [endedBy.userId] };
    case 'suspension':
      return { from: 'queued', sql: '', parameters: [] };
    case 'sweep':
      return { from: 'running', sql: `AND r.row_version = $${p}`, parameters: [endedBy.rowVersion] };
  }
}

/**
 * The one writer of a run's terminal state. In one statement (one round trip, atomic as any statement):
 * the status, reason and message, the outputs, the lease cleared and row_version moved on (which fences
 * out whoever held the run), and the `run.<status>` event with its notification; with the version's
 * quarantine flag (a run that ran out of attempts), in one transaction with it. Only a row still in the
 * state its ender expects is moved, so of any number of callers at once exactly one ends the run and
 * records one event and one notification; the others get undefined and write nothing.
 */
@Injectable()
export class RunTerminalWriter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** In one statement, or with the quarantine flag in one transaction. */
  async end(end: RunEnd): Promise<EndedRun | undefined> {
    if (end.quarantine) return this.dataSource.transaction((manager) => this.endIn(manager, end));
    return this.endIn(this.dataSource.manager, end);
  }

  /**
   * In the caller's transaction (a suspension ends the version's queued runs with the version). The run's
   * row, its event and its notification are one statement: each insert takes its row from the one before,
   * so nothing is recorded unless the run moved, and the dedupe keys keep a replay from recording twice.
   */
  async endIn(manager: EntityManager, { runId, verdict, endedBy, outputs = NO_OUTPUTS, quarantine }: RunEnd): Promise<EndedRun | undefined> {
    const guard = guardOf(endedBy, 16);
    const [row] = (await manager.query(
      `WITH ended AS (
         UPDATE runs r
            SET status = $2, reason = $3, message = $4, finished_at = now(), container_ms = $5,
                result_key = $6, result_summary = $7, log_key = $8, log_bytes = $9,
                progress = CASE WHEN $10 THEN 1 ELSE r.progress END, artifacts = $11::jsonb,
                cancel_requested_at = CASE WHEN $12 THEN coalesce(r.cancel_requested_at, now()) ELSE r.cancel_requested_at END,
                lease_owner = NULL, lease_expires_at = NULL, row_version = r.row_version + 1, updated_at = now()
           FROM analysis_versions v JOIN analyses a ON a.id = v.analysis_id
          WHERE r.id = $1 AND v.id = r.analysis_version_id AND r.status = '${guard.from}' ${guard.sql}
          RETURNING r.user_id, a.title, a.slug, v.version, v.id AS version_id
       ), event AS (
         INSERT INTO events (user_id, type, subject_id, payload, dedupe_key)
         SELECT ended.user_id, $13::text, $1::uuid,
                jsonb_build_object('runId', $1::text, 'status', $2::text, 'reason', $3::text, 'message', $4::text, 'analysis', ended.slug, 'version', ended.version),
                $14::text
           FROM ended
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id, type, subject_id, payload, created_at
       ), notification AS (
         INSERT INTO notifications (user_id, type, title, body, subject_id, dedupe_key)
         SELECT ended.user_id, $13::text, ended.title || $15::text, $4::text, $1::uuid, $14::text FROM ended, event
         ON CONFLICT (dedupe_key) DO NOTHING
       )
       SELECT ended.user_id, ended.version_id, event.id, event.type, event.subject_id, event.payload, event.created_at
         FROM ended LEFT JOIN event ON true`,
      [
        runId,
        verdict.status,
        verdict.reason,
        verdict.message,
        outputs.containerMs,
        outputs.resultKey,
        outputs.resultSummary,
        outputs.logKey,
        outputs.logBytes,
        verdict.status === 'succeeded',
        JSON.stringify(outputs.artifacts),
        endedBy.by === 'owner',
        RUN_FINISHED_EVENT[verdict.status],
        runFinishedDedupeKey(runId),
        RUN_NOTIFICATION_TITLE_AFTER[verdict.status],
        ...guard.parameters,
      ],
    )) as Array<{ user_id: string; version_id: string } & MaybeEventRow>;
    // Already ended, or moved on since its ender read it: someone else wrote the end.
    if (!row) return undefined;
    if (quarantine) await quarantineVersion(manager, row.version_id, quarantine);
    return { userId: row.user_id, recorded: recordedFrom(row.user_id, row) };
  }
}
