import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { applyHttpServerLimits } from './http-server-limits';

const WINDOW_MS = 300;
const LIMITS = { idleTimeoutMs: WINDOW_MS, headersTimeoutMs: WINDOW_MS, keepAliveTimeoutMs: 5_000, bodyMinBytesPerSecond: 10_000 };
/** At the minimum rate a window must move 3,000 bytes. */
const MIN_BYTES_PER_WINDOW = 3_000;
const LINGER_MS = 400;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A server on the limits, answering with `handler`; a client is a raw socket, so it can misbehave. */
async function serve(handler: Handler): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  applyHttpServerLimits(server, LIMITS, LINGER_MS);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

interface Client {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
  isClosed: () => boolean;
}

async function client(port: number): Promise<Client> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const done = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void done.then(() => (closed = true));
  return { socket, received: () => text, closed: done, isClosed: () => closed };
}

/** Reads the whole body, then answers 200 with its length. */
const readAndAnswer: Handler = (request, response) => {
  let length = 0;
  request.on('data', (chunk: Buffer) => (length += chunk.length));
  request.on('end', () => response.end(`read ${length}`));
};

function postHead(length: number): string {
  return `POST /upload HTTP/1.1\r\nHost: lockbox\r\nContent-Length: ${length}\r\n\r\n`;
}

describe('applyHttpServerLimits', () => {
  let server: Server | undefined;
  const clients: Client[] = [];

  afterEach(async () => {
    for (const open of clients.splice(0)) open.socket.destroy();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  async function start(handler: Handler): Promise<number> {
    const started = await serve(handler);
    server = started.server;
    return started.port;
  }

  async function open(port: number): Promise<Client> {
    const opened = await client(port);
    clients.push(opened);
    return opened;
  }

  it('puts no limit on the total time of a request', async () => {
    await start(readAndAnswer);
    expect(server!.requestTimeout).toBe(0);
  });

  it('closes a connection whose headers never finish, and serves one whose headers arrive in time', async () => {
    const port = await start(readAndAnswer);
    const slow = await open(port);
    // A byte of header every 50 ms keeps the socket busy, so only the headers deadline can end it.
    for (const byte of 'GET / HTTP/1.1\r\nHost: lockbox\r\nX-Drip: aaaaaaaaaaaaaaaaaaaaaaaaa') {
      if (slow.isClosed()) break;
      slow.socket.write(byte);
      await sleep(50);
    }
    await slow.closed;
    expect(slow.received()).not.toMatch(/^HTTP\/1.1 200/);

    const prompt = await open(port);
    prompt.socket.write('GET / HTTP/1.1\r\nHost: lockbox\r\n\r\n');
    while (!prompt.received().includes('read 0')) await sleep(20);
    expect(prompt.isClosed()).toBe(false);
  });

  it('cuts off a body that drips slower than the minimum rate, and keeps a slow one above it for many windows', async () => {
    const port = await start(readAndAnswer);
    const dripping = await open(port);
    dripping.socket.write(postHead(100_000));
    // 100 bytes every 50 ms: 600 bytes a window, a fifth of the minimum. It never stops, so only the rate check can end it.
    while (!dripping.isClosed()) {
      dripping.socket.write(Buffer.alloc(100));
      await sleep(50);
    }
    expect(dripping.received()).toBe('');

    const steady = await open(port);
    const length = 14 * MIN_BYTES_PER_WINDOW;
    steady.socket.write(postHead(length));
    // Four times the minimum rate (so a busy machine's slow timers still leave it above), over about 3.5 windows.
    for (let sent = 0; sent < length; sent += 500) {
      steady.socket.write(Buffer.alloc(500));
      await sleep(WINDOW_MS / 24);
    }
    while (!steady.received().includes(`read ${length}`)) {
      expect(steady.isClosed()).toBe(false);
      await sleep(20);
    }
  });

  it('closes a connection whose body stops coming', async () => {
    const port = await start(readAndAnswer);
    const stopped = await open(port);
    stopped.socket.write(postHead(10_000) + 'x'.repeat(5_000));
    await stopped.closed;
    expect(stopped.received()).toBe('');
  });

  it('never counts against the client the time the API spends before reading the body, or before answering', async () => {
    // Reads nothing for three windows, then reads the body, then works for three more windows before answering.
    const port = await start((request, response) => {
      setTimeout(() => {
        request.resume();
        request.on('end', () => setTimeout(() => response.end('done at last'), 3 * WINDOW_MS));
      }, 3 * WINDOW_MS);
    });
    const patient = await open(port);
    patient.socket.write(postHead(200_000) + 'x'.repeat(200_000));
    while (!patient.received().includes('done at last')) {
      expect(patient.isClosed()).toBe(false);
      await sleep(20);
    }
  });

  it('closes a connection whose client keeps sending after a refusal, once the linger is over', async () => {
    const port = await start((_request, response) => {
      response.statusCode = 413;
      response.end('too large');
    });
    const stubborn = await open(port);
    stubborn.socket.write(postHead(10_000_000));
    // Faster than the minimum rate, and without end: only the linger can close it.
    while (!stubborn.isClosed()) {
      stubborn.socket.write(Buffer.alloc(2_000));
      await sleep(20);
    }
    expect(stubborn.received()).toMatch(/^HTTP\/1.1 413/);
  });

  it('keeps the connection of a client that finishes its body after a refusal, and serves its next request', async () => {
    const port = await start((request, response) => {
      if (request.url === '/upload') {
        response.statusCode = 413;
        response.end('too large');
      } else readAndAnswer(request, response);
    });
    const polite = await open(port);
    polite.socket.write(postHead(20_000) + 'x'.repeat(10_000));
    while (!polite.received().includes('too large')) await sleep(20);
    polite.socket.write('x'.repeat(10_000));
    await sleep(LINGER_MS + 200);
    polite.socket.write('GET /next HTTP/1.1\r\nHost: lockbox\r\n\r\n');
    while (!polite.received().includes('read 0')) {
      expect(polite.isClosed()).toBe(false);
      await sleep(20);
    }
  });
});
