import { type ArgumentsHost, Logger } from '@nestjs/common';
import { ErrorResponseFilter, loggablePath } from './error-response.filter';

const TICKET = 'eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOiJzc2UifQ.c2VjcmV0LXRpY2tldA';

function hostFor(url: string): { host: ArgumentsHost; sent: { status?: number; body?: unknown } } {
  const sent: { status?: number; body?: unknown } = {};
  const response = {
    headersSent: false,
    setHeader: () => undefined,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
    },
  };
  const request = { method: 'GET', url, originalUrl: url };
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) } as unknown as ArgumentsHost;
  return { host, sent };
}

describe('ErrorResponseFilter logging', () => {
  afterEach(() => jest.restoreAllMocks());

  it('logs an unexpected error on GET /events?ticket=… with its path, never the ticket', () => {
    const logged: unknown[][] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((...args: unknown[]) => void logged.push(args));
    const filter = new ErrorResponseFilter();

    const unexpected = hostFor(`/api/v1/events?ticket=${TICKET}`);
    filter.catch(new Error('boom'), unexpected.host);
    const unavailable = hostFor(`/api/v1/events?lastEventId=1&ticket=${TICKET}`);
    filter.catch(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), unavailable.host);

    expect(unexpected.sent.status).toBe(500);
    expect(unavailable.sent.status).toBe(503);
    expect(logged).toHaveLength(2);
    const text = JSON.stringify(logged);
    expect(text).toContain('GET /api/v1/events?…');
    expect(text).not.toContain(TICKET);
    expect(text).not.toContain('ticket=');
  });

  it('keeps paths without a query as they are', () => {
    expect(loggablePath({ originalUrl: '/api/v1/runs/1', url: '/runs/1' })).toBe('/api/v1/runs/1');
    expect(loggablePath({ originalUrl: '', url: '/runs?offset=1' })).toBe('/runs?…');
  });

  it('names the route a request matched, not its path, which can hold a name an analysis chose', () => {
    const request = {
      originalUrl: '/api/v1/runs/1/artifacts/alice.png',
      url: '/api/v1/runs/1/artifacts/alice.png',
      baseUrl: '',
      route: { path: '/api/v1/runs/:id/artifacts/:name' },
    };
    expect(loggablePath(request)).toBe('/api/v1/runs/:id/artifacts/:name');
  });
});
