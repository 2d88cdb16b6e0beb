import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { ConsentScopes, Manifest, RecordKind, SandboxRuntime } from '@lockbox/analysis-sdk';
import type { RecordedEvent } from '@lockbox/events';
import type { AnalysisVersionStatus } from '../entities/analysis-version.entity';
import type { DatasetStatus } from '../entities/dataset.entity';
import type { RunStatus, StoredArtifact } from '../entities/run.entity';
import { claimFence, type JobClaim } from '../job-lease';
import { preparedQuery } from '../prepared-query';
import { AuditRepository } from './audit.repository';
import { PlatformEventsRepository } from './platform-events.repository';
import { QUEUE_POSITIONS_SQL, RUN_PAGE_SQL, RUN_VIEW_SQL, type RunViewRow } from './run-view.sql';

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

/** A dataset a run reads, as the worker stages it. */
export interface RunDatasetRow {
  id: string;
  status: string;
  curatedPrefix: string | null;
  recordKinds: Record<string, number>;
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

/** A run as its owner may act on it (result, logs, artifacts, cancel). */
export interface OwnRunRow {
  id: string;
  status: RunStatus;
  result_key: string | null;
  log_key: string | null;
  artifacts: StoredArtifact[];
  cancel_requested_at: Date | null;
}

/** A run still `running` long past its deadline, with what its end needs to say. */
export interface OverdueRunRow {
  id: string;
  user_id: string;
  row_version: number;
  lease_owner: string | null;
  cancel_requested: boolean;
  timeout_s: number;
}

/** A new run with its consent receipt: the version's own scopes, equal to what was granted, in canonical form. */
export interface NewRun {
  userId: string;
  versionId: string;
  imageId: string;
  datasetIds: string[];
  params: Record<string, unknown>;
  scopes: ConsentScopes;
}

/**
 * The `runs` rows (and their consent receipts). Every write by a worker is conditional on its claim (lease
 * owner and row_version), so a worker whose lease was taken over writes nothing; only the terminal write
 * (RunTerminalWriter) moves row_version on, so progress and start marks never break the claim's own fence.
 * Reads for a user always carry `user_id`.
 */
@Injectable()
export class RunsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: PlatformEventsRepository,
    private readonly audit: AuditRepository,
  ) {}

  // ---- the API: requests, pages, cancels ----

  /** Inserts a queued run and its consent receipt in the caller's transaction; returns the run's id. */
  async insertQueued(manager: EntityManager, run: NewRun): Promise<string> {
    const [inserted] = (await manager.query(
      `INSERT INTO runs (user_id, analysis_version_id, dataset_ids, params, status, queued_at)
       VALUES ($1, $2, $3::uuid[], $4::jsonb, 'queued', now()) RETURNING id`,
      [run.userId, run.versionId, run.datasetIds, JSON.stringify(run.params)],
    )) as Array<{ id: string }>;
    const runId = inserted!.id;
    await manager.query(
      `INSERT INTO consent_receipts (run_id, user_id, analysis_version_id, image_id, scopes, granted_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, now())`,
      [runId, run.userId, run.versionId, run.imageId, JSON.stringify(run.scopes)],
    );
    return runId;
  }

  /** The caller's datasets among these, share-locked until the transaction ends so none is deleted under a new run. */
  async shareLockDatasetsForRun(manager: EntityManager, userId: string, datasetIds: string[]): Promise<Array<{ id: string; status: DatasetStatus }>> {
    return (await manager.query(`SELECT id, status FROM datasets WHERE id = ANY($1::uuid[]) AND user_id = $2 FOR SHARE`, [datasetIds, userId])) as Array<{
      id: string;
      status: DatasetStatus;
    }>;
  }

  /** Runs queued or running: what the active-runs quota counts (call it under the user's quota lock). */
  async countActiveForUser(manager: EntityManager, userId: string): Promise<number> {
    const [row] = (await manager.query(`SELECT count(*)::int AS active FROM runs WHERE user_id = $1 AND status IN ('queued', 'running')`, [userId])) as Array<{
      active: number;
    }>;
    return row?.active ?? 0;
  }

  async pageForUser(userId: string, offset: number, limit: number): Promise<RunViewRow[]> {
    return (await this.dataSource.query(RUN_PAGE_SQL, [userId, limit, offset])) as RunViewRow[];
  }

  async countForUser(userId: string): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM runs WHERE user_id = $1`, [userId])) as Array<{ total: number }>;
    return row?.total ?? 0;
  }

  /** What clients poll while they wait: a prepared statement. */
  async viewForUser(userId: string, runId: string): Promise<RunViewRow | undefined> {
    const [row] = await preparedQuery<RunViewRow>(this.dataSource, `${RUN_VIEW_SQL} WHERE r.id = $1 AND r.user_id = $2`, [runId, userId]);
    return row;
  }

  /** The queue positions of those of these (already scoped) runs that are queued, in one query. */
  async queuePositions(queuedRunIds: string[]): Promise<Map<string, number>> {
    if (queuedRunIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(QUEUE_POSITIONS_SQL, [queuedRunIds])) as Array<{ id: string; position: number }>;
    return new Map(rows.map(({ id, position }) => [id, position]));
  }

  async findOwn(userId: string, runId: string): Promise<OwnRunRow | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT id, status, result_key, log_key, artifacts, cancel_requested_at FROM runs WHERE id = $1 AND user_id = $2`,
      [runId, userId],
    )) as OwnRunRow[];
    return row;
  }

  /**
   * Asks the worker running the run to stop it. Does not move `row_version`, so the worker's claim fence
   * still holds for its final write. False when the run is not the user's, not running, or already asked.
   */
  async requestCancelOfRunning(userId: string, runId: string): Promise<boolean> {
    const [, requested] = (await this.dataSource.query(
      `UPDATE runs SET cancel_requested_at = now(), updated_at = now()
        WHERE id = $1 AND user_id = $2 AND status = 'running' AND cancel_requested_at IS NULL`,
      [runId, userId],
    )) as [unknown, number];
    return requested === 1;
  }

  /** Asks the workers running the version's runs to stop them (a suspension); returns their ids. */
  async requestStopOfVersionRuns(manager: EntityManager, versionId: string): Promise<string[]> {
    const [rows] = (await manager.query(
      `UPDATE runs SET cancel_requested_at = now(), updated_at = now()
        WHERE analysis_version_id = $1 AND status = 'running' AND cancel_requested_at IS NULL
        RETURNING id`,
      [versionId],
    )) as [Array<{ id: string }>, number];
    return rows.map((row) => row.id);
  }

  /** The version's queued runs, locked until the caller's transaction ends (a suspension cancels them). */
  async lockQueuedOfVersion(manager: EntityManager, versionId: string): Promise<string[]> {
    const rows = (await manager.query(`SELECT id FROM runs WHERE analysis_version_id = $1 AND status = 'queued' ORDER BY id FOR UPDATE`, [
      versionId,
    ])) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  /**
   * Runs still `running` `graceSeconds` past their deadline (counted from their attempt's start): their
   * worker stopped answering. The sweep ends them through RunTerminalWriter, fenced by the row_version read here.
   */
  async findOverdue(graceSeconds: number, limit: number): Promise<OverdueRunRow[]> {
    return (await this.dataSource.query(
      `SELECT r.id, r.user_id, r.row_version, r.lease_owner, r.cancel_requested_at IS NOT NULL AS cancel_requested,
              (v.manifest->'resources'->>'timeout')::int AS timeout_s
         FROM runs r
         JOIN analysis_versions v ON v.id = r.analysis_version_id
        WHERE r.status = 'running' AND r.started_at IS NOT NULL
          AND r.started_at < now() - make_interval(secs => (v.manifest->'resources'->>'timeout')::int + $1)
        LIMIT $2`,
      [graceSeconds, limit],
    )) as OverdueRunRow[];
  }

  // ---- the worker: a claimed run ----

  async loadClaimed(runId: string): Promise<ClaimedRun> {
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
  async datasetsOfRun(run: Pick<ClaimedRun, 'datasetIds' | 'userId'>): Promise<RunDatasetRow[]> {
    const rows = (await this.dataSource.query(`SELECT id, status, curated_prefix, record_kinds FROM datasets WHERE id = ANY($1::uuid[]) AND user_id = $2`, [
      run.datasetIds,
      run.userId,
    ])) as Array<{ id: string; status: string; curated_prefix: string | null; record_kinds: Record<string, number> }>;
    const byId = new Map(rows.map((row) => [row.id, { id: row.id, status: row.status, curatedPrefix: row.curated_prefix, recordKinds: row.record_kinds }]));
    return run.datasetIds.flatMap((id) => byId.get(id) ?? []);
  }

  /** Marks this attempt's start, with its `run.started` event. `held` is false (nothing written) when the claim no longer holds. */
  async markStarted(claim: JobClaim, run: ClaimedRun): Promise<{ held: boolean; recorded: RecordedEvent }> {
    const fence = claimFence(claim, 2);
    const { moved, recorded } = await this.events.recordWithChange(
      {
        sql: `UPDATE runs SET started_at = now(), progress = NULL, progress_message = NULL, updated_at = now()
               WHERE id = $1 AND status = 'running' AND ${fence.sql}
              RETURNING id`,
        parameters: [claim.id, ...fence.parameters],
      },
      {
        userId: run.userId,
        type: 'run.started',
        subjectId: run.id,
        payload: { runId: run.id, status: 'running', attempt: claim.attempts, analysis: run.analysis.slug, version: run.version.version },
        dedupeKey: `run:${run.id}:attempt-${claim.attempts}:started`,
      },
    );
    return { held: moved, recorded };
  }

  /** Fenced by the claim: a worker that lost its lease moves nothing. */
  async recordProgress(claim: JobClaim, progress: number, message: string): Promise<boolean> {
    const fence = claimFence(claim, 4);
    const [, affected] = (await this.dataSource.query(
      `UPDATE runs SET progress = $2, progress_message = $3, updated_at = now() WHERE id = $1 AND status = 'running' AND ${fence.sql}`,
      [claim.id, progress, message, ...fence.parameters],
    )) as [unknown, number];
    return affected === 1;
  }

  async isCancelRequested(runId: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(`SELECT cancel_requested_at FROM runs WHERE id = $1`, [runId])) as Array<{ cancel_requested_at: Date | null }>;
    return row?.cancel_requested_at != null;
  }

  /** The status of the run's version now (a stop request may come from a suspension). */
  async versionStatus(versionId: string): Promise<AnalysisVersionStatus | undefined> {
    const [row] = (await this.dataSource.query(`SELECT status FROM analysis_versions WHERE id = $1`, [versionId])) as Array<{ status: AnalysisVersionStatus }>;
    return row?.status;
  }

  /**
   * The audit row of an attempt's access to the user's data, written before its container starts, so
   * every container that could read the data is on record, whether or not its attempt commits an
   * outcome. Fenced by the claim like every other write: false (nothing written) when the claim no
   * longer holds, and then the container must not start.
   */
  async recordDataAccess(claim: JobClaim, run: ClaimedRun, access: DataAccess): Promise<boolean> {
    return this.audit.recordWhileRunHeld(claim, {
      actor: `analysis:${run.analysis.slug}@${run.version.version}`,
      subjectUserId: run.userId,
      action: 'run.data_accessed',
      targetType: 'run',
      targetId: run.id,
      detail: {
        datasetIds: access.datasetIds,
        scopes: access.scopes,
        imageId: access.imageId,
        runtime: access.runtime,
        records: access.records,
        attempt: claim.attempts,
        worker: access.workerId,
        container: access.containerId,
      },
    });
  }
}
