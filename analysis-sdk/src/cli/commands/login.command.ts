// lockbox login: a personal API token for this machine, stored for submit and status.
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { LockboxApiError, LockboxClient } from '../../client';
import { CliError, systemErrorMessage, UsageError } from '../cli-error';
import type { CliIo } from '../cli-io';
import { stringOption, type Command } from '../command';
import { saveCredentials } from '../credentials';

/** The platform URL as typed, checked and without a trailing slash (the client adds /api/v1). */
export function platformUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url '${text}' is not a URL (e.g. http://127.0.0.1:3000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be an http(s) URL (got ${url.protocol})`);
  return url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/api\/v1$/, '');
}

export const loginCommand: Command = {
  name: 'login',
  brief: 'store a personal API token for a platform',
  synopsis: '',
  summary: 'Logs in to a Lockbox platform and stores a new personal API token (POST /me/tokens) for lockbox submit and status.',
  details: `The password comes from --password, or is read from standard input (one line) when that is not a
terminal, or is prompted for. Only the token is stored, in $LOCKBOX_CONFIG_DIR/credentials.json
(default ~/.config/lockbox/credentials.json), readable by you alone (mode 600). Revoke it with
DELETE /api/v1/me/tokens/<id>.`,
  options: {
    url: { type: 'string', value: 'url', description: 'the platform, e.g. http://127.0.0.1:3000; required' },
    email: { type: 'string', short: 'e', value: 'email', description: 'your developer account; required' },
    password: { type: 'string', value: 'password', description: 'your password (visible in the process list: prefer stdin or the prompt)' },
    name: { type: 'string', value: 'name', description: 'a name for the token (default: lockbox CLI on <host>)' },
  },
  minPositionals: 0,
  maxPositionals: 0,
  async run(args, io) {
    const urlText = stringOption(args, 'url');
    const email = stringOption(args, 'email');
    if (!urlText || !email) throw new UsageError('--url and --email are required: lockbox login --url <platform> --email <email>');
    const url = platformUrl(urlText);
    const password = stringOption(args, 'password') ?? (await readPassword(io));
    if (!password) throw new UsageError('no password given');
    const tokenName = stringOption(args, 'name') ?? `lockbox CLI on ${hostname()}`;
    let token: { id: string; token: string };
    try {
      const session = await new LockboxClient(url).login(email, password);
      token = await session.request<{ id: string; token: string }>('POST', '/me/tokens', { name: tokenName }, 'create a personal API token');
    } catch (error) {
      if (error instanceof LockboxApiError) throw new CliError(error.statusCode === 401 ? `login failed: wrong email or password for ${email}` : error.message);
      throw new CliError(`cannot reach ${url}: ${systemErrorMessage(error) ?? (error as Error).message}`);
    }
    const path = await saveCredentials(io.env, { url, email, token: token.token, tokenId: token.id, createdAt: new Date().toISOString() }).catch(
      (error: unknown) => {
        throw new CliError(
          `logged in, but the token cannot be stored: ${systemErrorMessage(error) ?? (error as Error).message} (set LOCKBOX_CONFIG_DIR to a writable directory)`,
        );
      },
    );
    io.err(`logged in to ${url} as ${email}; token "${tokenName}" stored in ${path}\n`);
    return 0;
  },
};

async function readPassword(io: CliIo): Promise<string> {
  if (!io.stdin.isTTY) {
    let text = '';
    for await (const chunk of io.stdin) text += chunk.toString();
    return text.split(/\r?\n/)[0] ?? '';
  }
  const prompt = createInterface({ input: io.stdin, output: process.stderr, terminal: true });
  // Nothing typed is echoed: readline writes the line through _writeToOutput.
  (prompt as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => undefined;
  process.stderr.write('Password: ');
  try {
    return await new Promise<string>((resolve) => prompt.question('', resolve));
  } finally {
    prompt.close();
    process.stderr.write('\n');
  }
}
