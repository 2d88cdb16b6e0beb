// Uploads end cleanly however the client behaves: whatever a client does part-way through a dataset or an
// image upload (goes away, sends a part twice or in the wrong order, sends parts nobody asked for, a huge
// field, a lying Content-Length, a never-ending drip, headers that never finish), the answer is a clear
// 4xx or a closed connection, and nothing is left: no object, no open multipart upload on the store, no
// row, no memory held by the API. On a stack of its own, with short timeouts and small caps so that
// every upload that matters opens a real multipart upload (parts of 8 MiB) in seconds.
//
// The embedded S3 (s3rver) has neither ListMultipartUploads nor AbortMultipartUpload: an open upload is
// proven by what it keeps on disk (test/support/s3rver-uploads.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectStorageRepository } from '@lockbox/storage';
import { testManifest } from '../support/analysis-images';
import { FaultStack } from '../support/fault-stack';
import { fieldPart, fileHead, MULTIPART_END, PART_END, RawConnection } from '../support/raw-http';
import { openS3rverUploads } from '../support/s3rver-uploads';
import { api, createSession, eventually, type Session } from '../support/session';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
const IDLE_MS = 2_000;
const MIN_BYTES_PER_S = 4096;
const DATASET_CAP = 64 * MiB;
const IMAGE_CAP = 24 * MiB;
/** What a gzip-compressed `docker save` starts with: enough for the synchronous tar check. */
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stack: FaultStack;
let storage: ObjectStorageRepository;

beforeAll(async () => {
  stack = await FaultStack.start({
    label: 'hostile-uploads',
    // Nothing here needs a worker: uploads are answered by the API alone.
    workers: 0,
    env: {
      LOCKBOX_DATASET_UPLOAD_MAX_BYTES: String(DATASET_CAP),
      LOCKBOX_IMAGE_TARBALL_MAX_BYTES: String(IMAGE_CAP),
      LOCKBOX_HTTP_IDLE_TIMEOUT_MS: String(IDLE_MS),
      LOCKBOX_HTTP_HEADERS_TIMEOUT_MS: String(IDLE_MS),
      LOCKBOX_HTTP_BODY_MIN_BYTES_PER_S: String(MIN_BYTES_PER_S),
    },
  });
  storage = new ObjectStorageRepository(stack.config.s3);
}, 180_000);

afterAll(async () => {
  await storage?.onApplicationShutdown();
  await stack?.stop();
});

function openUploads(prefix: string): string[] {
  return openS3rverUploads(join(stack.home, 's3'), stack.config.s3.bucket, prefix);
}

/** Waits for the API to finish cleaning up, then shows what is left under the prefix: nothing, it must be. */
async function expectNothingLeftUnder(prefix: string): Promise<void> {
  const left = async () => ({ objects: (await storage.list(prefix)).map((object) => object.key), openUploads: openUploads(prefix) });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const now = await left();
    if (now.objects.length === 0 && now.openUploads.length === 0) break;
    await sleep(100);
  }
  expect(await left()).toEqual({ objects: [], openUploads: [] });
}

async function waitForOpenUpload(prefix: string): Promise<void> {
  await eventually(async () => (openUploads(prefix).length > 0 ? true : undefined), 15_000, `a multipart upload under ${prefix} to open`);
}

async function connect(): Promise<RawConnection> {
  return RawConnection.open(stack.apiUrl);
}

/** Sends a whole multipart body with its true length (however wrong its parts) and returns the answer. */
async function sendMultipart(path: string, token: string, parts: Buffer[]): Promise<{ status: number; body: any } | undefined> {
  const body = Buffer.concat(parts);
  const connection = await connect();
  try {
    await connection.startMultipart(path, token, body.length);
    await connection.write(body);
    return await connection.answer();
  } finally {
    connection.destroy();
  }
}

function rawPrefix(user: Session): string {
  return `raw/user=${user.id}/`;
}

async function datasetCount(user: Session): Promise<number> {
  return (await api('GET', '/datasets', { token: user.token })).body.total;
}

async function submissionCount(developer: Session): Promise<number> {
  return (await api('GET', '/submissions', { token: developer.token })).body.total;
}

function manifestPart(): { text: string; prefix: string } {
  const manifest = testManifest({ entrypoint: ['/bin/true'] });
  return { text: JSON.stringify(manifest), prefix: `submissions/${manifest.name}/` };
}

function imageBytes(size: number): Buffer {
  return Buffer.concat([GZIP_MAGIC, Buffer.alloc(size - GZIP_MAGIC.length)]);
}

