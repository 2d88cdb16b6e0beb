// Failures talking to the platform, as messages a developer can act on.
import { LockboxApiError } from '../client';
import { CliError } from './cli-error';

export function toCliError(error: unknown, url: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof LockboxApiError) {
    if (error.statusCode === 401) return new CliError(`${error.message}\nThe stored token is not valid any more: run lockbox login again`);
    return new CliError(error.message);
  }
  return new CliError(`cannot reach ${url}: ${(error as Error).message}`);
}
