import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';

/** An error answer of the Lockbox API: `{ statusCode, error, message }`. */
export class LockboxApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
    what: string,
  ) {
    const message = (body as { message?: string | string[] } | undefined)?.message;
    super(`${what}: ${statusCode} ${Array.isArray(message) ? message.join('; ') : (message ?? String(body))}`);
    this.name = 'LockboxApiError';
  }
}

export interface ServerSentEvent {
  id?: string;
  event: string;
  data: unknown;
}

export interface SubmissionView {
  id: string;
  status: string;
  analysis?: string;
  version?: string;
  imageId?: string | null;
  checkReport?: unknown;
  reviewReason?: string | null;
  [key: string]: unknown;
}

/**
 * A small client of the public HTTP API, used by the CLI, the launcher (to publish the sample
 * analyses) and `npm run demo`. It depends on nothing but Node 20.
 */
export class LockboxClient {
  constructor(
    readonly baseUrl: string,
    private token?: string,
  ) {}

  withToken(token: string): LockboxClient {
    return new LockboxClient(this.baseUrl, token);
  }

  async request<T>(method: string, path: string, body?: unknown, what = `${method} ${path}`): Promise<T> {
    const response = await fetch(this.url(path), {
      method,
      headers: { ...this.authorization(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return this.parse<T>(response, what);
  }

  async login(email: string, password: string): Promise<LockboxClient> {
    const { accessToken } = await this.request<{ accessToken: string }>('POST', '/auth/login', { email, password }, `login as ${email}`);
    return this.withToken(accessToken);
  }

  /** Submits an analysis: the `docker save` tarball at `imagePath` (streamed from disk) and its manifest. */
  async submit(imagePath: string, manifest: object): Promise<SubmissionView> {
    return this.submitImage(await openAsBlob(imagePath, { type: 'application/x-tar' }), manifest, basename(imagePath));
  }

  /** Submits an analysis whose image is `image`, e.g. a slice of a file-backed Blob (read lazily, never buffered whole). */
  async submitImage(image: Blob, manifest: object, filename = 'image.tar'): Promise<SubmissionView> {
    const form = new FormData();
    // The manifest first: the API validates it before it stores a byte of the image.
    form.append('manifest', JSON.stringify(manifest));
    form.append('image', image, filename);
    const response = await fetch(this.url('/submissions'), { method: 'POST', headers: this.authorization(), body: form });
    return this.parse<SubmissionView>(response, 'submit');
  }

  /** Uploads a canonical JSONL dataset (streamed from disk). */
  async uploadDataset(path: string, name?: string): Promise<{ id: string; status: string }> {
    const form = new FormData();
    form.append('format', 'lockbox-jsonl');
    if (name) form.append('name', name);
    form.append('file', await openAsBlob(path, { type: 'application/x-ndjson' }), basename(path));
    const response = await fetch(this.url('/datasets'), { method: 'POST', headers: this.authorization(), body: form });
    return this.parse(response, 'upload dataset');
  }

  /** Polls `path` until `done` holds for the answer, or throws after `timeoutMs`. */
  async waitFor<T>(path: string, done: (value: T) => boolean, timeoutMs = 120_000, what = path): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.request<T>('GET', path);
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** The caller's server-sent events, from `lastEventId` on. Stops when `signal` aborts; `onOpen` fires once connected. */
  async *events(options: { lastEventId?: string; signal?: AbortSignal; onOpen?: () => void } = {}): AsyncGenerator<ServerSentEvent> {
    const headers: Record<string, string> = { ...this.authorization(), accept: 'text/event-stream' };
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    const response = await fetch(this.url('/events'), { headers, signal: options.signal });
    if (!response.ok || !response.body) throw await this.failure(response, 'open event stream');
    options.onOpen?.();
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event = parseEventBlock(block);
        if (event) yield event;
      }
    }
  }

  private url(path: string): string {
    return `${this.baseUrl.replace(/\/$/, '')}/api/v1${path}`;
  }

  private authorization(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  private async parse<T>(response: Response, what: string): Promise<T> {
    if (!response.ok) throw await this.failure(response, what);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async failure(response: Response, what: string): Promise<LockboxApiError> {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the text
    }
    return new LockboxApiError(response.status, body, what);
  }
}

function parseEventBlock(block: string): ServerSentEvent | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text data
  }
  return { id, event, data: parsed };
}
