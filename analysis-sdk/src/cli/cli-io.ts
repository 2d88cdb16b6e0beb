// Where the CLI writes and what it runs in; tests pass their own to capture output.

export interface CliIo {
  /** Results: what a script would read. */
  out(text: string): void;
  /** Progress, warnings and errors. */
  err(text: string): void;
  /** The environment (LOCKBOX_CONFIG_DIR, HOME, DOCKER_HOST…). */
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Standard input, for a password piped in; a TTY means a person can be prompted. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    // eslint-disable-next-line no-restricted-properties -- the CLI is a user's own process, not platform configuration
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
  };
}
