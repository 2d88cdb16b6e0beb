/** Domain errors carry a code; the API's error filter maps each code to an HTTP status. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export type DomainErrorCode = 'not_found' | 'conflict' | 'invalid' | 'unauthorized' | 'forbidden' | 'too_many_requests' | 'unavailable';

/** The per-user limits (see the `quotas` settings); each names what a 429 counted. */
export type QuotaName = 'active_runs' | 'datasets' | 'dataset_bytes' | 'pending_submissions' | 'sse_connections';

/**
 * A request that would take its user past a quota. Answered 429 with the quota, its limit and what the
 * user has in use, so a client can say what to free.
 */
export class QuotaExceededError extends DomainError {
  constructor(
    readonly quota: QuotaName,
    readonly limit: number,
    readonly inUse: number,
    message: string,
  ) {
    super('too_many_requests', message);
    this.name = 'QuotaExceededError';
  }
}
