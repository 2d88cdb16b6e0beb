import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const HEADER = 'x-request-id';
const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

type RequestWithId = Request & { correlationId?: string };

/** Tags each request with an id (the caller's `X-Request-Id` when sane) that errors and logs carry. */
export function correlationIdMiddleware(request: Request, response: Response, next: NextFunction): void {
  const offered = request.header(HEADER);
  const id = offered && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
  (request as RequestWithId).correlationId = id;
  response.setHeader(HEADER, id);
  next();
}

export function correlationIdOf(request: Request): string | undefined {
  return (request as RequestWithId).correlationId;
}
