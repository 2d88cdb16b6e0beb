import { type ChildProcess, spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig, type LockboxConfig, runtimeFilePath, type S3Config } from '@lockbox/config';
import { openS3rverUploads } from '../support/s3rver-uploads';
import {
  ContentLengthMismatchError,
  InvalidObjectKeyError,
  ObjectNotFoundError,
  ObjectStorageRepository,
  ObjectTooLargeError,
  StorageModule,
} from '@lockbox/storage';

const MiB = 1024 * 1024;

// jest ignores `testTimeout` inside a project of a multi-project config (jest-circus reads only the global one).
jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
    await sleep(50);
  }
}

/**
 * S3 settings for this suite: the stack's endpoint when global setup started one, else an s3rver of its
 * own; and the directory where that s3rver keeps its objects and open uploads.
 */
async function s3ForSuite(): Promise<{ s3: S3Config; directory: string; stop: () => Promise<void> }> {
  const home = process.env.LOCKBOX_HOME;
  if (home && existsSync(runtimeFilePath(home))) return { s3: loadConfig().s3, directory: join(home, 's3'), stop: async () => undefined };
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'lockbox-s3rver-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [join(__dirname, '../../node_modules/s3rver/bin/s3rver.js'), '-d', directory, '-p', String(port), '-a', '127.0.0.1', '--silent', '--no-vhost-buckets'],
    { stdio: 'ignore' },
  );
  await waitForPort(port);
  const s3: S3Config = {
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    bucket: 'lockbox-test',
    forcePathStyle: true,
  };
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(directory, { recursive: true, force: true });
  };
  return { s3, directory, stop };
}

/** Deterministic pseudo-random bytes (an AES-CTR keystream), generated as they are read. */
function pseudoRandomStream(total: number, seed: string): Readable {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(MiB);
  let produced = 0;
  return new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const length = Math.min(zeros.length, total - produced);
      produced += length;
      this.push(cipher.update(zeros.subarray(0, length)));
    },
  });
}

