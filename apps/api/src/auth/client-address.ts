import type { Request } from 'express';

/**
 * The client's address, as express derives it under LOCKBOX_TRUST_PROXY: the socket's peer, unless a
 * proxy that setting trusts forwarded the request (X-Forwarded-For). Logins and registrations are
 * throttled by it, so by default no header a client sends can change it.
 */
export function clientAddress(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}
