import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { QueryFailedError } from 'typeorm';
import { DomainError, type DomainErrorCode, QuotaExceededError, type QuotaName } from '@lockbox/errors';
import { correlationIdOf } from './correlation-id.middleware';

const STATUS_OF_DOMAIN_ERROR: Record<DomainErrorCode, number> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  too_many_requests: HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

/** Connection-level failures mean a dependency is away: the client should retry, not give up. */
function isDependencyUnavailable(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Stream isn't writeable|Connection is closed/.test(message)
  );
}

/**
 * The request's path for a log line: the route it matched (`/api/v1/runs/:id/artifacts/:name`), since a
 * path can hold a name an analysis chose; otherwise the path without its query string: a query can
 * carry a credential (the single-use `?ticket=` of `GET /events`) or someone's search terms, and logs
 * keep both for too long.
 */
export function loggablePath(request: Pick<Request, 'originalUrl' | 'url'> & { baseUrl?: string; route?: { path?: unknown } }): string {
  const route = request.route?.path;
  if (typeof route === 'string') return `${request.baseUrl ?? ''}${route}`;
  const url = request.originalUrl || request.url;
  const query = url.indexOf('?');
  return query < 0 ? url : `${url.slice(0, query)}?…`;
}

export interface ErrorResponse {
  statusCode: number;
  error: string;
  message: string | string[];
  correlationId?: string;
  /** On a 429 for a quota: which one, its limit, and what the caller has in use. */
  quota?: QuotaName;
  limit?: number;
  inUse?: number;
}

/**
 * The one error contract of the HTTP API: `{ statusCode, error, message, correlationId }`, never a
 * stack trace. Unexpected errors are logged with the correlation id and answered with a plain 500.
 */
@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const correlationId = correlationIdOf(request);
    const { statusCode, message, headers } = this.describe(exception, correlationId, request);
    const body: ErrorResponse = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, correlationId };
    if (exception instanceof QuotaExceededError) Object.assign(body, { quota: exception.quota, limit: exception.limit, inUse: exception.inUse });
    if (response.headersSent) {
      response.end();
      return;
    }
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(statusCode).json(body);
  }

  private describe(
    exception: unknown,
    correlationId: string | undefined,
    request: Request,
  ): { statusCode: number; message: string | string[]; headers: Record<string, string> } {
    if (exception instanceof DomainError) {
      return { statusCode: STATUS_OF_DOMAIN_ERROR[exception.code], message: exception.message, headers: {} };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const payload = exception.getResponse();
      const message = typeof payload === 'string' ? payload : ((payload as { message?: string | string[] }).message ?? exception.message);
      const retryAfter = (payload as { retryAfterSeconds?: number }).retryAfterSeconds;
      return { statusCode, message, headers: retryAfter ? { 'Retry-After': String(retryAfter) } : {} };
    }
    if (isDependencyUnavailable(exception) || (exception instanceof QueryFailedError && isDependencyUnavailable(exception.driverError))) {
      this.logger.warn(`${request.method} ${loggablePath(request)} [${correlationId}] dependency unavailable: ${(exception as Error).message}`);
      return { statusCode: 503, message: 'A backing service is unavailable; retry shortly', headers: { 'Retry-After': '5' } };
    }
    this.logger.error(`${request.method} ${loggablePath(request)} [${correlationId}]`, exception instanceof Error ? exception.stack : String(exception));
    return { statusCode: 500, message: 'Internal server error', headers: {} };
  }
}
