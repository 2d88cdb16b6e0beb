import { createHash } from 'node:crypto';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { S3Config } from '@lockbox/config';
import { uploadInParts } from './multipart-upload';

/** Above this a single PUT is refused by S3, so known-length bodies go multipart too. */
const SINGLE_PUT_MAX_BYTES = 5 * 1024 ** 3;
const MULTIPART_PART_BYTES = 8 * 1024 * 1024;
const MULTIPART_CONCURRENCY = 4;
const DELETE_BATCH_MAX = 1000;
const KEY_MAX_BYTES = 1024;

export interface PutOptions {
  contentType?: string;
  /** When known, the body goes up in one streaming PUT and must have exactly this many bytes. */
  contentLength?: number;
}

export interface StoredObject {
  size: number;
  /** Hex sha256 of the bytes stored, computed while streaming. */
  sha256: string;
}

export interface ObjectHead {
  size: number;
  contentType?: string;
}

export interface ObjectSummary {
  key: string;
  size: number;
  lastModified?: Date;
}

export class InvalidObjectKeyError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`Invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidObjectKeyError';
  }
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No object at ${JSON.stringify(key)}`);
    this.name = 'ObjectNotFoundError';
  }
}

export class ObjectTooLargeError extends Error {
  constructor(
    readonly key: string,
    readonly maxBytes: number,
    readonly size?: number,
  ) {
    super(`Object ${JSON.stringify(key)} is larger than ${maxBytes} bytes${size === undefined ? '' : ` (${size} bytes)`}`);
    this.name = 'ObjectTooLargeError';
  }
}

/** The body of a putStream did not have the declared contentLength. */
export class ContentLengthMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(actual > expected ? `Body is longer than the ${expected} bytes declared` : `Body has only ${actual} of the ${expected} bytes declared`);
    this.name = 'ContentLengthMismatchError';
  }
}

