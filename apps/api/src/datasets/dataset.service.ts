import { randomUUID } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { AuditRepository, type Dataset, DatasetsRepository, type DatasetUsage, type Transaction, TransactionRunner, UsersRepository } from '@lockbox/db';
import type { AuditAction } from '@lockbox/events';
import { DomainError, QuotaExceededError } from '@lockbox/errors';
import { OutboxService } from '@lockbox/outbox';
import { ObjectStorageRepository, rawUploadKey, type StoredObject } from '@lockbox/storage';
import { parseMultipart } from '../common/multipart';
import { DATASET_FORMAT_MAX_BYTES, DATASET_MAPPING_MAX_BYTES, DATASET_NAME_MAX_BYTES, parseDatasetUploadFields, UPLOAD_SOURCE } from './dataset-upload-fields';

interface StoredUpload extends StoredObject {
  filename: string;
}

/**
 * Users' datasets: the upload is streamed to the raw zone first, then the row, its ingest job (outbox)
 * and the audit event are written in one transaction. Every query is scoped to the owner.
 */
@Injectable()
export class DatasetService {
  private readonly logger = new Logger(DatasetService.name);

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly transactions: TransactionRunner,
    private readonly datasets: DatasetsRepository,
    private readonly users: UsersRepository,
    private readonly auditTrail: AuditRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * Streams a multipart upload to S3 and queues its ingestion. Whatever goes wrong, no object is left
   * behind. The quotas are checked before a byte is read, the upload is stopped as soon as it would pass
   * the user's bytes quota, and both are checked again, for good, in the transaction that records it.
   */
  async upload(userId: string, request: Request): Promise<Dataset> {
    const usage = await this.datasets.usageOf(userId);
    this.assertRoomForAnother(usage);
    const id = randomUUID();
    const uploadedAt = new Date();
    // The file part may arrive before the format field, so its key cannot wait for the format: the raw
    // zone files every upload under one source, as received; the curated zone files records under the format's.
    const rawKey = rawUploadKey({ userId, source: UPLOAD_SOURCE, date: uploadedAt, datasetId: id });
    let fileStarted = false;
    try {
      const { fields, files } = await parseMultipart<StoredUpload>(request, {
        files: { file: { maxBytes: this.config.limits.datasetUploadMaxBytes } },
        fields: {
          format: { maxBytes: DATASET_FORMAT_MAX_BYTES },
          name: { maxBytes: DATASET_NAME_MAX_BYTES },
          mapping: { maxBytes: DATASET_MAPPING_MAX_BYTES },
        },
        handleFile: async (file) => {
          fileStarted = true;
          const object = await this.storage.putStream(rawKey, this.withinBytesQuota(file.stream, usage), { contentType: 'application/octet-stream' });
          return { ...object, filename: file.filename };
        },
      });
      const upload = files.file;
      if (!upload) throw new DomainError('invalid', 'A "file" part with the dataset is required');
      const { format, source, name, mapping } = parseDatasetUploadFields(fields, upload.filename);
      if (upload.size === 0) throw new DomainError('invalid', 'The file is empty');

      const { dataset, outboxId } = await this.transactions.run(async (transaction) => {
        // Uploads of one user at once each passed the first check: this one decides.
        await this.users.lockQuotas(transaction, userId);
        this.assertRoomForAnother(await this.datasets.usageOf(userId, transaction), upload.size);
        const dataset = await this.datasets.createUploaded(transaction, {
          id,
          userId,
          name,
          format,
          source,
          mapping,
          sizeBytes: upload.size,
          sha256: upload.sha256,
          rawKey,
        });
        const outboxId = await this.outbox.add(transaction, { type: 'dataset.ingest', id });
        await this.audit(transaction, userId, 'dataset.uploaded', id, { name, format, sizeBytes: upload.size, sha256: upload.sha256 });
        return { dataset, outboxId };
      });
      // After the commit nothing may fail the request: if the queue is away, the outbox poller sends it.
      await this.outbox.publish([outboxId]).catch((error: unknown) => this.logger.warn(`dataset ${id}: ingest job not sent yet: ${describe(error)}`));
      return dataset;
    } catch (error) {
      // Refused or failed part-way: whatever reached S3 (part of the file, or all of it) must not stay.
      if (fileStarted) await this.deleteQuietly(rawKey);
      throw error;
    }
  }

