import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The API of the stack that jest's global setup started (see global-setup.ts). */
export function apiUrl(): string {
  const home = process.env.LOCKBOX_HOME;
  if (!home) throw new Error('LOCKBOX_HOME is not set: run end-to-end tests through jest, whose global setup starts the stack');
  const runtime = JSON.parse(readFileSync(join(home, 'runtime.json'), 'utf8')) as { apiUrl: string };
  return runtime.apiUrl;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP call to the public API, JSON in and out. */
export async function api<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${apiUrl()}/api/v1${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export interface Session {
  id: string;
  email: string;
  password: string;
  role: string;
  token: string;
}

export function uniqueEmail(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}@test.lockbox.local`;
}

/**
 * An address of its own for one simulated client (IPv6 documentation prefix), sent as X-Forwarded-For:
 * the test stacks trust it from loopback (LOCKBOX_TRUST_PROXY), so logins and registrations are
 * throttled per test client, as they would be per person, and not all together per 127.0.0.1.
 */
export function clientAddress(): string {
  const group = (): string => randomBytes(2).toString('hex');
  return `2001:db8::${group()}:${group()}:${group()}:${group()}`;
}

export function asClient(address: string): Record<string, string> {
  return { 'x-forwarded-for': address };
}

export async function login(email: string, password: string, address = clientAddress()): Promise<string> {
  const response = await api<{ accessToken: string }>('POST', '/auth/login', { body: { email, password }, headers: asClient(address) });
  if (response.status !== 200) throw new Error(`login of ${email} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.accessToken;
}

/**
 * The seeded admin's session, logged in once per test file (jest gives each file its own module
 * registry) and shared by its tests: one account logged in by many concurrent tests at once would
 * otherwise look like password guessing to the login throttle, which counts every attempt until the
 * password is proven right.
 */
let adminSession: Promise<Session> | undefined;

async function loginAdmin(): Promise<Session> {
  const email = process.env.LOCKBOX_TEST_ADMIN_EMAIL!;
  const password = process.env.LOCKBOX_TEST_ADMIN_PASSWORD!;
  const token = await login(email, password);
  const me = await api<{ id: string }>('GET', '/me', { token });
  return { id: me.body.id, email, password, role: 'admin', token };
}

/** Registers a fresh account of the given role and logs it in; admins are the one seeded by global setup. */
export async function createSession(role: 'user' | 'developer' | 'admin'): Promise<Session> {
  if (role === 'admin') {
    adminSession ??= loginAdmin().catch((error: unknown) => {
      adminSession = undefined;
      throw error;
    });
    return adminSession;
  }
  const email = uniqueEmail(role);
  const password = `pw-${randomUUID()}`;
  const address = clientAddress();
  const registered = await api('POST', '/auth/register', { body: { email, password, role }, headers: asClient(address) });
  if (registered.status !== 201) throw new Error(`registration failed: ${registered.status} ${JSON.stringify(registered.body)}`);
  const token = await login(email, password, address);
  // Registration does not say whether it created the account (it may not, for a taken email): /me does.
  const me = await api<{ id: string }>('GET', '/me', { token });
  return { id: me.body.id, email, password, role, token };
}

export interface UploadPart {
  name: string;
  /** A file part when `filename` is set, otherwise a text field. */
  content: Buffer | string;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data request to the public API (dataset uploads, submissions). */
export async function upload<T = any>(path: string, parts: UploadPart[], options: { token?: string } = {}): Promise<ApiResponse<T>> {
  const form = new FormData();
  for (const part of parts) {
    if (part.filename === undefined) form.append(part.name, part.content.toString());
    else form.append(part.name, new Blob([part.content], { type: part.contentType ?? 'application/octet-stream' }), part.filename);
  }
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${apiUrl()}/api/v1${path}`, { method: 'POST', headers, body: form });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
