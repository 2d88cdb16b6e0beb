import type { DataSource } from 'typeorm';
import type { ConsentScopes, Manifest, RecordKind, SandboxRuntime } from '@lockbox/analysis-sdk';
import {
  type AnalysisVersionStatus,
  claimFence,
  type JobClaim,
  notificationFor,
  type QuarantineCause,
  quarantineVersion,
  RUN_FINISHED_EVENT,
  runFinishedDedupeKey,
  type RunVerdict,
  type StoredArtifact,
} from '@lockbox/db';
import type { PlatformEventsService } from '@lockbox/events';
import type { CuratedDataset } from '@lockbox/storage';

/** Everything a worker needs to know about a claimed run, read once after the claim. */
export interface ClaimedRun {
  id: string;
  userId: string;
  datasetIds: string[];
  params: Record<string, unknown>;
  cancelRequested: boolean;
  analysis: { slug: string; title: string };
  version: { id: string; version: string; status: AnalysisVersionStatus; manifest: Manifest; imageKey: string | null };
  /** What the user agreed to: these fields, for this image. */
  consent: { scopes: ConsentScopes; imageId: string };
}

interface ClaimedRunRow {
  id: string;
  user_id: string;
  dataset_ids: string[];
  params: Record<string, unknown>;
  cancel_requested_at: Date | null;
  slug: string;
  title: string;
  version_id: string;
  version: string;
  version_status: AnalysisVersionStatus;
  manifest: Manifest;
  image_key: string | null;
  scopes: ConsentScopes | null;
  consent_image_id: string | null;
}

/** Where the run's stored output went, and what the run used (for the audit trail). */
export interface RunFinish {
  verdict: RunVerdict;
  containerMs: number | null;
  resultKey: string | null;
  resultSummary: string | null;
  logKey: string | null;
  logBytes: number | null;
  artifacts: StoredArtifact[];
  /** Set when the run ran out of attempts: its version is flagged for the admins in the same transaction. */
  quarantine?: QuarantineCause;
}

/** What an attempt's container is given of the user's data: recorded as `run.data_accessed` before it starts. */
export interface DataAccess {
  datasetIds: string[];
  scopes: ConsentScopes;
  imageId: string;
  runtime: SandboxRuntime;
  records: Partial<Record<RecordKind, number>>;
  workerId: string;
  containerId: string;
}

type Recorded = Awaited<ReturnType<PlatformEventsService['record']>>;

/**
 * The run row as its worker sees it. Every write is conditional on the claim (lease owner and
 * row_version), so a worker whose lease was taken over writes nothing; only the final write moves
 * row_version on, so progress and start marks never break the claim's own fence.
 */