  /** Room for one more dataset of `bytes` (unknown before the upload: then, room for at least one byte). */
  private assertRoomForAnother(usage: DatasetUsage, bytes = 1): void {
    const { datasets: limit, datasetBytes } = this.config.quotas;
    if (usage.datasets >= limit) {
      throw new QuotaExceededError(
        'datasets',
        limit,
        usage.datasets,
        `You have ${usage.datasets} datasets, the most allowed (${limit}); delete one to upload another`,
      );
    }
    if (usage.bytes + bytes > datasetBytes) throw this.bytesQuotaExceeded(usage);
  }

  private bytesQuotaExceeded(usage: DatasetUsage): QuotaExceededError {
    const limit = this.config.quotas.datasetBytes;
    return new QuotaExceededError(
      'dataset_bytes',
      limit,
      usage.bytes,
      `Your datasets hold ${usage.bytes} bytes, and this upload would take them past the limit of ${limit} bytes; delete a dataset to make room`,
    );
  }

  /** Fails the upload as soon as it passes what the user's bytes quota has room for, so no more of it is stored. */
  private withinBytesQuota(stream: Readable, usage: DatasetUsage): Readable {
    const room = this.config.quotas.datasetBytes - usage.bytes;
    let seen = 0;
    const counted = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        seen += chunk.length;
        callback(seen > room ? this.bytesQuotaExceeded(usage) : null, chunk);
      },
    });
    stream.on('error', (error: Error) => counted.destroy(error));
    return stream.pipe(counted);
  }

  async list(userId: string, offset: number, limit: number): Promise<{ items: Dataset[]; total: number }> {
    return this.datasets.pageOwned(userId, offset, limit);
  }

  /** Someone else's dataset is answered exactly like one that does not exist. */
  async get(userId: string, id: string): Promise<Dataset> {
    const dataset = await this.datasets.findOwned(userId, id);
    if (!dataset) throw new DomainError('not_found', 'Dataset not found');
    return dataset;
  }

  /**
   * Erases the raw upload and every curated copy, then the row. Objects go first: if erasing fails the
   * row stays, so the user can try again and nothing is forgotten. An ingestion still running finds
   * the row gone when it finishes and erases what it wrote itself.
   */
  async delete(userId: string, id: string): Promise<void> {
    const dataset = await this.get(userId, id);
    await this.storage.delete(dataset.rawKey);
    const erased = dataset.curatedPrefix ? await this.storage.deletePrefix(dataset.curatedPrefix) : 0;
    const curatedPrefix = await this.transactions.run(async (transaction) => {
      // The dataset's record keys go with its row: the person's other datasets keep all of theirs.
      const deleted = await this.datasets.deleteOwned(transaction, userId, id);
      if (!deleted) throw new DomainError('not_found', 'Dataset not found');
      await this.audit(transaction, userId, 'dataset.deleted', id, { name: dataset.name, curatedObjectsDeleted: erased });
      return deleted.curatedPrefix;
    });
    // An ingestion that started after we read the row has set its prefix since: erase that too.
    if (curatedPrefix && curatedPrefix !== dataset.curatedPrefix) await this.storage.deletePrefix(curatedPrefix);
  }

  private async audit(
    transaction: Transaction,
    userId: string,
    action: AuditAction,
    datasetId: string,
    detail: Record<string, string | number>,
  ): Promise<void> {
    await this.auditTrail.record(transaction, {
      actorId: userId,
      actor: `user:${userId}`,
      subjectUserId: userId,
      action,
      targetType: 'dataset',
      targetId: datasetId,
      detail,
    });
  }

  private async deleteQuietly(key: string): Promise<void> {
    await this.storage.delete(key).catch((error: unknown) => this.logger.error(`could not delete the abandoned upload ${key}: ${describe(error)}`));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
