import { randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type FindOptionsOrder, type FindOptionsWhere, IsNull, Not, QueryFailedError, type Repository } from 'typeorm';
import { type Manifest, parseManifest } from '@lockbox/analysis-sdk';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { Analysis, AnalysisVersion, type AnalysisVersionStatus } from '@lockbox/db';
import { DomainError, QuotaExceededError } from '@lockbox/errors';
import { PlatformEventsService } from '@lockbox/events';
import { OutboxService } from '@lockbox/outbox';
import { ObjectStorageRepository } from '@lockbox/storage';
import { CatalogueService } from '../analyses/catalogue.service';
import { newestFirst } from '../analyses/published-versions';
import { lockUserQuotas } from '../common/quotas';
import { TarballSignatureCheck } from './tarball-signature';

/** An image tarball stored in S3 for a submission that is not recorded yet. */
export interface StoredUpload {
  versionId: string;
  key: string;
  bytes: number;
  sha256: string;
}

export interface SubmissionFilter {
  status?: AnalysisVersionStatus;
  /** Admins only: the versions flagged because their runs or check ran out of attempts. */
  quarantined?: boolean;
  offset: number;
  limit: number;
}

export type ReviewDecision = 'approve' | 'reject';

/** Who asks: developers see their own submissions, admins see all. */
export interface SubmissionReader {
  id: string;
  role: string;
}

const NOT_A_TAR = 'The image is not a tar archive: send the output of `docker save` (optionally gzip-compressed)';

/**
 * Submissions of analysis versions and their review. Submitting stores the image tarball, then records
 * the version and its `submission.check` job in one transaction; the worker's checks take it from
 * `submitted` to `awaiting_review` or `check_failed`, and an admin approves (`published`) or rejects it.
 */
