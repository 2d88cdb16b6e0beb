import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { isCorrelationId, runWithLogContext } from '@lockbox/logging';

const HEADER = 'x-request-id';

type RequestWithId = Request & { correlationId?: string };

/**
 * Tags each request with an id (the caller's `X-Request-Id` when sane) that errors and logs carry: the
 * rest of the request runs in a log context holding it, and a job the request queues carries it on
 * (outbox, SQS message attribute, the worker's lines for the job).
 */
export function correlationIdMiddleware(request: Request, response: Response, next: NextFunction): void {
  const offered = request.header(HEADER);
  const id = isCorrelationId(offered) ? offered : randomUUID();
  (request as RequestWithId).correlationId = id;
  response.setHeader(HEADER, id);
  runWithLogContext({ correlationId: id }, next);
}

export function correlationIdOf(request: Request): string | undefined {
  return (request as RequestWithId).correlationId;
}
