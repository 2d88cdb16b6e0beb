import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Request } from 'express';
import { type MultipartFile, parseMultipart } from './multipart';

const BOUNDARY = 'lockbox-test-boundary';
const FILE_CAP = 64 * 1024;
const FIELD_CAP = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fieldPart(name: string, value: string): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

function fileHead(name: string): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
}

const END = `--${BOUNDARY}--\r\n`;

/** What one parse did: its outcome, and what each file handler saw. */
interface Parsed {
  outcome: Promise<{ ok: true; fields: Record<string, string>; files: Record<string, number> } | { ok: false; status: number; message: string }>;
  handlers: Array<{ name: string; fieldsSoFar: Record<string, string>; bytes: number; error?: string; settled: boolean }>;
}

/** A server whose every request is one parseMultipart; each handler reads its part to the end (or its failure). */
async function multipartServer(spec: {
  files?: string[];
  fields?: string[];
  /** Makes the handler fail on the part's first bytes. */
  failHandler?: (file: MultipartFile) => Error | undefined;
  /** Makes the handler read nothing: it settles only once its part is ended for it. */
  stallHandler?: (file: MultipartFile) => boolean;
}): Promise<{
  server: Server;
  port: number;
  next: () => Promise<Parsed>;
}> {
  const parses: Parsed[] = [];
  const waiting: Array<(parsed: Parsed) => void> = [];
  const server = createServer((request: IncomingMessage, response) => {
    const handlers: Parsed['handlers'] = [];
    const outcome = parseMultipart<number>(request as Request, {
      files: Object.fromEntries((spec.files ?? ['file']).map((name) => [name, { maxBytes: FILE_CAP }])),
      fields: Object.fromEntries((spec.fields ?? ['format']).map((name) => [name, { maxBytes: FIELD_CAP }])),
      handleFile: async (file, fieldsSoFar) => {
        const seen: Parsed['handlers'][number] = { name: file.fieldName, fieldsSoFar: { ...fieldsSoFar }, bytes: 0, settled: false };
        handlers.push(seen);
        try {
          if (spec.stallHandler?.(file)) {
            await new Promise((resolve) => file.stream.once('close', resolve));
            throw new Error('the part was ended before it was read');
          }
          for await (const chunk of file.stream as AsyncIterable<Buffer>) {
            seen.bytes += chunk.length;
            const failure = spec.failHandler?.(file);
            if (failure) throw failure;
          }
          return seen.bytes;
        } catch (error) {
          seen.error = (error as Error).message;
          throw error;
        } finally {
          seen.settled = true;
        }
      },
    }).then(
      ({ fields, files }) => ({ ok: true as const, fields, files }),
      (error: Error & { getStatus?: () => number }) => ({ ok: false as const, status: error.getStatus?.() ?? 500, message: error.message }),
    );
    void outcome.then((result) => {
      if (response.headersSent || response.destroyed) return;
      response.statusCode = result.ok ? 200 : result.status;
      response.end(result.ok ? 'ok' : result.message);
    });
    const parsed = { outcome, handlers };
    const wake = waiting.shift();
    if (wake) wake(parsed);
    else parses.push(parsed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const next = () => {
    const ready = parses.shift();
    return ready ? Promise.resolve(ready) : new Promise<Parsed>((resolve) => waiting.push(resolve));
  };
  return { server, port: (server.address() as { port: number }).port, next };
}

async function send(port: number, body: string | Buffer, headers: Record<string, string | number> = {}): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const allHeaders = { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': Buffer.byteLength(body), ...headers };
  const head = Object.entries(allHeaders)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`POST /upload HTTP/1.1\r\nHost: lockbox\r\n${head}\r\n`);
  socket.write(body);
  return socket;
}

describe('parseMultipart', () => {
  let server: Server;
  let port: number;
  let next: () => Promise<Parsed>;
  const sockets: Socket[] = [];

  async function start(spec: Parameters<typeof multipartServer>[0] = {}): Promise<void> {
    ({ server, port, next } = await multipartServer(spec));
  }

  async function post(body: string | Buffer, headers: Record<string, string | number> = {}): Promise<Socket> {
    const socket = await send(port, body, headers);
    sockets.push(socket);
    return socket;
  }

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('hands each file part to its handler with the fields before it, and resolves with fields and files', async () => {
    await start({ files: ['manifest', 'image'], fields: ['format'] });
    await post(fieldPart('format', 'tar') + fileHead('manifest') + '{}\r\n' + fileHead('image') + 'x'.repeat(1000) + '\r\n' + END);
    const parsed = await next();
    expect(await parsed.outcome).toEqual({ ok: true, fields: { format: 'tar' }, files: { manifest: 2, image: 1000 } });
    expect(parsed.handlers.map(({ name, fieldsSoFar }) => ({ name, fieldsSoFar }))).toEqual([
      { name: 'manifest', fieldsSoFar: { format: 'tar' } },
      { name: 'image', fieldsSoFar: { format: 'tar' } },
    ]);
  });

  it("refuses a second file part of one name at once: it never reaches a handler, and the first part's handler has settled by the answer", async () => {
    await start();
    // The first part is still open when the second begins: the parser never waits for the first handler.
    await post(fileHead('file') + 'a'.repeat(1000) + '\r\n' + fileHead('file') + 'b'.repeat(1000) + '\r\n' + END);
    const parsed = await next();
    expect(await parsed.outcome).toEqual({ ok: false, status: 400, message: 'Only one "file" part is allowed' });
    expect(parsed.handlers).toHaveLength(1);
    expect(parsed.handlers[0]!.settled).toBe(true);
  });

  it('refuses a field sent twice, or once as a field and once as a file part', async () => {
    await start({ files: ['manifest'], fields: ['manifest', 'format'] });
    await post(fieldPart('format', 'a') + fieldPart('format', 'b') + END);
    expect(await (await next()).outcome).toEqual({ ok: false, status: 400, message: 'Only one "format" part is allowed' });
    await post(fieldPart('manifest', '{}') + fileHead('manifest') + '{}\r\n' + END);
    expect(await (await next()).outcome).toEqual({ ok: false, status: 400, message: 'Only one "manifest" part is allowed' });
  });

  it('refuses unknown file parts and unknown fields', async () => {
    await start();
    await post(fileHead('other') + 'x\r\n' + END);
    expect(await (await next()).outcome).toEqual({ ok: false, status: 400, message: 'Unexpected file part "other"' });
    await post(fieldPart('other', 'x') + END);
    expect(await (await next()).outcome).toEqual({ ok: false, status: 400, message: 'Unexpected field "other"' });
    // A known field sent as a file is not that field.
    await post(fileHead('format') + 'x\r\n' + END);
    expect(await (await next()).outcome).toEqual({ ok: false, status: 400, message: 'Unexpected file part "format"' });
  });

  it('accepts a field of exactly its cap and refuses one byte more with 413', async () => {
    await start();
    await post(fieldPart('format', 'f'.repeat(FIELD_CAP)) + END);
    expect(await (await next()).outcome).toMatchObject({ ok: true, fields: { format: 'f'.repeat(FIELD_CAP) } });
    await post(fieldPart('format', 'f'.repeat(FIELD_CAP + 1)) + END);
    expect(await (await next()).outcome).toEqual({ ok: false, status: 413, message: `Field "format" is larger than ${FIELD_CAP} bytes` });
  });

  it('accepts a file of exactly its cap and fails one byte over with 413, its handler seeing the failure', async () => {
    await start();
    await post(fileHead('file') + 'x'.repeat(FILE_CAP) + '\r\n' + END);
    expect(await (await next()).outcome).toMatchObject({ ok: true, files: { file: FILE_CAP } });
    await post(fileHead('file') + 'x'.repeat(FILE_CAP + 1) + '\r\n' + END);
    const parsed = await next();
    expect(await parsed.outcome).toEqual({ ok: false, status: 413, message: `"file" is larger than the limit of ${FILE_CAP} bytes` });
    expect(parsed.handlers[0]!.error).toBe(`"file" is larger than the limit of ${FILE_CAP} bytes`);
  });

  it('refuses a body declared larger than every part together before reading it', async () => {
    await start();
    await post(fileHead('file'), { 'Content-Length': 100 * 1024 * 1024 });
    const parsed = await next();
    expect(await parsed.outcome).toMatchObject({
      ok: false,
      status: 413,
      message: expect.stringMatching(/^The upload is larger than the limit of \d+ bytes \("file" at most 65536 bytes\)$/),
    });
    expect(parsed.handlers).toEqual([]);
  });

  it('refuses a body that grows past every part together, whatever it is made of (a huge preamble, sent chunked)', async () => {
    await start();
    const socket = await post('', { 'Content-Length': '', 'Transfer-Encoding': 'chunked' });
    const preamble = Buffer.alloc(64 * 1024, 'p');
    const parsedPromise = next();
    for (let sent = 0; sent < 40 && !socket.destroyed; sent++) {
      socket.write(`${preamble.length.toString(16)}\r\n`);
      socket.write(preamble);
      socket.write('\r\n');
      await sleep(1);
    }
    expect(await (await parsedPromise).outcome).toMatchObject({ ok: false, status: 413 });
  });

  it('ends the upload when the client goes away mid-part: the handler fails and the parse settles', async () => {
    await start();
    const socket = await post(fileHead('file') + 'x'.repeat(10_000), { 'Content-Length': 60_000 });
    const parsed = await next();
    // The parser holds back a boundary's length of the part, in case it is the boundary.
    while (parsed.handlers.length === 0 || parsed.handlers[0]!.bytes < 9_000) await sleep(5);
    socket.destroy();
    expect(await parsed.outcome).toEqual({ ok: false, status: 400, message: 'The upload was interrupted' });
    expect(parsed.handlers[0]).toMatchObject({ settled: true, error: expect.any(String) });
  });

  it('ends the upload when a body stops short of its declared length and the client half-closes', async () => {
    await start();
    const socket = await post(fileHead('file') + 'x'.repeat(1000), { 'Content-Length': 5000 });
    const parsed = await next();
    socket.end();
    expect(await parsed.outcome).toMatchObject({ ok: false, status: 400 });
    expect(parsed.handlers[0]).toMatchObject({ settled: true, error: expect.any(String) });
  });

  it('fails the other open parts when one handler fails, and rejects with that failure', async () => {
    await start({
      files: ['first', 'second'],
      failHandler: (file) => (file.fieldName === 'second' ? new Error('storage refused') : undefined),
      stallHandler: (file) => file.fieldName === 'first',
    });
    // The first handler reads nothing, so its part is still open when the second one fails.
    await post(fileHead('first') + 'a'.repeat(100) + '\r\n' + fileHead('second') + 'b'.repeat(100) + '\r\n' + END);
    const parsed = await next();
    expect(await parsed.outcome).toEqual({ ok: false, status: 500, message: 'storage refused' });
    expect(parsed.handlers).toEqual([
      expect.objectContaining({ name: 'first', settled: true, error: 'the part was ended before it was read' }),
      expect.objectContaining({ name: 'second', settled: true, error: 'storage refused' }),
    ]);
  });

  it('refuses a malformed body and one that is not multipart with 400', async () => {
    await start();
    await post(fileHead('file') + 'no closing boundary');
    expect(await (await next()).outcome).toMatchObject({ ok: false, status: 400, message: expect.stringMatching(/^Malformed multipart body/) });
    await post('{"format":"x"}', { 'Content-Type': 'application/json' });
    expect(await (await next()).outcome).toEqual({ ok: false, status: 400, message: 'Expected a multipart/form-data body' });
  });
});
