// Errors the CLI reports as one clear message and an exit code, without a stack trace.

/** A failure the user can act on: printed as `lockbox: <message>`, exit code 1 (2 for usage errors). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong arguments: exit code 2, like most command-line tools. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** What Node's system error codes mean, for the ones a user's input can cause (a path, a permission, an address). */
const SYSTEM_ERROR_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'not found',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, where a file was expected',
  ENOTDIR: 'is not a directory',
  EEXIST: 'already exists',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'no space left on the device',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
  ECONNREFUSED: 'connection refused (is it running?)',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
};

/**
 * A system error a user's mistake can cause (a missing or unreadable path, a refused connection), as one
 * line naming what it is about; undefined for anything else, which is the CLI's own bug. Looks through
 * `cause`, where fetch puts the socket's error.
 */
export function systemErrorMessage(error: unknown): string | undefined {
  // Duck-typed: errors from another realm (a test's sandbox) are no instances of this realm's Error.
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth++) {
    const { code, path, address, port, errors, cause } = current as NodeJS.ErrnoException & { address?: string; port?: number; errors?: unknown[] };
    const reason = typeof code === 'string' ? SYSTEM_ERROR_REASONS[code] : undefined;
    if (reason !== undefined) {
      const subject = path ?? (address === undefined ? undefined : port === undefined ? address : `${address}:${port}`);
      return subject === undefined ? `${reason} (${code})` : `${subject}: ${reason}`;
    }
    // A connection tried on several addresses (localhost: ::1, then 127.0.0.1) fails with an AggregateError.
    current = cause ?? errors?.[0];
  }
  return undefined;
}
