import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { rcompare } from 'semver';
import { type ConsentScopes, type Manifest, type ParamsValidation, scopesEqual, UnsupportedParamsSchemaError, validateParams } from '@lockbox/analysis-sdk';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import {
  type Analysis,
  AnalysesRepository,
  type AnalysisVersion,
  AuditRepository,
  type OwnRunRow,
  RunsRepository,
  RunTerminalWriter,
  type RunViewRow,
  type StoredArtifact,
  type Transaction,
  TransactionRunner,
  UsersRepository,
} from '@lockbox/db';
import { DomainError, QuotaExceededError } from '@lockbox/errors';
import { PlatformEventsService, type RecordedEvent } from '@lockbox/events';
import { addToLogContext } from '@lockbox/logging';
import { OutboxService } from '@lockbox/outbox';
import { ObjectNotFoundError, ObjectStorageRepository } from '@lockbox/storage';
import type { CreateRunDto } from './dto/create-run.dto';
import { type RunView, toRunView } from './run.view';

/** A queued run the user cancels never started: every such cancel says so in these words. */
export const QUEUED_RUN_CANCELLED = { status: 'cancelled', reason: 'by_user', message: 'You cancelled the run before it started.' } as const;

/** What a cancel request did: stopped a queued run at once, or asked the worker to stop a running one. */
export type CancelOutcome = 'cancelled' | 'requested';

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
    private readonly transactions: TransactionRunner,
    private readonly runs: RunsRepository,
    private readonly terminal: RunTerminalWriter,
    private readonly analyses: AnalysesRepository,
    private readonly audit: AuditRepository,
    private readonly users: UsersRepository,
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

    const { runId, outboxId, recorded } = await this.transactions.run(async (transaction) => {
      await this.assertRoomForRun(transaction, userId);
      await this.checkDatasets(transaction, userId, request.datasetIds);
      const runId = await this.runs.insertQueued(transaction, {
        userId,
        versionId: version.id,
        imageId: version.imageId!,
        datasetIds: request.datasetIds,
        params,
        scopes: manifest.scopes,
      });
      const outboxId = await this.outbox.add(transaction, { type: 'run.execute', id: runId });
      const recorded = await this.events.record(transaction, {
        userId,
        type: 'run.queued',
        subjectId: runId,
        payload: { runId, status: 'queued', analysis: analysis.slug, version: version.version },
      });
      await this.audit.record(transaction, {
        actorId: userId,
        actor: `user:${userId}`,
        subjectUserId: userId,
        action: 'run.requested',
        targetType: 'run',
        targetId: runId,
        detail: { analysis: analysis.slug, version: version.version, imageId: version.imageId, datasetIds: request.datasetIds, scopes: manifest.scopes },
      });
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
    const rows = await this.runs.pageForUser(userId, offset, limit);
    const total = await this.runs.countForUser(userId);
    const positions = await this.queuePositions(rows);
    return { items: rows.map((row) => toRunView(row, positions.get(row.id))), total };
  }

  async get(userId: string, runId: string): Promise<RunView> {
    const row = await this.runs.viewForUser(userId, runId);
    if (!row) throw runNotFound(runId);
    return toRunView(row, (await this.queuePositions([row])).get(row.id));
  }

  /** The queue positions of those of these runs that are queued, in one query (none when none is). */
  private async queuePositions(rows: RunViewRow[]): Promise<Map<string, number>> {
    return this.runs.queuePositions(rows.filter((row) => row.status === 'queued').map((row) => row.id));
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
      if (await this.runs.requestCancelOfRunning(userId, runId)) return 'requested';

      const run = await this.findOwn(userId, runId);
      if (run.status === 'running' && run.cancel_requested_at) return 'requested';
      if (run.status !== 'queued' && run.status !== 'running') throw new DomainError('conflict', `Run ${runId} has already finished (${run.status})`);
    }
    throw new DomainError('conflict', `Run ${runId} is changing state; try again`);
  }

  /** Through the one writer of a run's end, guarded by the owner and the queued state. */
  private async cancelQueued(userId: string, runId: string): Promise<{ recorded: RecordedEvent } | undefined> {
    return this.terminal.end({ runId, verdict: QUEUED_RUN_CANCELLED, endedBy: { by: 'owner', userId } });
  }

  private async findPublishedVersion(slug: string, wanted?: string): Promise<{ analysis: Analysis; version: AnalysisVersion }> {
    const { analysis, versions } = await this.analyses.publishedVersionsOf(slug);
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
  private async assertRoomForRun(transaction: Transaction, userId: string): Promise<void> {
    await this.users.lockQuotas(transaction, userId);
    const active = await this.runs.countActiveForUser(transaction, userId);
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
  private async checkDatasets(transaction: Transaction, userId: string, datasetIds: string[]): Promise<void> {
    const rows = await this.runs.shareLockDatasetsForRun(transaction, userId, datasetIds);
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
    const row = await this.runs.findOwn(userId, runId);
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
