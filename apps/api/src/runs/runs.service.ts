import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Readable } from 'node:stream';
import { rcompare } from 'semver';
import { DataSource, type EntityManager } from 'typeorm';
import { type ConsentScopes, type Manifest, type ParamsValidation, scopesEqual, UnsupportedParamsSchemaError, validateParams } from '@lockbox/analysis-sdk';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import {
  Analysis,
  AnalysisVersion,
  type DatasetStatus,
  notificationFor,
  preparedQuery,
  RUN_FINISHED_EVENT,
  runFinishedDedupeKey,
  type RunStatus,
  type RunVerdict,
  type StoredArtifact,
} from '@lockbox/db';
import { DomainError, QuotaExceededError } from '@lockbox/errors';
import { PlatformEventsService } from '@lockbox/events';
import { addToLogContext } from '@lockbox/logging';
import { OutboxService } from '@lockbox/outbox';
import { ObjectNotFoundError, ObjectStorageRepository } from '@lockbox/storage';
import { lockUserQuotas } from '../common/quotas';
import type { CreateRunDto } from './dto/create-run.dto';
import { QUEUE_POSITIONS_SQL, RUN_PAGE_SQL, RUN_VIEW_SQL, type RunView, type RunViewRow, toRunView } from './run.view';

/** What a cancel request did: stopped a queued run at once, or asked the worker to stop a running one. */
export type CancelOutcome = 'cancelled' | 'requested';

interface OwnRunRow {
  id: string;
  status: RunStatus;
  result_key: string | null;
  log_key: string | null;
  artifacts: StoredArtifact[];
  cancel_requested_at: Date | null;
}

/** "social.posts: timestamp, likes; social.comments: text" — what a consent must grant, for people. */
export function describeScopes(scopes: ConsentScopes): string {
  return Object.entries(scopes)
    .map(([kind, fields]) => `${kind}: ${(fields ?? []).join(', ')}`)
    .join('; ');
}

/**
 * The params against the version's schema; params are held to their JSON caps first. A schema outside
 * the params dialect (published before it) is never evaluated: its runs are refused until the
 * developer publishes a version in the dialect.
 */
function checkParams(manifest: Manifest, params: unknown): ParamsValidation {
  try {
    return validateParams(manifest.params, params);
  } catch (error) {
    if (!(error instanceof UnsupportedParamsSchemaError)) throw error;
    throw new DomainError(
      'conflict',
      `${manifest.name} ${manifest.version} cannot take runs: its params schema uses what the platform no longer evaluates (${error.problems.map((problem) => problem.field).join(', ')}); its developer must publish a new version`,
    );
  }
}

/** The published version asked for, or the highest published one (semver order) when none is named. */
export function pickPublishedVersion(versions: Pick<AnalysisVersion, 'version' | 'status'>[], wanted?: string): number {
  let best = -1;
  versions.forEach((candidate, index) => {
    if (candidate.status !== 'published') return;
    if (wanted !== undefined) {
      if (candidate.version === wanted) best = index;
      return;
    }
    if (best === -1 || rcompare(candidate.version, versions[best]!.version) < 0) best = index;
  });
  return best;
}

/**
 * Runs as their owner sees them. Requesting a run writes the run, its consent receipt, the outbox
 * message, an event and an audit row in one transaction, and publishes after the commit; every read
 * and every change is scoped to the caller, so someone else's run is simply not found.
 */
