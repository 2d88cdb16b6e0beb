// A raw HTTP/1.1 client for tests of clients that misbehave: it writes exactly the bytes it is told, when
// it is told, and reads whatever the server answers, so a test can stop half-way, drip, lie about the
// length, or never finish its headers.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

export const MULTIPART_BOUNDARY = `lockbox-${randomUUID()}`;

/** A text field of a multipart body. */
export function fieldPart(name: string, value: string): Buffer {
  return Buffer.from(`--${MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
}

/** The head of a file part; its bytes follow, then `\r\n` before the next part. */
export function fileHead(name: string, filename = `${name}.bin`, contentType = 'application/octet-stream'): Buffer {
  return Buffer.from(
    `--${MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
}

export const PART_END = Buffer.from('\r\n');
export const MULTIPART_END = Buffer.from(`--${MULTIPART_BOUNDARY}--\r\n`);

export interface RawAnswer {
  status: number;
  body: any;
}

export class RawConnection {
  private received = Buffer.alloc(0);
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    // A server that closes on a client still writing resets it: that is an outcome, not a test failure.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => (this.closedFlag = true));
  }

  static async open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    return new RawConnection(socket);
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** The request line and headers of a multipart POST; `contentLength` undefined sends the body chunked. */
  async startMultipart(path: string, token: string, contentLength?: number): Promise<void> {
    const length = contentLength === undefined ? 'Transfer-Encoding: chunked' : `Content-Length: ${contentLength}`;
    await this.write(
      Buffer.from(
        `POST /api/v1${path} HTTP/1.1\r\nHost: lockbox\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: multipart/form-data; boundary=${MULTIPART_BOUNDARY}\r\n${length}\r\n\r\n`,
      ),
    );
  }

  /** Writes and waits until the socket has taken it (its buffer drained); false once the server has closed. */
  async write(data: Buffer | string): Promise<boolean> {
    if (this.closedFlag || this.socket.destroyed) return false;
    if (!this.socket.write(data)) {
      await Promise.race([once(this.socket, 'drain'), this.closed]);
    }
    return !this.closedFlag;
  }

  /** One chunk of a chunked body (an empty one ends it). */
  async writeChunk(data: Buffer): Promise<boolean> {
    return this.write(Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]));
  }

  /** `count` bytes of `fill`, a MiB at a time. */
  async writeBytes(count: number, fill = 0x61, chunked = false): Promise<boolean> {
    const block = Buffer.alloc(Math.min(count, 1024 * 1024), fill);
    for (let left = count; left > 0; left -= block.length) {
      const piece = left >= block.length ? block : block.subarray(0, left);
      if (!(chunked ? await this.writeChunk(piece) : await this.write(piece))) return false;
    }
    return true;
  }

  /** The first answer on this connection, once it has arrived whole; undefined if the connection closes first. */
  async answer(timeoutMs = 30_000): Promise<RawAnswer | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.parsed();
      if (parsed) return parsed;
      if (this.closedFlag) return undefined;
      if (Date.now() > deadline) throw new Error(`no answer within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parsed(): RawAnswer | undefined {
    const text = this.received.toString('latin1');
    const headerEnd = text.indexOf('\r\n\r\n');
    if (headerEnd < 0) return undefined;
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headerEnd))?.[1] ?? 0);
    const body = this.received.subarray(headerEnd + 4);
    if (body.length < length) return undefined;
    const raw = body.subarray(0, length).toString('utf8');
    try {
      return { status, body: raw ? JSON.parse(raw) : undefined };
    } catch {
      return { status, body: raw };
    }
  }
}
