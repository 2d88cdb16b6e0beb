import { randomUUID } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource, type EntityManager, Repository } from 'typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { AuditEvent, Dataset } from '@lockbox/db';
import { DomainError, QuotaExceededError } from '@lockbox/errors';
import { OutboxService } from '@lockbox/outbox';
import { ObjectStorageRepository, rawUploadKey, type StoredObject } from '@lockbox/storage';
import { parseMultipart } from '../common/multipart';
import { lockUserQuotas } from '../common/quotas';
import { DATASET_FORMAT_MAX_BYTES, DATASET_NAME_MAX_BYTES, parseDatasetUploadFields, UPLOAD_SOURCE } from './dataset-upload-fields';

interface StoredUpload extends StoredObject {
  filename: string;
}

/** What a user's datasets take up, against the `datasets` and `dataset_bytes` quotas. */
interface DatasetUsage {
  datasets: number;
  bytes: number;
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
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Dataset) private readonly datasets: Repository<Dataset>,
    private readonly storage: ObjectStorageRepository,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * Streams a multipart upload to S3 and queues its ingestion. Whatever goes wrong, no object is left
   * behind. The quotas are checked before a byte is read, the upload is stopped as soon as it would pass
   * the user's bytes quota, and both are checked again, for good, in the transaction that records it.
   */
  async upload(userId: string, request: Request): Promise<Dataset> {
    const usage = await this.usage(this.dataSource.manager, userId);
    this.assertRoomForAnother(usage);
    const id = randomUUID();
    const uploadedAt = new Date();
    // The file part may arrive before the format field, so its key cannot wait for the format: uploads
    // are filed under the one source every supported format has today (checked below).
    const rawKey = rawUploadKey({ userId, source: UPLOAD_SOURCE, date: uploadedAt, datasetId: id });
    let fileStarted = false;
    try {
      const { fields, files } = await parseMultipart<StoredUpload>(request, {
        files: { file: { maxBytes: this.config.limits.datasetUploadMaxBytes } },
        fields: { format: { maxBytes: DATASET_FORMAT_MAX_BYTES }, name: { maxBytes: DATASET_NAME_MAX_BYTES } },
        handleFile: async (file) => {
          fileStarted = true;
          const object = await this.storage.putStream(rawKey, this.withinBytesQuota(file.stream, usage), { contentType: 'application/x-ndjson' });
          return { ...object, filename: file.filename };
        },
      });
      const upload = files.file;
      if (!upload) throw new DomainError('invalid', 'A "file" part with the dataset is required');
      const { format, source, name } = parseDatasetUploadFields(fields, upload.filename);
      if (source !== UPLOAD_SOURCE) throw new Error(`format ${format} has source ${source}, but uploads are filed under ${UPLOAD_SOURCE}`);
      if (upload.size === 0) throw new DomainError('invalid', 'The file is empty');

      const { dataset, outboxId } = await this.dataSource.transaction(async (manager) => {
        // Uploads of one user at once each passed the first check: this one decides.
        await lockUserQuotas(manager, userId);
        this.assertRoomForAnother(await this.usage(manager, userId), upload.size);
        await manager.insert(Dataset, { id, userId, name, format, source, status: 'uploaded', sizeBytes: upload.size, sha256: upload.sha256, rawKey });
        const outboxId = await this.outbox.add(manager, { type: 'dataset.ingest', id });
        await this.audit(manager, userId, 'dataset.uploaded', id, { name, format, sizeBytes: upload.size, sha256: upload.sha256 });
        return { dataset: await manager.findOneByOrFail(Dataset, { id }), outboxId };
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

  private async usage(manager: EntityManager, userId: string): Promise<DatasetUsage> {
    const [row] = (await manager.query(`SELECT count(*)::int AS datasets, coalesce(sum(size_bytes), 0)::text AS bytes FROM datasets WHERE user_id = $1`, [
      userId,
    ])) as [
      {
        datasets: number;
        bytes: string;
      },
    ];
    return { datasets: row.datasets, bytes: Number(row.bytes) };
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
    const [items, total] = await this.datasets.findAndCount({ where: { userId }, order: { createdAt: 'DESC', id: 'DESC' }, skip: offset, take: limit });
    return { items, total };
  }

  /** Someone else's dataset is answered exactly like one that does not exist. */
  async get(userId: string, id: string): Promise<Dataset> {
    const dataset = await this.datasets.findOneBy({ id, userId });
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
    const curatedPrefix = await this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(`DELETE FROM datasets WHERE id = $1 AND user_id = $2 RETURNING curated_prefix`, [id, userId])) as [
        Array<{ curated_prefix: string | null }>,
        number,
      ];
      if (rows.length === 0) throw new DomainError('not_found', 'Dataset not found');
      await this.audit(manager, userId, 'dataset.deleted', id, { name: dataset.name, curatedObjectsDeleted: erased });
      return rows[0]!.curated_prefix;
    });
    // An ingestion that started after we read the row has set its prefix since: erase that too.
    if (curatedPrefix && curatedPrefix !== dataset.curatedPrefix) await this.storage.deletePrefix(curatedPrefix);
  }

  private async audit(manager: EntityManager, userId: string, action: string, datasetId: string, detail: Record<string, string | number>): Promise<void> {
    await manager.insert(AuditEvent, {
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