@Injectable()
export class SubmissionService {
  private readonly logger = new Logger(SubmissionService.name);

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Analysis) private readonly analyses: Repository<Analysis>,
    @InjectRepository(AnalysisVersion) private readonly versions: Repository<AnalysisVersion>,
    private readonly storage: ObjectStorageRepository,
    private readonly outbox: OutboxService,
    private readonly events: PlatformEventsService,
    private readonly catalogue: CatalogueService,
  ) {}

  /** The whole submission in one call, for callers other than the HTTP route (e.g. seeding the sample analysis). */
  async submit(developerId: string, manifestText: string, image: Readable): Promise<AnalysisVersion> {
    await this.assertRoomForSubmission(developerId);
    const manifest = this.parseManifest(manifestText);
    const upload = await this.storeImage(developerId, manifest, image);
    return this.record(developerId, manifest, upload);
  }

  /**
   * The developer's pending-submissions quota. Checked before a byte of the image is read (without a
   * lock: the quick answer), and again, for good, in the transaction that records the submission.
   */
  async assertRoomForSubmission(developerId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const limit = this.config.quotas.pendingSubmissions;
    // Pending: still owed checks or a review, and holding its stored tarball (the index analysis_versions_pending_idx).
    const [{ pending }] = (await manager.query(
      `SELECT count(*)::int AS pending FROM analysis_versions WHERE submitted_by = $1 AND status IN ('submitted', 'checking', 'awaiting_review')`,
      [developerId],
    )) as [{ pending: number }];
    if (pending >= limit) {
      throw new QuotaExceededError(
        'pending_submissions',
        limit,
        pending,
        `You have ${pending} submissions waiting for checks or review, the most allowed at once (${limit}); submit again once one has its verdict`,
      );
    }
  }

  /**
   * Parses and validates `lockbox.json`; a 400 lists every problem, each naming its field. The text is
   * held to the manifest's JSON caps (256 KiB, depth, values) before it is parsed, so a hostile one
   * costs the event loop its size at most: a few milliseconds.
   */
  parseManifest(text: string): Manifest {
    const validation = parseManifest(text, this.config.limits);
    if (validation.ok) return validation.manifest;
    if (validation.syntax) throw new DomainError('invalid', `The manifest ${validation.errors[0]!.message.replace(/^manifest /, '')}`);
    throw new DomainError('invalid', `The manifest is invalid: ${validation.errors.map((error) => error.message).join('; ')}`);
  }

  /**
   * Streams the image tarball to S3, checking on the way that it starts like a tar (or gzip). Answers 409
   * before storing a byte when the name or version is taken (the transaction in `record` decides for good).
   * Nothing is left behind when it fails.
   */
  async storeImage(developerId: string, manifest: Manifest, image: Readable): Promise<StoredUpload> {
    await this.assertSubmittable(developerId, manifest);
    const versionId = randomUUID();
    const key = `submissions/${manifest.name}/${versionId}/upload.tar`;
    // Errors of either stream reach putStream through the check, which it reads.
    const checked = pipeline(image, new TarballSignatureCheck(() => new DomainError('invalid', NOT_A_TAR)), () => undefined);
    try {
      const stored = await this.storage.putStream(key, checked);
      return { versionId, key, bytes: stored.size, sha256: stored.sha256 };
    } catch (error) {
      await this.discardUpload(key);
      throw error;
    }
  }

  /**
   * Records a stored upload as a submission: the analysis (created on its first submission, owned by the
   * submitter), the version, its check job (outbox) and the audit row, in one transaction; the job is
   * published after the commit. On failure the upload is deleted.
   */
  async record(developerId: string, manifest: Manifest, upload: StoredUpload): Promise<AnalysisVersion> {
    let recorded: { version: AnalysisVersion; outboxId: string };
    try {
      recorded = await this.dataSource.transaction(async (manager) => {
        // Submissions of one developer at once each passed the quick check: this one decides.
        await lockUserQuotas(manager, developerId);
        await this.assertRoomForSubmission(developerId, manager);
        const analysisId = await this.claimName(manager, developerId, manifest);
        if (await manager.exists(AnalysisVersion, { where: { analysisId, version: manifest.version } })) throw versionTaken(manifest);
        await manager.query(
          `INSERT INTO analysis_versions (id, analysis_id, version, status, manifest, submitted_by, upload_key, upload_bytes, upload_sha256)
           VALUES ($1, $2, $3, 'submitted', $4, $5, $6, $7, $8)`,
          [upload.versionId, analysisId, manifest.version, manifest, developerId, upload.key, upload.bytes, upload.sha256],
        );
        await audit(manager, {
          actorId: developerId,
          subjectUserId: developerId,
          action: 'submission.created',
          targetId: upload.versionId,
          detail: { analysis: manifest.name, version: manifest.version, uploadBytes: upload.bytes, uploadSha256: upload.sha256 },
        });
        const outboxId = await this.outbox.add(manager, { type: 'submission.check', id: upload.versionId });
        // Read back as committed: once published, a worker may move it on before the response is sent.
        return { version: await manager.findOneByOrFail(AnalysisVersion, { id: upload.versionId }), outboxId };
      });
    } catch (error) {
      await this.discardUpload(upload.key);
      // Two submissions of one version raced past the checks above; the unique key decided.
      if (isUniqueViolation(error)) throw versionTaken(manifest);
      throw error;
    }
    // Committed: a publish failure is left to the outbox poller rather than failing the request.
    await this.outbox
      .publish([recorded.outboxId])
      .catch((error: unknown) => this.logger.warn(`publishing the check of ${upload.versionId} failed: ${describe(error)}`));
    return recorded.version;
  }

  /** Deletes a stored upload; a failure is logged, not thrown, so it never hides the error that led here. */
  async discardUpload(key: string): Promise<void> {
    await this.storage.delete(key).catch((error: unknown) => this.logger.warn(`could not delete the upload ${key}: ${describe(error)}`));
  }

  async list(reader: SubmissionReader, filter: SubmissionFilter): Promise<{ items: AnalysisVersion[]; total: number }> {
    const where: FindOptionsWhere<AnalysisVersion> = { ...this.ownedBy(reader) };
    if (filter.status) where.status = filter.status;
    if (filter.quarantined !== undefined) {
      // The flag moves because of one person's run: a developer must not be able to read it, even as a filter.
      if (reader.role !== 'admin') throw new DomainError('forbidden', 'Only admins can filter submissions by quarantine');
      where.quarantinedAt = filter.quarantined ? Not(IsNull()) : IsNull();
    }
    const order: FindOptionsOrder<AnalysisVersion> = filter.quarantined ? { quarantinedAt: 'DESC', id: 'ASC' } : { createdAt: 'DESC', id: 'ASC' };
    const [items, total] = await this.versions.findAndCount({ where, order, skip: filter.offset, take: filter.limit });
    return { items, total };
  }

  /** Someone else's submission is answered like a missing one. */
  async get(reader: SubmissionReader, id: string): Promise<AnalysisVersion> {
    const version = await this.versions.findOneBy({ id, ...this.ownedBy(reader) });
    if (!version) throw new DomainError('not_found', `No submission ${id}`);
    return version;
  }

  /**
   * An admin's verdict on a submission awaiting review. Approval publishes the version bound to the image
   * ID the checks found (a version without one cannot be approved); the developer gets an event and a
   * notification, once however often this is retried.
   */
  async review(adminId: string, id: string, decision: ReviewDecision, reason: string | null): Promise<AnalysisVersion> {
    const status: AnalysisVersionStatus = decision === 'approve' ? 'published' : 'rejected';
    const { reviewed, recorded } = await this.dataSource.transaction(async (manager) => {
      const version = await manager.findOne(AnalysisVersion, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!version) throw new DomainError('not_found', `No submission ${id}`);
      const verb = decision === 'approve' ? 'approved' : 'rejected';
      if (version.status !== 'awaiting_review') {
        throw new DomainError('conflict', `Submission ${id} is ${version.status}; only a submission awaiting review can be ${verb}`);
      }
      if (decision === 'approve' && !version.imageId) {
        throw new DomainError('conflict', `Submission ${id} has no image ID, so it cannot be approved`);
      }
      // Conditional on the state and image read above: approval is bound to exactly this image.
      const [rows] = (await manager.query(
        `UPDATE analysis_versions
            SET status = $3::text, review_reason = $4, reviewed_by = $5, reviewed_at = now(),
                published_at = CASE WHEN $3::text = 'published' THEN now() END,
                approved_image_id = CASE WHEN $3::text = 'published' THEN image_id END,
                row_version = row_version + 1, updated_at = now()
          WHERE id = $1 AND row_version = $2 AND status = 'awaiting_review' AND image_id IS NOT DISTINCT FROM $6::text
          RETURNING id`,
        [id, version.rowVersion, status, reason, adminId, version.imageId],
      )) as [Array<{ id: string }>, number];
      if (rows.length === 0) throw new DomainError('conflict', `Submission ${id} changed while it was being reviewed; reload it`);
      if (status === 'published') await this.refreshListing(manager, version);

      const { manifest } = version;
      await audit(manager, {
        actorId: adminId,
        subjectUserId: version.submittedBy,
        action: `submission.${verb}`,
        targetId: id,
        detail: { analysis: manifest.name, version: manifest.version, imageId: version.imageId, reason },
      });
      const headline = `${manifest.title} ${manifest.version}`;
      const event = await this.events.record(manager, {
        userId: version.submittedBy,
        type: `submission.${status}`,
        subjectId: id,
        payload: { submissionId: id, analysis: manifest.name, version: manifest.version, status, reason, imageId: version.imageId },
        dedupeKey: `submission:${id}:reviewed`,
        notification:
          status === 'published'
            ? { title: `${headline} is published`, body: `It was approved and is now in the catalogue.${reason ? ` Reviewer's note: ${reason}` : ''}` }
            : { title: `${headline} was rejected`, body: `Reason: ${reason ?? 'none given'}` },
      });
      return { reviewed: await manager.findOneByOrFail(AnalysisVersion, { id }), recorded: event };
    });
    if (status === 'published') this.catalogue.forgetPages();
    await this.events.publish(recorded);
    return reviewed;
  }

  private ownedBy(reader: SubmissionReader): FindOptionsWhere<AnalysisVersion> {
    return reader.role === 'admin' ? {} : { submittedBy: reader.id };
  }

  /** The quick answer before an upload: the same checks as `record`, without locks. */
  private async assertSubmittable(developerId: string, manifest: Manifest): Promise<void> {
    const analysis = await this.analyses.findOneBy({ slug: manifest.name });
    if (!analysis) return;
    if (analysis.ownerId !== developerId) throw nameTaken(manifest);
    if (await this.versions.exists({ where: { analysisId: analysis.id, version: manifest.version } })) throw versionTaken(manifest);
  }

  /**
   * The analysis row for the manifest's name, created for the submitter on its first submission and locked
   * for the rest of the transaction, so two submissions of one analysis are recorded one after the other.
   */
  private async claimName(manager: EntityManager, developerId: string, manifest: Manifest): Promise<string> {
    await manager.query(
      `INSERT INTO analyses (slug, owner_id, title, description, category, price) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (slug) DO NOTHING`,
      [manifest.name, developerId, manifest.title, manifest.description, manifest.category, manifest.price],
    );
    const [analysis] = (await manager.query(`SELECT id, owner_id FROM analyses WHERE slug = $1 FOR UPDATE`, [manifest.name])) as Array<{
      id: string;
      owner_id: string;
    }>;
    // One row: the insert above made it or found it, and analyses are never deleted.
    if (analysis!.owner_id !== developerId) throw nameTaken(manifest);
    return analysis!.id;
  }

  /**
   * The listing shows the newest published version's title, description and category, so text reaches the
   * catalogue only once an admin has approved it.
   */
  private async refreshListing(manager: EntityManager, approved: AnalysisVersion): Promise<void> {
    const published = await manager.find(AnalysisVersion, {
      where: { analysisId: approved.analysisId, status: 'published' },
      select: { id: true, version: true },
    });
    if (newestFirst(published)[0]?.id !== approved.id) return;
    const { title, description, category, price } = approved.manifest;
    await manager.update(Analysis, { id: approved.analysisId }, { title, description, category, price });
  }
}

/** An audit row about a submission, written by a person (developer or admin) inside the caller's transaction. */
async function audit(
  manager: EntityManager,
  entry: { actorId: string; subjectUserId: string; action: string; targetId: string; detail: Record<string, unknown> },
): Promise<void> {
  await manager.query(
    `INSERT INTO audit_events (actor_id, actor, subject_user_id, action, target_type, target_id, detail) VALUES ($1, $2, $3, $4, 'analysis_version', $5, $6)`,
    [entry.actorId, `user:${entry.actorId}`, entry.subjectUserId, entry.action, entry.targetId, entry.detail],
  );
}

function nameTaken(manifest: Manifest): DomainError {
  return new DomainError('conflict', `The analysis name ${manifest.name} belongs to another developer`);
}

function versionTaken(manifest: Manifest): DomainError {
  return new DomainError('conflict', `Version ${manifest.version} of ${manifest.name} was already submitted; submit a new version`);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
