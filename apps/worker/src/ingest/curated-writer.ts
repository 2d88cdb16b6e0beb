import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { curatedRecordsKey, type ObjectStorageRepository, type StoredObject } from '@lockbox/storage';

interface KindUpload {
  key: string;
  stream: PassThrough;
  done: Promise<StoredObject>;
}

/**
 * Writes a dataset's curated records, one object per kind, each as a streaming upload fed through a
 * PassThrough: records go out as they are validated and only the upload's buffer is held in memory.
 * Objects are opened on a kind's first record, so a kind without records leaves no object.
 */
export class CuratedWriter {
  private readonly uploads = new Map<string, KindUpload>();

  constructor(
    private readonly storage: ObjectStorageRepository,
    private readonly prefix: string,
  ) {}

  /** Appends one record (a JSON text) to its kind's object, waiting while the upload catches up. */
  async write(kind: string, json: string): Promise<void> {
    const upload = this.uploads.get(kind) ?? this.open(kind);
    if (!upload.stream.write(`${json}\n`)) {
      // If the upload fails, 'drain' never comes: its failure must end the wait.
      await Promise.race([once(upload.stream, 'drain'), upload.done]);
    }
  }

  /** Ends every object and waits until each is stored; throws the first upload failure. */
  async finish(): Promise<void> {
    for (const upload of this.uploads.values()) upload.stream.end();
    await Promise.all([...this.uploads.values()].map((upload) => upload.done));
  }

  /** Stops every upload part-way and waits for them to settle; objects already complete stay. */
  async abort(reason: Error): Promise<void> {
    for (const upload of this.uploads.values()) upload.stream.destroy(reason);
    await Promise.allSettled([...this.uploads.values()].map((upload) => upload.done));
  }

  private open(kind: string): KindUpload {
    const key = curatedRecordsKey(this.prefix, kind);
    const stream = new PassThrough();
    // The upload reports the failure (through `done`); this only keeps a destroyed stream from being an uncaught error.
    stream.on('error', () => undefined);
    const done = this.storage.putStream(key, stream, { contentType: 'application/x-ndjson' });
    done.catch(() => undefined);
    const upload = { key, stream, done };
    this.uploads.set(kind, upload);
    return upload;
  }
}
