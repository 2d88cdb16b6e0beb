// The personal API token `lockbox login` stores: ~/.config/lockbox/credentials.json, mode 600.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error';

export interface StoredCredentials {
  /** The platform's base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  email: string;
  /** The personal API token (`lbx_…`). */
  token: string;
  tokenId: string;
  createdAt: string;
}

/** `LOCKBOX_CONFIG_DIR`, else `$XDG_CONFIG_HOME/lockbox`, else `~/.config/lockbox`. */
export function configDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.LOCKBOX_CONFIG_DIR) return env.LOCKBOX_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'lockbox');
}

export function credentialsPath(env: Readonly<Record<string, string | undefined>>): string {
  return join(configDir(env), 'credentials.json');
}

export async function saveCredentials(env: Readonly<Record<string, string | undefined>>, credentials: StoredCredentials): Promise<string> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = credentialsPath(env);
  // Written under a temporary name with mode 600 first, so the token is never readable by others, not even briefly.
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return path;
}

/** The stored credentials; CliError telling the user to log in when there are none. */
export async function loadCredentials(env: Readonly<Record<string, string | undefined>>): Promise<StoredCredentials> {
  const path = credentialsPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError('not logged in: run lockbox login --url <platform> --email <email> first');
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as Partial<StoredCredentials>;
    if (typeof value.url === 'string' && typeof value.token === 'string') return value as StoredCredentials;
  } catch {
    // reported below
  }
  throw new CliError(`${path} is damaged: run lockbox login again`);
}
