// The console's one way to the API: same origin, the session cookie sent by the browser (the page never
// sees it), and the session's CSRF token on every request that may change something.

export interface ApiErrorBody {
  statusCode?: number;
  error?: string;
  message?: string | string[];
  retryAfterSeconds?: number;
}

/** An answer other than 2xx, in words a person can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const API_PREFIX = '/api/v1';
const SAFE_METHODS = new Set(['GET', 'HEAD']);

let csrfToken: string | undefined;
let onSessionLost: (() => void) | undefined;

/** Set at sign-in and when a reloaded page finds its session. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when an answer says the session is gone (401), so the app can ask the person to sign in again. */
export function setSessionLostHandler(handler: (() => void) | undefined): void {
  onSessionLost = handler;
}

/** The message of an error answer, whatever its shape: a validation list becomes one sentence. */
export function messageOf(status: number, body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const message = (body as ApiErrorBody).message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string' && message.length > 0) return message;
  }
  if (status === 0) return 'The server could not be reached: check your connection and try again';
  return fallback;
}

function errorFrom(status: number, body: unknown): ApiError {
  const code = body && typeof body === 'object' && typeof (body as ApiErrorBody).error === 'string' ? (body as { error: string }).error : String(status);
  return new ApiError(status, messageOf(status, body, `The server answered ${status}`), code);
}

function headersFor(method: string, json: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (json) headers['content-type'] = 'application/json';
  if (!SAFE_METHODS.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  return headers;
}

async function parse(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One JSON call; throws ApiError for any answer other than 2xx. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${API_PREFIX}${path}`, {
      method,
      credentials: 'same-origin',
      headers: headersFor(method, body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, messageOf(0, undefined, ''), 'network');
  }
  const parsed = await parse(response);
  if (response.status === 401 && !path.startsWith('/auth/session')) onSessionLost?.();
  if (!response.ok) throw errorFrom(response.status, parsed);
  return parsed as T;
}

/** Plain text (run logs). */
export async function apiText(path: string): Promise<string> {
  const response = await fetch(`${API_PREFIX}${path}`, { credentials: 'same-origin', headers: { accept: 'text/plain' } });
  if (!response.ok) throw errorFrom(response.status, await parse(response));
  return response.text();
}

/**
 * A multipart upload with progress: fetch cannot report how much of a body was sent, XMLHttpRequest can.
 * `onProgress` gets the fraction sent (0 to 1). The CSRF header is sent as on any other change.
 */
export function uploadForm<T>(path: string, form: FormData, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${API_PREFIX}${path}`);
    request.withCredentials = false;
    request.setRequestHeader('accept', 'application/json');
    if (csrfToken) request.setRequestHeader('x-csrf-token', csrfToken);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      let body: unknown = request.responseText;
      try {
        body = request.responseText ? (JSON.parse(request.responseText) as unknown) : undefined;
      } catch {
        // not JSON: keep the text
      }
      if (request.status === 401) onSessionLost?.();
      if (request.status >= 200 && request.status < 300) resolve(body as T);
      else reject(errorFrom(request.status, body));
    };
    request.onerror = () => reject(new ApiError(0, messageOf(0, undefined, ''), 'network'));
    request.onabort = () => reject(new ApiError(0, 'The upload was cancelled', 'aborted'));
    signal?.addEventListener('abort', () => request.abort());
    request.send(form);
  });
}

/** The message to show for anything a call threw. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}
