import type { NextFunction, Request, Response } from 'express';
import { API_CSP, API_DOCS_CSP, CONSOLE_CSP, securityHeaders } from './security-headers';

function headersFor(path: string, secure = false): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = { setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value) } as unknown as Response;
  const next = jest.fn() as NextFunction;
  securityHeaders({ path, secure } as Request, response, next);
  expect(next).toHaveBeenCalled();
  return headers;
}

describe('securityHeaders', () => {
  it("gives the console's pages the strict CSP: scripts, styles and connections from the origin only, no framing", () => {
    for (const path of ['/', '/catalogue', '/runs/abc', '/assets/index-x.js', '/apiary']) expect(headersFor(path)['content-security-policy']).toBe(CONSOLE_CSP);
    for (const directive of [
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ]) {
      expect(CONSOLE_CSP.split('; ')).toContain(directive);
    }
    expect(CONSOLE_CSP).not.toMatch(/unsafe-(eval|inline)/);
  });

  it('gives the API its own policy, and the OpenAPI page inline styles only', () => {
    expect(headersFor('/api/v1/runs')['content-security-policy']).toBe(API_CSP);
    expect(headersFor('/api')['content-security-policy']).toBe(API_CSP);
    expect(headersFor('/api/docs')['content-security-policy']).toBe(API_DOCS_CSP);
    expect(API_DOCS_CSP).toContain("script-src 'self'");
    expect(API_DOCS_CSP).not.toContain('unsafe-eval');
  });

  it('sets the protective headers everywhere, HSTS only over TLS, and never a CORS header', () => {
    const headers = headersFor('/api/v1/health');
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'x-frame-options': 'DENY',
    });
    expect(headers['permissions-policy']).toContain('camera=()');
    expect(headers['strict-transport-security']).toBeUndefined();
    expect(headersFor('/', true)['strict-transport-security']).toBe('max-age=31536000');
    expect(Object.keys(headers).some((name) => name.startsWith('access-control-'))).toBe(false);
  });
});
