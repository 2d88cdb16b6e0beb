import { QueryFailedError } from 'typeorm';

/** PostgreSQL's error of a failed query (with its `code`), or undefined when the error is not a query's. */
export function queryDriverError(error: unknown): unknown {
  return error instanceof QueryFailedError ? error.driverError : undefined;
}

/** A unique key decided between two writers at once: the caller answers with its own conflict. */
export function isUniqueViolation(error: unknown): boolean {
  return (queryDriverError(error) as { code?: string } | undefined)?.code === '23505';
}
