import type { NextFunction, Request, Response } from 'express';

/**
 * The console's Content-Security-Policy. Scripts come only from this origin (no inline script, no eval:
 * the charts run Vega's expression interpreter), styles only from its stylesheet (the chart embed's
 * injected styles are turned off), every request goes to this origin only, and no other site may frame
 * the page. Nonce-free: the page is a static file.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "worker-src 'self'",
].join('; ');

/** JSON and downloads: nothing in an API answer may run, load or be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The OpenAPI page (Swagger UI): its own scripts only, but it writes inline styles. */
export const API_DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'usb=()',
  'serial=()',
  'hid=()',
  'browsing-topics=()',
].join(', ');

function policyFor(path: string): string {
  if (path === '/api/docs' || path.startsWith('/api/docs/') || path.startsWith('/api/docs-')) return API_DOCS_CSP;
  if (path === '/api' || path.startsWith('/api/')) return API_CSP;
  return CONSOLE_CSP;
}

/**
 * The same protective headers on every answer, page or JSON. A route may replace the CSP with a
 * stricter one (artifact downloads add `sandbox`). There are no CORS headers anywhere: the console is
 * same-origin, and other sites' pages get nothing they can read.
 */
export function securityHeaders(request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Content-Security-Policy', policyFor(request.path));
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
  // Only where the request came over TLS (directly or through a trusted proxy): on plain http it means nothing.
  if (request.secure) response.setHeader('Strict-Transport-Security', 'max-age=31536000');
  next();
}