describe('uploads end cleanly however the client behaves', () => {
  it('leaves no object, no open multipart upload and no row when the client goes away mid-part (dataset and image)', async () => {
    const [user, developer] = await Promise.all([createSession('user'), createSession('developer')]);

    const dataset = await connect();
    await dataset.startMultipart('/datasets', user.token, 40 * MiB);
    await dataset.write(Buffer.concat([fieldPart('format', 'lockbox-jsonl'), fileHead('file', 'export.jsonl')]));
    await dataset.writeBytes(20 * MiB);
    // Two parts are on the store and a third is being filled when the client goes.
    await waitForOpenUpload(rawPrefix(user));
    dataset.destroy();

    const { text, prefix } = manifestPart();
    const image = await connect();
    await image.startMultipart('/submissions', developer.token, 22 * MiB);
    await image.write(Buffer.concat([fieldPart('manifest', text), fileHead('image', 'image.tar'), GZIP_MAGIC]));
    await image.writeBytes(20 * MiB, 0);
    await waitForOpenUpload(prefix);
    image.destroy();

    await expectNothingLeftUnder(rawPrefix(user));
    await expectNothingLeftUnder(prefix);
    expect(await datasetCount(user)).toBe(0);
    expect(await submissionCount(developer)).toBe(0);
  });

  it('refuses a second file, image or manifest part with 400 at once, keeping nothing of either', async () => {
    const [user, developer] = await Promise.all([createSession('user'), createSession('developer')]);

    const twoFiles = await sendMultipart('/datasets', user.token, [
      fieldPart('format', 'lockbox-jsonl'),
      fileHead('file', 'one.jsonl'),
      Buffer.alloc(10 * MiB, 0x61),
      PART_END,
      fileHead('file', 'two.jsonl'),
      Buffer.alloc(1024, 0x62),
      PART_END,
      MULTIPART_END,
    ]);
    expect(twoFiles).toMatchObject({ status: 400, body: { statusCode: 400, message: 'Only one "file" part is allowed' } });

    // The first image is still on its way to the store when the second one starts.
    const { text, prefix } = manifestPart();
    const twoImages = await sendMultipart('/submissions', developer.token, [
      fieldPart('manifest', text),
      fileHead('image', 'one.tar'),
      imageBytes(10 * MiB),
      PART_END,
      fileHead('image', 'two.tar'),
      imageBytes(10 * MiB),
      PART_END,
      MULTIPART_END,
    ]);
    expect(twoImages).toMatchObject({ status: 400, body: { message: 'Only one "image" part is allowed' } });

    const twoManifests = await sendMultipart('/submissions', developer.token, [
      fieldPart('manifest', text),
      fileHead('manifest', 'lockbox.json', 'application/json'),
      Buffer.from(text),
      PART_END,
      fileHead('image', 'image.tar'),
      imageBytes(MiB),
      PART_END,
      MULTIPART_END,
    ]);
    expect(twoManifests).toMatchObject({ status: 400, body: { message: 'Only one "manifest" part is allowed' } });

    await expectNothingLeftUnder(rawPrefix(user));
    await expectNothingLeftUnder(prefix);
    expect(await datasetCount(user)).toBe(0);
    expect(await submissionCount(developer)).toBe(0);
  });

  it('refuses parts nobody asked for and parts in the wrong order with 400, keeping nothing', async () => {
    const [user, developer] = await Promise.all([createSession('user'), createSession('developer')]);
    const unknownFile = await sendMultipart('/datasets', user.token, [
      fieldPart('format', 'lockbox-jsonl'),
      fileHead('file', 'export.jsonl'),
      Buffer.alloc(MiB, 0x61),
      PART_END,
      fileHead('extra', 'extra.bin'),
      Buffer.alloc(MiB),
      PART_END,
      MULTIPART_END,
    ]);
    expect(unknownFile).toMatchObject({ status: 400, body: { message: 'Unexpected file part "extra"' } });
    const unknownField = await sendMultipart('/datasets', user.token, [
      fieldPart('owner', 'someone else'),
      fieldPart('format', 'lockbox-jsonl'),
      MULTIPART_END,
    ]);
    expect(unknownField).toMatchObject({ status: 400, body: { message: 'Unexpected field "owner"' } });

    const { text, prefix } = manifestPart();
    const imageFirst = await sendMultipart('/submissions', developer.token, [
      fileHead('image', 'image.tar'),
      imageBytes(10 * MiB),
      PART_END,
      fieldPart('manifest', text),
      MULTIPART_END,
    ]);
    expect(imageFirst).toMatchObject({ status: 400, body: { message: 'Send the manifest part before the image part' } });

    await expectNothingLeftUnder(rawPrefix(user));
    await expectNothingLeftUnder(prefix);
    expect(await datasetCount(user)).toBe(0);
    expect(await submissionCount(developer)).toBe(0);
  });

  it('refuses a huge field with 413, and a body declared larger than every cap together before reading a byte of it', async () => {
    const user = await createSession('user');
    const hugeName = await sendMultipart('/datasets', user.token, [
      fieldPart('format', 'lockbox-jsonl'),
      fieldPart('name', 'n'.repeat(2 * MiB)),
      MULTIPART_END,
    ]);
    expect(hugeName).toMatchObject({ status: 413, body: { message: 'Field "name" is larger than 800 bytes' } });

    const declared = await connect();
    try {
      await declared.startMultipart('/datasets', user.token, 1024 * MiB);
      // Not a byte of the body is sent: the answer comes anyway.
      expect(await declared.answer()).toMatchObject({ status: 413, body: { message: expect.stringContaining(`"file" at most ${DATASET_CAP} bytes`) } });
    } finally {
      declared.destroy();
    }
    await expectNothingLeftUnder(rawPrefix(user));
    expect(await datasetCount(user)).toBe(0);
  });

  it('takes an image of exactly the cap and refuses one byte more, found while streaming a body of no declared length, with 413, keeping nothing', async () => {
    const developer = await createSession('developer');
    const send = async (imageSize: number) => {
      const { text, prefix } = manifestPart();
      const connection = await connect();
      try {
        await connection.startMultipart('/submissions', developer.token);
        await connection.writeChunk(Buffer.concat([fieldPart('manifest', text), fileHead('image', 'image.tar'), GZIP_MAGIC]));
        await connection.writeBytes(imageSize - GZIP_MAGIC.length, 0, true);
        await connection.writeChunk(Buffer.concat([PART_END, MULTIPART_END]));
        await connection.writeChunk(Buffer.alloc(0));
        return { answer: await connection.answer(), prefix };
      } finally {
        connection.destroy();
      }
    };
    const atCap = await send(IMAGE_CAP);
    expect(atCap.answer).toMatchObject({ status: 202, body: { status: 'submitted' } });
    expect((await storage.list(atCap.prefix)).map((object) => object.size)).toEqual([IMAGE_CAP]);

    const over = await send(IMAGE_CAP + 1);
    expect(over.answer).toMatchObject({ status: 413, body: { message: `"image" is larger than the limit of ${IMAGE_CAP} bytes` } });
    await expectNothingLeftUnder(over.prefix);
    expect(await submissionCount(developer)).toBe(1);
  });

  it('cuts off a body that stops short of its Content-Length and one that drips, keeping nothing, while a slow steady one runs on', async () => {
    const [stalledUser, drippingUser, steadyUser] = await Promise.all([createSession('user'), createSession('user'), createSession('user')]);
    const head = Buffer.concat([fieldPart('format', 'lockbox-jsonl'), fileHead('file', 'export.jsonl')]);

    // Promises 30 MiB, sends 12 (a multipart upload is open), then nothing: the connection stays open.
    const stalled = await connect();
    await stalled.startMultipart('/datasets', stalledUser.token, 30 * MiB);
    await stalled.write(head);
    await stalled.writeBytes(12 * MiB);
    await waitForOpenUpload(rawPrefix(stalledUser));

    // Never stops, but sends 64 bytes every 100 ms: a sixth of the minimum rate.
    const dripping = await connect();
    await dripping.startMultipart('/datasets', drippingUser.token, MiB);
    await dripping.write(head);
    const drip = (async () => {
      while (await dripping.write(Buffer.alloc(64, 0x61))) await sleep(100);
    })();

    // Four times the minimum rate, for three idle windows: it is slow, but it keeps coming.
    const steadyFile = Buffer.alloc(4 * MIN_BYTES_PER_S * ((3 * IDLE_MS) / 1000), 0x61);
    const steadyBody = Buffer.concat([head, steadyFile, PART_END, MULTIPART_END]);
    const steady = await connect();
    await steady.startMultipart('/datasets', steadyUser.token, steadyBody.length);
    const slice = Math.ceil(steadyBody.length / 30);
    for (let sent = 0; sent < steadyBody.length; sent += slice) {
      await steady.write(steadyBody.subarray(sent, sent + slice));
      await sleep((3 * IDLE_MS) / 30);
    }
    expect(await steady.answer()).toMatchObject({ status: 202, body: { sizeBytes: steadyFile.length } });
    steady.destroy();

    await Promise.all([stalled.closed, dripping.closed, drip]);
    for (const user of [stalledUser, drippingUser]) {
      await expectNothingLeftUnder(rawPrefix(user));
      expect(await datasetCount(user)).toBe(0);
    }
  });

  it('cuts off a client whose headers never finish', async () => {
    const user = await createSession('user');
    const connection = await connect();
    const header = `POST /api/v1/datasets HTTP/1.1\r\nHost: lockbox\r\nAuthorization: Bearer ${user.token}\r\nX-Never-Ends: `;
    // A byte every 50 ms keeps the connection busy: only the headers deadline can end it.
    let sent = 0;
    while (await connection.write(sent < header.length ? header[sent]! : 'a')) {
      sent++;
      await sleep(50);
      if (sent > 400) break;
    }
    expect(connection.isClosed).toBe(true);
    expect(sent).toBeLessThan(400);
  });

  it('refuses a body cut short of its multipart end, and one longer than its Content-Length, with 400, keeping nothing', async () => {
    const user = await createSession('user');
    const body = Buffer.concat([fieldPart('format', 'lockbox-jsonl'), fileHead('file', 'export.jsonl'), Buffer.alloc(2 * MiB, 0x61), PART_END, MULTIPART_END]);
    const declared = body.length - MULTIPART_END.length;

    // Exactly as long as it says, but the multipart body never ends.
    const cutShort = await connect();
    try {
      await cutShort.startMultipart('/datasets', user.token, declared);
      await cutShort.write(body.subarray(0, declared));
      expect(await cutShort.answer()).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^Malformed multipart body/) } });
    } finally {
      cutShort.destroy();
    }

    // Longer than it says: the rest reads as a request that is not one, which the server refuses and closes.
    const tooLong = await connect();
    try {
      await tooLong.startMultipart('/datasets', user.token, declared);
      await tooLong.write(body);
      expect(await tooLong.answer()).toMatchObject({ status: 400 });
      await tooLong.closed;
    } finally {
      tooLong.destroy();
    }
    await expectNothingLeftUnder(rawPrefix(user));
    expect(await datasetCount(user)).toBe(0);
  });

  it("keeps the API's memory flat over 200 aborted uploads, each leaving nothing behind", async () => {
    const user = await createSession('user');
    const rssBytes = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${stack.api.pid}/status`, 'utf8'))![1]) * 1024;
    // Each sends 3 MiB of its file (less than a part, so the API holds all of it until the part is full),
    // then stops: half of them go away, half keep their connection open and say nothing more, as a client
    // that hangs does. (A connection that closes lets the garbage collector take whatever hung on it; one
    // that stays open keeps it, until the API closes it.)
    const stalled: RawConnection[] = [];
    const abortedUpload = async (n: number) => {
      const connection = await connect();
      await connection.startMultipart('/datasets', user.token, 8 * MiB);
      await connection.write(Buffer.concat([fieldPart('format', 'lockbox-jsonl'), fileHead('file', 'export.jsonl')]));
      await connection.writeBytes(3 * MiB);
      if (n % 2 === 0) connection.destroy();
      else stalled.push(connection);
    };
    // A round ends once the API has cut off every connection that hangs (before this fix, only Node's
    // 5-minute requestTimeout did).
    const abortMany = async (count: number) => {
      for (let started = 0; started < count; started += 8)
        await Promise.all(Array.from({ length: Math.min(8, count - started) }, (_, n) => abortedUpload(started + n)));
      await Promise.race([Promise.all(stalled.map((connection) => connection.closed)), sleep(20_000)]);
      await sleep(1_000);
    };

    // The first 200 take the API to the memory it needs for this much at once (RSS keeps its high-water mark).
    await abortMany(200);
    const before = rssBytes();
    await abortMany(200);
    const grown = rssBytes() - before;
    // Held, the 100 that hang would be 300 MiB more; freed, the second 200 need no more than the first.
    expect(grown).toBeLessThan(150 * MiB);
    expect(stalled.filter((connection) => !connection.isClosed)).toHaveLength(0);
    await expectNothingLeftUnder(rawPrefix(user));
    expect(await datasetCount(user)).toBe(0);
    // And the API still serves uploads.
    const fine = await sendMultipart('/datasets', user.token, [
      fieldPart('format', 'lockbox-jsonl'),
      fileHead('file', 'ok.jsonl'),
      Buffer.from('{}\n'),
      PART_END,
      MULTIPART_END,
    ]);
    expect(fine?.status).toBe(202);
  });
});
