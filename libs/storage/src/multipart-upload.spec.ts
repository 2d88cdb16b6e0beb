import { PassThrough, Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { uploadInParts } from './multipart-upload';

const PART = 1024;

interface Sent {
  command: string;
  input: Record<string, unknown>;
}

/**
 * Records every command; UploadPart answers only when `releasePart` is called, so a test can hold parts
 * in flight. `abortFails` makes AbortMultipartUpload answer like s3rver (405 MethodNotAllowed).
 */
class FakeS3 {
  readonly sent: Sent[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private waiting: Array<() => void> = [];

  constructor(private readonly options: { abortFails?: boolean; autoRelease?: boolean } = {}) {}

  get client(): S3Client {
    return { send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => this.send(command) } as unknown as S3Client;
  }

  names(): string[] {
    return this.sent.map((entry) => entry.command);
  }

  releaseParts(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const release of waiting) release();
  }

  private async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, '');
    this.sent.push({ command: name, input: command.input });
    switch (name) {
      case 'CreateMultipartUpload':
        return { UploadId: 'upload-1' };
      case 'UploadPart': {
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        if (!this.options.autoRelease) await new Promise<void>((resolve) => this.waiting.push(resolve));
        else await new Promise((resolve) => setImmediate(resolve));
        this.inFlight--;
        return { ETag: `"etag-${String(command.input.PartNumber)}"` };
      }
      case 'AbortMultipartUpload':
        if (this.options.abortFails)
          throw Object.assign(new Error('The specified method is not allowed'), { name: 'MethodNotAllowed', $metadata: { httpStatusCode: 405 } });
        return {};
      default:
        return {};
    }
  }
}

const target = (s3: FakeS3) => ({ client: s3.client, bucket: 'bucket', key: 'raw/object' });
const tuning = (warnings: string[] = []) => ({ partBytes: PART, concurrency: 2, warn: (message: string) => warnings.push(message) });

function bytes(count: number): Buffer {
  return Buffer.alloc(count, 7);
}

describe('uploadInParts', () => {
  it('sends a body that fits in one part as a single PUT', async () => {
    const s3 = new FakeS3();
    await uploadInParts(Readable.from([bytes(PART - 1)]), target(s3), tuning());
    expect(s3.names()).toEqual(['PutObject']);
    expect(s3.sent[0]!.input.ContentLength).toBe(PART - 1);
  });

  it('sends parts of exactly the part size, the last shorter, and completes them in order', async () => {
    const s3 = new FakeS3({ autoRelease: true });
    await uploadInParts(Readable.from([bytes(PART / 2), bytes(PART * 2), bytes(PART / 4)]), target(s3), tuning());
    expect(s3.names()).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
    expect(s3.sent.filter((entry) => entry.command === 'UploadPart').map((entry) => entry.input.ContentLength)).toEqual([PART, PART, PART / 2 + PART / 4]);
    expect(s3.sent.at(-1)!.input.MultipartUpload).toEqual({
      Parts: [1, 2, 3].map((number) => ({ PartNumber: number, ETag: `"etag-${number}"` })),
    });
  });

  it('holds at most `concurrency` parts in flight, reading no further until one is done', async () => {
    const s3 = new FakeS3();
    const body = new PassThrough();
    const done = uploadInParts(body, target(s3), tuning());
    for (let part = 0; part < 5; part++) body.write(bytes(PART));
    body.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(s3.inFlight).toBe(2);
    expect(s3.names().filter((name) => name === 'UploadPart')).toHaveLength(2);
    while (s3.names().filter((name) => name === 'UploadPart').length < 5 || s3.inFlight > 0) {
      s3.releaseParts();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    expect(s3.maxInFlight).toBe(2);
    expect(s3.names().at(-1)).toBe('CompleteMultipartUpload');
  });

  it('on a body that fails part-way, waits for the parts in flight, then aborts, and throws the body error', async () => {
    const s3 = new FakeS3();
    const body = new PassThrough();
    const done = uploadInParts(body, target(s3), tuning());
    body.write(bytes(PART * 2 + 10));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(s3.inFlight).toBe(2);
    body.destroy(new Error('the client went away'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Nothing is aborted while a part could still land after it.
    expect(s3.names()).not.toContain('AbortMultipartUpload');
    s3.releaseParts();
    await expect(done).rejects.toThrow('the client went away');
    expect(s3.names()).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'AbortMultipartUpload']);
  });

  it('on an endpoint that cannot abort (s3rver: 405), completes the uploaded parts and deletes the object instead', async () => {
    const s3 = new FakeS3({ abortFails: true, autoRelease: true });
    const body = new PassThrough();
    const done = uploadInParts(body, target(s3), tuning());
    body.write(bytes(PART * 2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    body.destroy(new Error('the client went away'));
    await expect(done).rejects.toThrow('the client went away');
    expect(s3.names()).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'AbortMultipartUpload', 'CompleteMultipartUpload', 'DeleteObject']);
    expect(s3.sent[4]!.input.MultipartUpload).toEqual({ Parts: [1, 2].map((number) => ({ PartNumber: number, ETag: `"etag-${number}"` })) });
  });

  it('closes an upload that has no part yet on such an endpoint with one empty part', async () => {
    const s3 = new FakeS3({ abortFails: true, autoRelease: true });
    const original = s3.client;
    let parts = 0;
    // The first part fails: the upload is open with no part in it.
    const failing = {
      send: (command: { constructor: { name: string } }) => {
        if (command.constructor.name === 'UploadPartCommand' && parts++ === 0) {
          s3.sent.push({ command: 'UploadPart(failed)', input: {} });
          return Promise.reject(new Error('S3 said no'));
        }
        return original.send(command as never);
      },
    } as unknown as S3Client;
    const warnings: string[] = [];
    await expect(uploadInParts(Readable.from([bytes(PART)]), { client: failing, bucket: 'bucket', key: 'raw/object' }, tuning(warnings))).rejects.toThrow(
      'S3 said no',
    );
    expect(s3.names()).toEqual([
      'CreateMultipartUpload',
      'UploadPart(failed)',
      'AbortMultipartUpload',
      'UploadPart',
      'CompleteMultipartUpload',
      'DeleteObject',
    ]);
    expect(s3.sent[3]!.input).toMatchObject({ PartNumber: 1, ContentLength: 0 });
    expect(warnings).toEqual([]);
  });
});
