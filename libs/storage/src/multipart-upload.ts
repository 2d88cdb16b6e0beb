import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

export interface PartUploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  contentType?: string;
}

export interface PartUploadTuning {
  /** Every part but the last has exactly this many bytes (S3 wants at least 5 MiB). */
  partBytes: number;
  /** Parts sent at once; at most this many plus the one being filled are held in memory. */
  concurrency: number;
  /** Told about a failure to clean up, which never replaces the error that led to it. */
  warn: (message: string) => void;
}

/** Splits a stream of chunks into parts of exactly `partBytes` (the last one shorter). */
class PartChunker {
  private chunks: Buffer[] = [];
  private held = 0;

  constructor(private readonly partBytes: number) {}

  /** The parts completed by this chunk. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.held += chunk.length;
    const parts: Buffer[] = [];
    while (this.held >= this.partBytes) {
      const joined = Buffer.concat(this.chunks, this.held);
      parts.push(joined.subarray(0, this.partBytes));
      const rest = joined.subarray(this.partBytes);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.held = rest.length;
    }
    return parts;
  }

  /** Whatever is left once the stream has ended. */
  rest(): Buffer {
    return Buffer.concat(this.chunks, this.held);
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** s3rver answers AbortMultipartUpload with 405 MethodNotAllowed; other emulators may say NotImplemented. */
function cannotAbort(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return statusOf(error) === 405 || statusOf(error) === 501 || name === 'MethodNotAllowed' || name === 'NotImplemented';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Streams a body of unknown length to one object: a body that fits in one part goes up in a single PUT,
 * a larger one as a multipart upload with at most `concurrency` parts in flight.
 *
 * However it ends, it leaves no multipart upload open. When the body fails (a client that went away) or
 * S3 does, reading stops, the parts in flight are waited for (S3 may otherwise keep a part that lands
 * after the abort), and the upload is aborted. An endpoint that cannot abort (the embedded s3rver keeps
 * an upload's parts on disk until it is completed) gets the upload completed instead and the object
 * deleted: the only way it lets go of the parts.
 */
export async function uploadInParts(body: Readable, target: PartUploadTarget, tuning: PartUploadTuning): Promise<void> {
  const { client, bucket, key, contentType } = target;
  const chunker = new PartChunker(tuning.partBytes);
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let uploadId: string | undefined;
  let partFailure: unknown;
  let partCount = 0;

  const send = (data: Buffer): void => {
    const partNumber = ++partCount;
    const sending = client
      .send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: data, ContentLength: data.length }))
      .then((answer) => {
        if (!answer.ETag) throw new Error(`S3 returned no ETag for part ${partNumber} of ${JSON.stringify(key)}`);
        parts.push({ PartNumber: partNumber, ETag: answer.ETag });
      })
      .catch((error: unknown) => {
        partFailure ??= error;
      })
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };
  const throwIfAPartFailed = (): void => {
    // Whatever the S3 client rejected with, thrown on as it came (an Error in practice).
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (partFailure !== undefined) throw partFailure;
  };

  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      for (const part of chunker.push(chunk)) {
        throwIfAPartFailed();
        uploadId ??= await createUpload(target);
        while (inFlight.size >= tuning.concurrency) await Promise.race(inFlight);
        throwIfAPartFailed();
        send(part);
      }
      throwIfAPartFailed();
    }
    const last = chunker.rest();
    if (uploadId === undefined) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: last, ContentLength: last.length, ContentType: contentType }));
      return;
    }
    if (last.length > 0) send(last);
    await Promise.all(inFlight);
    throwIfAPartFailed();
    await completeUpload(target, uploadId, parts);
  } catch (error) {
    body.destroy();
    await Promise.allSettled(inFlight);
    if (uploadId !== undefined) await closeAbandonedUpload(target, uploadId, parts, tuning.warn);
    throw error;
  }
}

async function createUpload({ client, bucket, key, contentType }: PartUploadTarget): Promise<string> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }));
  if (!UploadId) throw new Error(`S3 returned no upload id for ${JSON.stringify(key)}`);
  return UploadId;
}

async function completeUpload({ client, bucket, key }: PartUploadTarget, uploadId: string, parts: CompletedPart[]): Promise<void> {
  const ordered = [...parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
  await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: ordered } }));
}

/** Aborts the upload, or where the endpoint cannot abort, completes it and deletes the object. Never throws. */
async function closeAbandonedUpload(target: PartUploadTarget, uploadId: string, parts: CompletedPart[], warn: (message: string) => void): Promise<void> {
  const { client, bucket, key } = target;
  try {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    return;
  } catch (error) {
    if (!cannotAbort(error)) {
      warn(`could not abort the multipart upload of ${key} (${uploadId}): ${describe(error)}; a bucket lifecycle rule for incomplete uploads removes it`);
      return;
    }
  }
  try {
    if (parts.length === 0) {
      const { ETag } = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: Buffer.alloc(0), ContentLength: 0 }),
      );
      parts.push({ PartNumber: 1, ETag });
    }
    await completeUpload(target, uploadId, parts);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    warn(`could not close the abandoned multipart upload of ${key} (${uploadId}) on an endpoint without AbortMultipartUpload: ${describe(error)}`);
  }
}