async function digestOf(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

describe('ObjectStorageRepository against an S3 endpoint', () => {
  let s3: S3Config;
  let s3Directory: string;
  let stop: () => Promise<void>;
  let storage: ObjectStorageRepository;
  const root = `test-${Date.now().toString(36)}-${process.pid}/`;

  beforeAll(async () => {
    ({ s3, directory: s3Directory, stop } = await s3ForSuite());
    storage = new ObjectStorageRepository(s3);
    await storage.ensureBucket();
  });

  afterAll(async () => {
    await storage.deletePrefix(root).catch(() => undefined);
    await storage.onApplicationShutdown();
    await stop();
  });

  it('creates the bucket idempotently and answers ping', async () => {
    await storage.ensureBucket();
    await Promise.all([storage.ensureBucket(), storage.ensureBucket()]);
    await expect(storage.ping()).resolves.toBeUndefined();
  });

  it('round-trips a 100 MB stream of unknown length byte for byte', async () => {
    const size = 100 * MiB + 13; // an odd tail so the last part is short
    const expected = await digestOf(pseudoRandomStream(size, 'hundred'));
    const key = `${root}big/hundred.bin`;

    const stored = await storage.putStream(key, pseudoRandomStream(size, 'hundred'), { contentType: 'application/octet-stream' });
    expect(stored).toEqual(expected);
    expect(await storage.head(key)).toEqual({ size, contentType: 'application/octet-stream' });
    expect(await digestOf(await storage.getStream(key))).toEqual(expected);
  });

  it('streams a body of known length in one PUT', async () => {
    const size = 6 * MiB + 1;
    const expected = await digestOf(pseudoRandomStream(size, 'known'));
    const key = `${root}known.bin`;
    expect(await storage.putStream(key, pseudoRandomStream(size, 'known'), { contentLength: size, contentType: 'application/x-ndjson' })).toEqual(expected);
    expect(await storage.head(key)).toEqual({ size, contentType: 'application/x-ndjson' });
    expect(await digestOf(await storage.getStream(key))).toEqual(expected);
  });

  it('refuses a body longer or shorter than its declared length', async () => {
    await expect(storage.putStream(`${root}long.bin`, pseudoRandomStream(2000, 'long'), { contentLength: 1000 })).rejects.toBeInstanceOf(
      ContentLengthMismatchError,
    );
    await expect(storage.putStream(`${root}short.bin`, pseudoRandomStream(500, 'short'), { contentLength: 1000 })).rejects.toBeInstanceOf(
      ContentLengthMismatchError,
    );
    // Neither left a readable object behind that claims the declared size.
    for (const key of [`${root}long.bin`, `${root}short.bin`]) {
      const head = await storage.head(key);
      if (head) expect(head.size).not.toBe(1000);
    }
  });

  it('leaves no object and no open multipart upload when the body fails part-way, and throws the body error', async () => {
    const key = `${root}failed/upload.bin`;
    // Three parts' worth, then the body fails: two parts are stored by then and a third is being filled.
    const body = new PassThrough();
    const stored = storage.putStream(key, body);
    const chunk = Buffer.alloc(MiB, 1);
    for (let sent = 0; sent < 20; sent++) if (!body.write(chunk)) await new Promise((resolve) => body.once('drain', resolve));
    // The upload is open on the endpoint (s3rver keeps it on disk) before the body fails.
    const deadline = Date.now() + 10_000;
    while (openS3rverUploads(s3Directory, s3.bucket, key).length === 0 && Date.now() < deadline) await sleep(20);
    expect(openS3rverUploads(s3Directory, s3.bucket, key)).toEqual([key]);
    body.destroy(new Error('the client went away'));

    await expect(stored).rejects.toThrow('the client went away');
    expect(openS3rverUploads(s3Directory, s3.bucket, key)).toEqual([]);
    expect(await storage.head(key)).toBeUndefined();
  });

  it('stores empty and tiny bodies', async () => {
    expect(await storage.putStream(`${root}empty`, Readable.from([]))).toEqual({ size: 0, sha256: createHash('sha256').digest('hex') });
    expect((await storage.getBuffer(`${root}empty`, { maxBytes: 10 })).length).toBe(0);
    await storage.putStream(`${root}tiny.txt`, Readable.from([Buffer.from('hello')]), { contentType: 'text/plain' });
    expect((await storage.getBuffer(`${root}tiny.txt`, { maxBytes: 5 })).toString()).toBe('hello');
  });

  it('caps getBuffer', async () => {
    const key = `${root}capped.json`;
    const body = Buffer.from(JSON.stringify({ pad: 'x'.repeat(990) }));
    expect(await storage.putBuffer(key, body, 'application/json')).toEqual({ size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    expect((await storage.getBuffer(key, { maxBytes: body.length })).equals(body)).toBe(true);
    const error = await storage.getBuffer(key, { maxBytes: body.length - 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ObjectTooLargeError);
    expect(error).toMatchObject({ key, maxBytes: body.length - 1, size: body.length });
    expect(await storage.head(key)).toEqual({ size: body.length, contentType: 'application/json' });
  });

  it('treats missing objects as absent', async () => {
    expect(await storage.head(`${root}missing`)).toBeUndefined();
    await expect(storage.getStream(`${root}missing`)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(storage.getBuffer(`${root}missing`, { maxBytes: 10 })).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(storage.delete(`${root}missing`)).resolves.toBeUndefined();
  });

  it('deletes one object', async () => {
    await storage.putBuffer(`${root}doomed`, Buffer.from('x'));
    await storage.delete(`${root}doomed`);
    expect(await storage.head(`${root}doomed`)).toBeUndefined();
  });

  it.each(['', '/abs/key', '../escape', 'a/../../b', 'a/./b', 'a/..', 'a\\b', 'a\nb'])('rejects the key %j', async (key) => {
    await expect(storage.putBuffer(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidObjectKeyError);
    await expect(storage.getStream(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    await expect(storage.deletePrefix(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
  });

  it('lists and deletes a prefix across pages, leaving its neighbours', async () => {
    const prefix = `${root}many/`;
    const count = 1010; // more than one listing page (1000) and one DeleteObjects batch
    const keys = Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(4, '0')}.json`);
    for (let start = 0; start < keys.length; start += 50) {
      await Promise.all(keys.slice(start, start + 50).map((key) => storage.putBuffer(key, Buffer.from('{}'), 'application/json')));
    }
    const neighbours = [`${root}many-more/a`, `${root}man/b`, `${root}other/many/c`];
    await Promise.all(neighbours.map((key) => storage.putBuffer(key, Buffer.from('keep'))));

    const listed = await storage.list(prefix);
    expect(listed.map((object) => object.key)).toEqual(keys);
    expect(listed.every((object) => object.size === 2)).toBe(true);

    expect(await storage.deletePrefix(prefix)).toBe(count);
    expect(await storage.list(prefix)).toEqual([]);
    for (const key of neighbours) expect(await storage.head(key)).toEqual(expect.objectContaining({ size: 4 }));
    expect(await storage.deletePrefix(prefix)).toBe(0);
  });

  it('fails ping when the endpoint is down', async () => {
    const nowhere = new ObjectStorageRepository({ ...s3, endpoint: `http://127.0.0.1:${await freePort()}` });
    try {
      await expect(nowhere.ping(2000)).rejects.toThrow();
    } finally {
      await nowhere.onApplicationShutdown();
    }
  });

  it('is provided by StorageModule from LOCKBOX_CONFIG', async () => {
    @Module({ imports: [ConfigModule.forRoot({ s3 } as LockboxConfig), StorageModule] })
    class TestModule {}
    const app = await NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false });
    await app.get(ObjectStorageRepository).ping();
    await app.close();
  });
});
