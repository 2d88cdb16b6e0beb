import type { Request, Response } from 'express';

/**
 * The console's session cookie. `__Host-` makes the browser insist on Secure, Path=/ and no Domain, so
 * no sibling host or plain-http page can plant or overwrite it. Chromium treats http://127.0.0.1 and
 * http://localhost as secure contexts and keeps Secure cookies there (checked by the browser suite), so
 * the same attributes hold on loopback as behind TLS. HttpOnly: the page cannot read it;
 * SameSite=Strict: no other site's page can make the browser send it.
 */
export const SESSION_COOKIE = '__Host-lockbox_session';
const ATTRIBUTES = 'Path=/; Secure; HttpOnly; SameSite=Strict';

/** The session token the request's Cookie header carries, if any. */
export function sessionTokenOf(request: Request): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === SESSION_COOKIE) return pair.slice(separator + 1).trim();
  }
  return undefined;
}

/** Sets the cookie for `maxAgeSeconds` (the absolute timeout: the browser drops it when the server would). */
export function setSessionCookie(response: Response, token: string, maxAgeSeconds: number): void {
  response.append('Set-Cookie', `${SESSION_COOKIE}=${token}; ${ATTRIBUTES}; Max-Age=${maxAgeSeconds}`);
}

export function clearSessionCookie(response: Response): void {
  response.append('Set-Cookie', `${SESSION_COOKIE}=; ${ATTRIBUTES}; Max-Age=0`);
}
