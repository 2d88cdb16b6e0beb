import { randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Manifest, parseManifest } from '@lockbox/analysis-sdk';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import {
  type AnalysisVersion,
  type AnalysisVersionStatus,
  AuditRepository,
  isUniqueViolation,
  SubmissionStateWriter,
  SubmissionsRepository,
  type Transaction,
  TransactionRunner,
  UsersRepository,
} from '@lockbox/db';
import { DomainError, QuotaExceededError } from '@lockbox/errors';
import { PlatformEventsService } from '@lockbox/events';
import { OutboxService } from '@lockbox/outbox';
import { ObjectStorageRepository } from '@lockbox/storage';
import { CatalogueService } from '../analyses/catalogue.service';
import { newestFirst } from '../analyses/published-versions';
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
    private readonly transactions: TransactionRunner,
    private readonly submissions: SubmissionsRepository,
    private readonly states: SubmissionStateWriter,
    private readonly audit: AuditRepository,
    private readonly users: UsersRepository,
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
  async assertRoomForSubmission(developerId: string, transaction?: Transaction): Promise<void> {
    const limit = this.config.quotas.pendingSubmissions;
    const pending = await this.submissions.countPendingForDeveloper(developerId, transaction);
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
      recorded = await this.transactions.run(async (transaction) => {
        // Submissions of one developer at once each passed the quick check: this one decides.
        await this.users.lockQuotas(transaction, developerId);
        await this.assertRoomForSubmission(developerId, transaction);
        const analysis = await this.submissions.claimAnalysisName(transaction, developerId, manifest);
        if (analysis.ownerId !== developerId) throw nameTaken(manifest);
        if (await this.submissions.versionExists(analysis.id, manifest.version, transaction)) throw versionTaken(manifest);
        // Read back as committed: once published, a worker may move it on before the response is sent.
        const version = await this.submissions.insertSubmitted(transaction, {
          versionId: upload.versionId,
          analysisId: analysis.id,
          manifest,
          developerId,
          uploadKey: upload.key,
          uploadBytes: upload.bytes,
          uploadSha256: upload.sha256,
        });
        await this.audit.record(transaction, {
          actorId: developerId,
          actor: `user:${developerId}`,
          subjectUserId: developerId,
          action: 'submission.created',
          targetType: 'analysis_version',
          targetId: upload.versionId,
          detail: { analysis: manifest.name, version: manifest.version, uploadBytes: upload.bytes, uploadSha256: upload.sha256 },
        });
        const outboxId = await this.outbox.add(transaction, { type: 'submission.check', id: upload.versionId });
        return { version, outboxId };
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
    // The flag moves because of one person's run: a developer must not be able to read it, even as a filter.
    if (filter.quarantined !== undefined && reader.role !== 'admin') throw new DomainError('forbidden', 'Only admins can filter submissions by quarantine');
    return this.submissions.page({ ...filter, submittedBy: this.ownedBy(reader) });
  }

  /** Someone else's submission is answered like a missing one. */
  async get(reader: SubmissionReader, id: string): Promise<AnalysisVersion> {
    const version = await this.submissions.find(id, this.ownedBy(reader));
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
    const { reviewed, recorded } = await this.transactions.run(async (transaction) => {
      const version = await this.submissions.lock(transaction, id);
      if (!version) throw new DomainError('not_found', `No submission ${id}`);
      const verb = decision === 'approve' ? 'approved' : 'rejected';
      if (version.status !== 'awaiting_review') {
        throw new DomainError('conflict', `Submission ${id} is ${version.status}; only a submission awaiting review can be ${verb}`);
      }
      if (decision === 'approve' && !version.imageId) {
        throw new DomainError('conflict', `Submission ${id} has no image ID, so it cannot be approved`);
      }
      // Conditional on the state and image read above: approval is bound to exactly this image.
      const recorded = await this.states.reviewed(transaction, { adminId, version, decision, reason });
      if (recorded === false) throw new DomainError('conflict', `Submission ${id} changed while it was being reviewed; reload it`);
      if (status === 'published') await this.submissions.refreshListing(transaction, version, (published) => newestFirst(published)[0]);
      return { reviewed: (await this.submissions.find(id, undefined, transaction))!, recorded };
    });
    if (status === 'published') this.catalogue.forgetPages();
    await this.events.publish(recorded);
    return reviewed;
  }

  /** Whose submissions the reader sees: their own, or (admins) everyone's. */
  private ownedBy(reader: SubmissionReader): string | undefined {
    return reader.role === 'admin' ? undefined : reader.id;
  }

  /** The quick answer before an upload: the same checks as `record`, without locks. */
  private async assertSubmittable(developerId: string, manifest: Manifest): Promise<void> {
    const analysis = await this.submissions.findAnalysisBySlug(manifest.name);
    if (!analysis) return;
    if (analysis.ownerId !== developerId) throw nameTaken(manifest);
    if (await this.submissions.versionExists(analysis.id, manifest.version)) throw versionTaken(manifest);
  }
}

function nameTaken(manifest: Manifest): DomainError {
  return new DomainError('conflict', `The analysis name ${manifest.name} belongs to another developer`);
}

function versionTaken(manifest: Manifest): DomainError {
  return new DomainError('conflict', `Version ${manifest.version} of ${manifest.name} was already submitted; submit a new version`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
