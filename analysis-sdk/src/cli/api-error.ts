// Failures talking to the platform, as messages a developer can act on.
import { LockboxApiError } from '../client';
import { CliError, systemErrorMessage } from './cli-error';

export function toCliError(error: unknown, url: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof LockboxApiError) {
    if (error.statusCode === 401) return new CliError(`${error.message}\nThe stored token is not valid any more: run lockbox login again`);
    return new CliError(error.message);
  }
  // fetch says only "fetch failed"; the reason (refused, unknown host…) is in its cause.
  return new CliError(`cannot reach ${url}: ${systemErrorMessage(error) ?? (error as Error).message}`);
}