@Injectable()
export class RunsService {
  private readonly logger = new Logger(RunsService.name);

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly events: PlatformEventsService,
    private readonly storage: ObjectStorageRepository,
  ) {}

  async create(userId: string, request: CreateRunDto): Promise<RunView> {
    const { analysis, version } = await this.findPublishedVersion(request.analysis, request.version);
    const { manifest } = version;
    if (!scopesEqual(request.consent.scopes, manifest.scopes)) {
      throw new DomainError('invalid', `consent must grant exactly: ${describeScopes(manifest.scopes)}`);
    }
    const params = request.params ?? {};
    const checked = checkParams(manifest, params);
    if (!checked.ok) throw new DomainError('invalid', checked.errors.map((error) => error.message).join('; '));

    const { runId, outboxId, recorded } = await this.dataSource.transaction(async (manager) => {
      await this.assertRoomForRun(manager, userId);
      await this.checkDatasets(manager, userId, request.datasetIds);
      const [run] = (await manager.query(
        `INSERT INTO runs (user_id, analysis_version_id, dataset_ids, params, status, queued_at)
         VALUES ($1, $2, $3::uuid[], $4::jsonb, 'queued', now()) RETURNING id`,
        [userId, version.id, request.datasetIds, JSON.stringify(params)],
      )) as Array<{ id: string }>;
      const runId = run!.id;
      // The receipt keeps the version's own scopes: equal to what was granted, in canonical form.
      await manager.query(
        `INSERT INTO consent_receipts (run_id, user_id, analysis_version_id, image_id, scopes, granted_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, now())`,
        [runId, userId, version.id, version.imageId, JSON.stringify(manifest.scopes)],
      );
      const outboxId = await this.outbox.add(manager, { type: 'run.execute', id: runId });
      const recorded = await this.events.record(manager, {
        userId,
        type: 'run.queued',
        subjectId: runId,
        payload: { runId, status: 'queued', analysis: analysis.slug, version: version.version },
      });
      await manager.query(
        `INSERT INTO audit_events (actor_id, actor, subject_user_id, action, target_type, target_id, detail)
         VALUES ($1, $2, $1, 'run.requested', 'run', $3, $4::jsonb)`,
        [
          userId,
          `user:${userId}`,
          runId,
          JSON.stringify({
            analysis: analysis.slug,
            version: version.version,
            imageId: version.imageId,
            datasetIds: request.datasetIds,
            scopes: manifest.scopes,
          }),
        ],
      );
      return { runId, outboxId, recorded };
    });
    // The rest of the request's lines, its access line too, name the run.
    addToLogContext({ runId });
    this.logger.log(`run ${runId} queued`);

    // Read before publishing, so the answer shows the run as it was accepted (a worker may claim it at once).
    const accepted = await this.get(userId, runId);
    // After the commit; the outbox poller sends whatever this misses.
    await this.outbox.publish([outboxId]).catch((error: unknown) => this.logger.warn(`run ${runId}: publishing its job failed: ${describe(error)}`));
    await this.events.publish(recorded);
    return accepted;
  }

  async list(userId: string, offset: number, limit: number): Promise<{ items: RunView[]; total: number }> {
    const rows = (await this.dataSource.query(RUN_PAGE_SQL, [userId, limit, offset])) as RunViewRow[];
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM runs WHERE user_id = $1`, [userId])) as [{ total: number }];
    const positions = await this.queuePositions(rows);
    return { items: rows.map((row) => toRunView(row, positions.get(row.id))), total };
  }

  async get(userId: string, runId: string): Promise<RunView> {
    // What clients poll while they wait: a prepared statement.
    const [row] = await preparedQuery<RunViewRow>(this.dataSource, `${RUN_VIEW_SQL} WHERE r.id = $1 AND r.user_id = $2`, [runId, userId]);
    if (!row) throw runNotFound(runId);
    return toRunView(row, (await this.queuePositions([row])).get(row.id));
  }

  /** The queue positions of those of these runs that are queued, in one query (none when none is). */
  private async queuePositions(rows: RunViewRow[]): Promise<Map<string, number>> {
    const queued = rows.filter((row) => row.status === 'queued').map((row) => row.id);
    if (queued.length === 0) return new Map();
    const positions = (await this.dataSource.query(QUEUE_POSITIONS_SQL, [queued])) as Array<{ id: string; position: number }>;
    return new Map(positions.map(({ id, position }) => [id, position]));
  }

  /** The validated result document, as the worker stored it. */
  async result(userId: string, runId: string): Promise<unknown> {
    const run = await this.findOwn(userId, runId);
    if (run.status !== 'succeeded') throw new DomainError('conflict', `Run ${runId} is ${run.status}; it has a result only once it has succeeded`);
    if (!run.result_key) throw new DomainError('not_found', `Run ${runId} has no result`);
    let bytes: Buffer;
    try {
      bytes = await this.storage.getBuffer(run.result_key, { maxBytes: this.config.limits.resultMaxBytes });
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw new DomainError('not_found', `Run ${runId} has no result`);
      throw error;
    }
    return JSON.parse(bytes.toString('utf8')) as unknown;
  }

  /** The kept logs (already capped by the worker), streamed. */
  async logs(userId: string, runId: string): Promise<Readable> {
    const run = await this.findOwn(userId, runId);
    if (!run.log_key) throw new DomainError('not_found', `Run ${runId} has no logs yet`);
    try {
      return await this.storage.getStream(run.log_key);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw new DomainError('not_found', `Run ${runId} has no logs yet`);
      throw error;
    }
  }

  /**
   * One artifact of a succeeded run, streamed, with the type the platform chose for it at collection.
   * The name is looked up in the run's own list: it never becomes a storage key by itself.
   */
  async artifact(userId: string, runId: string, name: string): Promise<{ stream: Readable; artifact: StoredArtifact }> {
    const run = await this.findOwn(userId, runId);
    const artifact = run.artifacts.find((stored) => stored.name === name);
    if (!artifact) throw new DomainError('not_found', `Run ${runId} has no artifact ${JSON.stringify(name)}`);
    try {
      return { stream: await this.storage.getStream(artifact.key), artifact };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw new DomainError('not_found', `Run ${runId} has no artifact ${JSON.stringify(name)}`);
      throw error;
    }
  }

  /**
   * A queued run is cancelled at once, with its event and notification, in one conditional update. A
   * running one gets `cancel_requested_at`; its worker stops the container and records the outcome.
   * Neither update moves `row_version`, so a worker's claim fence still holds for that final write.
   */
  async cancel(userId: string, runId: string): Promise<CancelOutcome> {
    // A run can move between queued and running while we look (claimed, or handed back): look again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const cancelled = await this.cancelQueued(userId, runId);
      if (cancelled) {
        await this.events.publish(cancelled.recorded);
        return 'cancelled';
      }
      const [, requested] = (await this.dataSource.query(
        `UPDATE runs SET cancel_requested_at = now(), updated_at = now()
          WHERE id = $1 AND user_id = $2 AND status = 'running' AND cancel_requested_at IS NULL`,
        [runId, userId],
      )) as [unknown, number];
      if (requested === 1) return 'requested';

      const run = await this.findOwn(userId, runId);
      if (run.status === 'running' && run.cancel_requested_at) return 'requested';
      if (run.status !== 'queued' && run.status !== 'running') throw new DomainError('conflict', `Run ${runId} has already finished (${run.status})`);
    }
    throw new DomainError('conflict', `Run ${runId} is changing state; try again`);
  }

  private async cancelQueued(userId: string, runId: string): Promise<{ recorded: Awaited<ReturnType<PlatformEventsService['record']>> } | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const [updated] = (await manager.query(
        `UPDATE runs r
            SET status = 'cancelled', reason = 'by_user', message = 'You cancelled the run before it started',
                cancel_requested_at = now(), finished_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                row_version = r.row_version + 1, updated_at = now()
           FROM analysis_versions v JOIN analyses a ON a.id = v.analysis_id
          WHERE r.id = $1 AND r.user_id = $2 AND r.status = 'queued' AND v.id = r.analysis_version_id
          RETURNING a.title, a.slug, v.version`,
        [runId, userId],
      )) as [Array<{ title: string; slug: string; version: string }>, number];
      const run = updated[0];
      if (!run) return undefined;
      const verdict: RunVerdict = { status: 'cancelled', reason: 'by_user', message: 'You cancelled the run before it started.' };
      const recorded = await this.events.record(manager, {
        userId,
        type: RUN_FINISHED_EVENT.cancelled,
        subjectId: runId,
        payload: { runId, status: verdict.status, reason: verdict.reason, analysis: run.slug, version: run.version },
        dedupeKey: runFinishedDedupeKey(runId),
        notification: notificationFor(run.title, verdict),
      });
      return { recorded };
    });
  }

  private async findPublishedVersion(slug: string, wanted?: string): Promise<{ analysis: Analysis; version: AnalysisVersion }> {
    const analysis = await this.dataSource.getRepository(Analysis).findOneBy({ slug });
    const versions = analysis ? await this.dataSource.getRepository(AnalysisVersion).findBy({ analysisId: analysis.id, status: 'published' }) : [];
    const picked = versions[pickPublishedVersion(versions, wanted)];
    if (!analysis || !picked || !picked.imageId) {
      throw new DomainError('not_found', wanted ? `Analysis ${slug} has no published version ${wanted}` : `Analysis ${slug} has no published version`);
    }
    return { analysis, version: picked };
  }

  /**
   * The active-runs quota: runs queued or running, counted under the user's quota lock, so that requests
   * at once cannot both take the last slot. (Fair scheduling between users is the queue's job, later.)
   */
  private async assertRoomForRun(manager: EntityManager, userId: string): Promise<void> {
    await lockUserQuotas(manager, userId);
    const [{ active }] = (await manager.query(`SELECT count(*)::int AS active FROM runs WHERE user_id = $1 AND status IN ('queued', 'running')`, [userId])) as [
      {
        active: number;
      },
    ];
    const limit = this.config.quotas.activeRuns;
    if (active >= limit) {
      throw new QuotaExceededError(
        'active_runs',
        limit,
        active,
        `You have ${active} runs queued or running, the most allowed at once (${limit}); wait for some to finish, or cancel some`,
      );
    }
  }

  /** Every dataset must be the caller's own and ready; rows are share-locked so none is deleted under the run. */
  private async checkDatasets(manager: EntityManager, userId: string, datasetIds: string[]): Promise<void> {
    const rows = (await manager.query(`SELECT id, status FROM datasets WHERE id = ANY($1::uuid[]) AND user_id = $2 FOR SHARE`, [datasetIds, userId])) as Array<{
      id: string;
      status: DatasetStatus;
    }>;
    const statusOf = new Map(rows.map((row) => [row.id, row.status]));
    for (const id of datasetIds) {
      if (!statusOf.has(id)) throw new DomainError('not_found', `Dataset ${id} not found`);
    }
    for (const id of datasetIds) {
      const status = statusOf.get(id);
      if (status !== 'ready') throw new DomainError('conflict', `Dataset ${id} is ${status}; only ready datasets can be analysed`);
    }
  }

  private async findOwn(userId: string, runId: string): Promise<OwnRunRow> {
    const [row] = (await this.dataSource.query(
      `SELECT id, status, result_key, log_key, artifacts, cancel_requested_at FROM runs WHERE id = $1 AND user_id = $2`,
      [runId, userId],
    )) as OwnRunRow[];
    if (!row) throw runNotFound(runId);
    return row;
  }
}

function runNotFound(runId: string): DomainError {
  return new DomainError('not_found', `Run ${runId} not found`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
