// The public HTTP API as a benchmark drives it: JSON calls, multipart uploads, accounts and the SSE stream.
import { randomUUID } from 'node:crypto';
import { BENCH_ADMIN } from './stack';

// Responses are read for the few fields a benchmark needs; their shape is the API's contract, checked by its tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ApiBody = any;

export interface BenchSession {
  id: string;
  token: string;
}

export class BenchClient {
  constructor(readonly apiUrl: string) {}

  async request<T = ApiBody>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.apiUrl}/api/v1${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** The call must answer `status`; otherwise the benchmark stops with what the API said. */
  async expect<T = ApiBody>(status: number, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
    const response = await this.request<T>(method, path, options);
    if (response.status !== status) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async upload<T = ApiBody>(path: string, token: string, parts: Array<{ name: string; content: Buffer | string; filename?: string }>): Promise<T> {
    const form = new FormData();
    for (const part of parts) {
      if (part.filename === undefined) form.append(part.name, part.content.toString());
      else form.append(part.name, new Blob([part.content]), part.filename);
    }
    const response = await fetch(`${this.apiUrl}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const body = (await response.json()) as T;
    if (response.status !== 202) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  }

  async login(email: string, password: string): Promise<BenchSession> {
    const { accessToken } = await this.expect<{ accessToken: string }>(200, 'POST', '/auth/login', { body: { email, password } });
    const me = await this.expect<{ id: string }>(200, 'GET', '/me', { token: accessToken });
    return { id: me.id, token: accessToken };
  }

  async session(role: 'user' | 'developer' | 'admin'): Promise<BenchSession> {
    if (role === 'admin') return this.login(BENCH_ADMIN.email, BENCH_ADMIN.password);
    const email = `${role}-${randomUUID().slice(0, 8)}@bench.lockbox.local`;
    const password = `pw-${randomUUID()}`;
    await this.expect(201, 'POST', '/auth/register', { body: { email, password, role } });
    return this.login(email, password);
  }

  /** Polls until `check` returns a value. */
  async until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The owner's SSE stream; `onEvent` sees every named event with its parsed data. */
  async openEvents(token: string, onEvent: (event: string, data: ApiBody) => void): Promise<{ close(): void }> {
    const abort = new AbortController();
    const response = await fetch(`${this.apiUrl}/api/v1/events`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (response.status !== 200 || !response.body) throw new Error(`GET /events: ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trim();
            }
            if (data) onEvent(event, safeJson(data));
          }
        }
      } catch {
        // closed by the benchmark
      }
    })();
    return { close: () => abort.abort() };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
