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
