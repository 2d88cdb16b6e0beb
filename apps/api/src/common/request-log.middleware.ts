import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { bindToLogContext } from '@lockbox/logging';
import { loggablePath } from './error-response.filter';

const logger = new Logger('HTTP');

/** Polled by load balancers, monitors, the launcher and tests: a line each only when debugging. */
const QUIET_ROUTES = new Set(['/api/v1/health', '/api/v1/health/details']);

/**
 * One line per request when its response ends (or the client goes): method, route, status, duration and
 * the caller's account id, in the request's log context (so with its correlation id). The route is the
 * pattern (`/api/v1/runs/:id`), or for a path no route matched the path without its query (loggablePath):
 * a path or query can hold a ticket, a search, a file name. Registered after correlationIdMiddleware.
 */
export function requestLogMiddleware(request: Request, response: Response, next: NextFunction): void {
  const startedAt = performance.now();
  response.once(
    'close',
    bindToLogContext(() => {
      const route = loggablePath(request);
      const fields = {
        method: request.method,
        route,
        status: response.statusCode,
        durationMs: Math.round(performance.now() - startedAt),
        userId: (request as Request & { caller?: { id: string } }).caller?.id,
        ...(response.writableFinished ? {} : { aborted: true }),
      };
      const line = `${fields.method} ${route} ${fields.status} ${fields.durationMs}ms`;
      if (QUIET_ROUTES.has(route)) logger.debug(line, fields);
      else logger.log(line, fields);
    }),
  );
  next();
}