/** Keys are built by callers from ids; refuse anything that could climb out of its prefix on a file-backed store. */
export function assertObjectKey(key: string, what = 'key'): void {
  if (key.length === 0) throw new InvalidObjectKeyError(key, `${what} is empty`);
  if (key.startsWith('/')) throw new InvalidObjectKeyError(key, `${what} starts with "/"`);
  if (Buffer.byteLength(key) > KEY_MAX_BYTES) throw new InvalidObjectKeyError(key, `${what} is longer than ${KEY_MAX_BYTES} bytes`);
  if ([...key].some((char) => char.charCodeAt(0) < 0x20 || char === '\u007f' || char === '\\')) {
    throw new InvalidObjectKeyError(key, `${what} contains a control character or "\\"`);
  }
  if (key.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new InvalidObjectKeyError(key, `${what} has a "." or ".." segment`);
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

/**
 * Hashes and counts the bytes passing through, and holds the body to its declared length. (The count is not
 * called `size`: AWS SDK helpers read a body's `size` as its total length.)
 */
class DigestStream extends Transform {
  bytes = 0;
  mismatch?: ContentLengthMismatchError;
  private readonly hash = createHash('sha256');

  constructor(private readonly expectedLength?: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expectedLength !== undefined && this.bytes > this.expectedLength) {
      this.mismatch = new ContentLengthMismatchError(this.expectedLength, this.bytes);
      return callback(this.mismatch);
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedLength !== undefined && this.bytes !== this.expectedLength) {
      this.mismatch = new ContentLengthMismatchError(this.expectedLength, this.bytes);
      return callback(this.mismatch);
    }
    callback();
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * The object store (AWS S3 or the embedded s3rver): one bucket, keys chosen by callers. Bodies are
 * streamed both ways; nothing here holds a whole object in memory except getBuffer, which is capped.
 */
export class ObjectStorageRepository implements OnApplicationShutdown {
  private readonly logger = new Logger(ObjectStorageRepository.name);
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(private readonly config: S3Config) {
    this.bucket = config.bucket;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      credentials: config.credentials,
      forcePathStyle: config.forcePathStyle,
      // Only checksum when S3 demands it: older emulators would otherwise store aws-chunked framing or reject trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 5_000 },
      // Only the SDK's warnings: it logs every request at info and every failed one at error, and failures reach the caller anyway.
      logger: { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (message) => this.logger.warn(message), error: () => undefined },
    });
  }

  /** Creates the bucket unless it already exists. */
  async ensureBucket(): Promise<void> {
    if (await this.bucketExists()) return;
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          ...(this.config.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: this.config.region as BucketLocationConstraint } }),
        }),
      );
    } catch (error) {
      const name = (error as { name?: string }).name;
      // Lost a race with another instance (s3rver says BucketAlreadyExists even for its own bucket).
      if ((name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') && (await this.bucketExists())) return;
      throw error;
    }
  }

  /**
   * Streams a body to `key`, hashing it on the way. With a known length it is one streaming PUT; otherwise
   * a multipart upload that holds at most a few parts in memory. When the body or S3 fails part-way,
   * nothing is left: no object from this call, and no multipart upload open.
   */
  async putStream(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    assertObjectKey(key);
    const { contentLength, contentType } = options;
    const digest = new DigestStream(contentLength);
    // The SDK's HTTP handler does not end or abort a request whose body stream fails; it would wait for
    // the response for ever. Abort it ourselves.
    const failed = new AbortController();
    let bodyError: Error | undefined;
    pipeline(body, digest, (error) => {
      if (!error) return;
      bodyError ??= error;
      failed.abort(error);
    });
    try {
      if (contentLength !== undefined && contentLength <= SINGLE_PUT_MAX_BYTES) {
        try {
          await this.client.send(
            new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: digest, ContentLength: contentLength, ContentType: contentType }),
            { abortSignal: failed.signal },
          );
        } catch (error) {
          // The SDK reports our abort as its own AbortError: the body's failure is the one that matters.
          throw bodyError ?? error;
        }
      } else {
        // Reads the body itself, so it throws the body's own error when that is what failed.
        await uploadInParts(
          digest,
          { client: this.client, bucket: this.bucket, key, contentType },
          { partBytes: MULTIPART_PART_BYTES, concurrency: MULTIPART_CONCURRENCY, warn: (message) => this.logger.warn(message) },
        );
      }
    } catch (error) {
      digest.destroy();
      body.destroy();
      throw digest.mismatch ?? error;
    }
    if (digest.mismatch) throw digest.mismatch;
    return { size: digest.bytes, sha256: digest.digest() };
  }

  async putBuffer(key: string, buffer: Buffer, contentType?: string): Promise<StoredObject> {
    assertObjectKey(key);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: buffer, ContentLength: buffer.length, ContentType: contentType }));
    return { size: buffer.length, sha256: createHash('sha256').update(buffer).digest('hex') };
  }

  /** The object's bytes as a stream; throws ObjectNotFoundError. The caller must consume or destroy it. */
  async getStream(key: string): Promise<Readable> {
    return (await this.getObject(key)).body;
  }

  /** Reads a small object whole; throws ObjectTooLargeError past `maxBytes` without reading further. */
  async getBuffer(key: string, options: { maxBytes: number }): Promise<Buffer> {
    const { maxBytes } = options;
    const { body, size } = await this.getObject(key);
    if (size !== undefined && size > maxBytes) {
      body.destroy();
      throw new ObjectTooLargeError(key, maxBytes, size);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        body.destroy();
        throw new ObjectTooLargeError(key, maxBytes);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, total);
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    assertObjectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0, contentType: head.ContentType };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Idempotent: deleting a missing key succeeds. */
  async delete(key: string): Promise<void> {
    assertObjectKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /**
   * Deletes every object whose key starts with `prefix` (a plain string prefix: "a/1" also matches "a/10";
   * end it with "/" to mean a folder). Returns how many were deleted.
   */
  async deletePrefix(prefix: string): Promise<number> {
    assertObjectKey(prefix, 'prefix');
    let deleted = 0;
    for await (const page of this.pages(prefix)) {
      for (let start = 0; start < page.length; start += DELETE_BATCH_MAX) {
        const keys = page.slice(start, start + DELETE_BATCH_MAX).map((object) => ({ Key: object.key }));
        const { Errors } = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }));
        if (Errors && Errors.length > 0) {
          const first = Errors[0]!;
          throw new Error(`Could not delete ${Errors.length} object(s) under ${JSON.stringify(prefix)}, e.g. ${first.Key}: ${first.Code} ${first.Message}`);
        }
        deleted += keys.length;
      }
    }
    return deleted;
  }

  /** Every object under `prefix` ("" lists the bucket), in key order. */
  async list(prefix: string): Promise<ObjectSummary[]> {
    if (prefix !== '') assertObjectKey(prefix, 'prefix');
    const objects: ObjectSummary[] = [];
    for await (const page of this.pages(prefix)) objects.push(...page);
    return objects;
  }

  /** Answers when the bucket is reachable; used by health checks. */
  async ping(timeoutMs = 3_000): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: AbortSignal.timeout(timeoutMs) });
  }

  /** Synchronous, but a promise like every repository's shutdown, which callers await alike. */
  onApplicationShutdown(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }

  private async getObject(key: string): Promise<{ body: Readable; size?: number }> {
    assertObjectKey(key);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!(object.Body instanceof Readable)) throw new Error(`S3 returned no readable body for ${JSON.stringify(key)}`);
      return { body: object.Body, size: object.ContentLength };
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  /**
   * Pages of a listing. ListObjects (v1) with the last key as marker, not ListObjectsV2: s3rver mints v2
   * continuation tokens with DES, which OpenSSL 3 refuses, so every truncated v2 listing fails there.
   */
  private async *pages(prefix: string): AsyncGenerator<ObjectSummary[]> {
    let marker: string | undefined;
    for (;;) {
      const page = await this.client.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix || undefined, Marker: marker }));
      const objects = (page.Contents ?? []).map((object) => ({ key: object.Key ?? '', size: object.Size ?? 0, lastModified: object.LastModified }));
      if (objects.length > 0) yield objects;
      if (!page.IsTruncated || objects.length === 0) return;
      marker = page.NextMarker ?? objects[objects.length - 1]!.key;
    }
  }

  private async bucketExists(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