export class RunStateStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: PlatformEventsService,
  ) {}

  async load(runId: string): Promise<ClaimedRun> {
    const [row] = (await this.dataSource.query(
      `SELECT r.id, r.user_id, r.dataset_ids, r.params, r.cancel_requested_at, a.slug, a.title,
              v.id AS version_id, v.version, v.status AS version_status, v.manifest, v.image_key,
              c.scopes, c.image_id AS consent_image_id
         FROM runs r
         JOIN analysis_versions v ON v.id = r.analysis_version_id
         JOIN analyses a ON a.id = v.analysis_id
         LEFT JOIN consent_receipts c ON c.run_id = r.id
        WHERE r.id = $1`,
      [runId],
    )) as ClaimedRunRow[];
    if (!row) throw new Error(`run ${runId} vanished after it was claimed`);
    if (!row.scopes || !row.consent_image_id) throw new Error(`run ${runId} has no consent receipt`);
    return {
      id: row.id,
      userId: row.user_id,
      datasetIds: row.dataset_ids,
      params: row.params,
      cancelRequested: row.cancel_requested_at !== null,
      analysis: { slug: row.slug, title: row.title },
      version: { id: row.version_id, version: row.version, status: row.version_status, manifest: row.manifest, imageKey: row.image_key },
      consent: { scopes: row.scopes, imageId: row.consent_image_id },
    };
  }

  /** The run's datasets that still exist and belong to its owner, in the run's order. */
  async datasets(run: ClaimedRun): Promise<CuratedDataset[]> {
    const rows = (await this.dataSource.query(`SELECT id, status, curated_prefix, record_kinds FROM datasets WHERE id = ANY($1::uuid[]) AND user_id = $2`, [
      run.datasetIds,
      run.userId,
    ])) as Array<{ id: string; status: string; curated_prefix: string | null; record_kinds: Record<string, number> }>;
    const byId = new Map(rows.map((row) => [row.id, { id: row.id, status: row.status, curatedPrefix: row.curated_prefix, recordKinds: row.record_kinds }]));
    return run.datasetIds.flatMap((id) => byId.get(id) ?? []);
  }

  /** Marks this attempt's start. False when the claim no longer holds. */
  async markStarted(claim: JobClaim, run: ClaimedRun): Promise<{ held: boolean; recorded: Recorded }> {
    return this.dataSource.transaction(async (manager) => {
      const fence = claimFence(claim, 2);
      const [, affected] = (await manager.query(
        `UPDATE runs SET started_at = now(), progress = NULL, progress_message = NULL, updated_at = now()
          WHERE id = $1 AND status = 'running' AND ${fence.sql}`,
        [claim.id, ...fence.parameters],
      )) as [unknown, number];
      if (affected !== 1) return { held: false, recorded: undefined };
      const recorded = await this.events.record(manager, {
        userId: run.userId,
        type: 'run.started',
        subjectId: run.id,
        payload: { runId: run.id, status: 'running', attempt: claim.attempts, analysis: run.analysis.slug, version: run.version.version },
        dedupeKey: `run:${run.id}:attempt-${claim.attempts}:started`,
      });
      return { held: true, recorded };
    });
  }

  async recordProgress(claim: JobClaim, progress: number, message: string): Promise<void> {
    const fence = claimFence(claim, 4);
    await this.dataSource.query(
      `UPDATE runs SET progress = $2, progress_message = $3, updated_at = now() WHERE id = $1 AND status = 'running' AND ${fence.sql}`,
      [claim.id, progress, message, ...fence.parameters],
    );
  }

  async cancelRequested(runId: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(`SELECT cancel_requested_at FROM runs WHERE id = $1`, [runId])) as Array<{ cancel_requested_at: Date | null }>;
    return row?.cancel_requested_at != null;
  }

  /**
   * The audit row of an attempt's access to the user's data, written before its container starts, so
   * every container that could read the data is on record, whether or not its attempt commits an
   * outcome. Fenced by the claim like every other write: false (nothing written) when the claim no
   * longer holds, and then the container must not start.
   */
  async recordDataAccess(claim: JobClaim, run: ClaimedRun, access: DataAccess): Promise<boolean> {
    const fence = claimFence(claim, 5);
    const inserted = (await this.dataSource.query(
      `INSERT INTO audit_events (actor_id, actor, subject_user_id, action, target_type, target_id, detail)
       SELECT NULL, $1, $2, 'run.data_accessed', 'run', $3, $4::jsonb
        WHERE EXISTS (SELECT 1 FROM runs WHERE id = $3 AND status = 'running' AND ${fence.sql})
       RETURNING id`,
      [
        `analysis:${run.analysis.slug}@${run.version.version}`,
        run.userId,
        run.id,
        JSON.stringify({
          datasetIds: access.datasetIds,
          scopes: access.scopes,
          imageId: access.imageId,
          runtime: access.runtime,
          records: access.records,
          attempt: claim.attempts,
          worker: access.workerId,
          container: access.containerId,
        }),
        ...fence.parameters,
      ],
    )) as Array<{ id: string }>;
    return inserted.length === 1;
  }

  /**
   * The final write, in one transaction: the terminal state (fenced by the claim) and the event with
   * its notification, and the version's quarantine flag when the run ran out of attempts. Returns
   * undefined, having written nothing, when the claim no longer holds.
   */
  async finish(claim: JobClaim, run: ClaimedRun, finish: RunFinish): Promise<{ recorded: Recorded } | undefined> {
    const { verdict } = finish;
    return this.dataSource.transaction(async (manager) => {
      const fence = claimFence(claim, 12);
      const [, affected] = (await manager.query(
        `UPDATE runs
            SET status = $2, reason = $3, message = $4, finished_at = now(), container_ms = $5,
                result_key = $6, result_summary = $7, log_key = $8, log_bytes = $9,
                progress = CASE WHEN $10 THEN 1 ELSE progress END, artifacts = $11::jsonb,
                lease_owner = NULL, lease_expires_at = NULL, row_version = row_version + 1, updated_at = now()
          WHERE id = $1 AND status = 'running' AND ${fence.sql}`,
        [
          claim.id,
          verdict.status,
          verdict.reason,
          verdict.message,
          finish.containerMs,
          finish.resultKey,
          finish.resultSummary,
          finish.logKey,
          finish.logBytes,
          verdict.status === 'succeeded',
          JSON.stringify(finish.artifacts),
          ...fence.parameters,
        ],
      )) as [unknown, number];
      if (affected !== 1) return undefined;
      if (finish.quarantine) await quarantineVersion(manager, run.version.id, finish.quarantine);

      const recorded = await this.events.record(manager, {
        userId: run.userId,
        type: RUN_FINISHED_EVENT[verdict.status],
        subjectId: run.id,
        payload: {
          runId: run.id,
          status: verdict.status,
          reason: verdict.reason,
          message: verdict.message,
          analysis: run.analysis.slug,
          version: run.version.version,
        },
        dedupeKey: runFinishedDedupeKey(run.id),
        notification: notificationFor(run.analysis.title, verdict),
      });

      return { recorded };
    });
  }
}
