import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A stack's home holds raw personal data (the S3 objects), the database, the services' credentials and
 * the JWT secret: it belongs to the account that runs the stack and to nobody else on the machine.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** What files and directories created under the home lose: every permission of group and others. */
export const PRIVATE_UMASK = 0o077;
const GROUP_SEARCH = 0o010;

/**
 * Creates the home (0700) and takes every group and other permission off what is already in it, so a
 * home from an earlier version, or one copied with a loose umask, becomes private on its next start.
 * Owner permissions are kept as they are; symbolic links and other filesystems mounted inside are
 * neither followed nor changed. With
 * `homeGroupSearch`, the home itself keeps search permission for its group, and nothing more: that is
 * how PostgreSQL, run as its own user when the stack runs as root, reaches its data directory (see
 * `grantGroupSearch`). Returns how many paths it changed.
 */
export function makeStatePrivate(home: string, options: { homeGroupSearch?: boolean } = {}): number {
  mkdirSync(home, { recursive: true, mode: PRIVATE_DIR_MODE });
  const homeDevice = lstatSync(home).dev;
  let changed = 0;
  const visit = (path: string): void => {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    // Another filesystem mounted inside (a run's output tmpfs, left by a killed worker) is not the home's state.
    if (!stat || stat.isSymbolicLink() || stat.dev !== homeDevice) return;
    const open = stat.mode & PRIVATE_UMASK & ~(path === home && options.homeGroupSearch ? GROUP_SEARCH : 0);
    if (open !== 0) {
      chmodSync(path, stat.mode & 0o7777 & ~open);
      changed++;
    }
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(home);
  return changed;
}

/**
 * Runs `spawn` with the private umask, so whatever the child creates (s3rver's objects, say) is the
 * owner's alone. A child inherits the umask when it is forked, which `spawn` does synchronously.
 */
export function withPrivateUmask<T>(spawn: () => T): T {
  const previous = process.umask(PRIVATE_UMASK);
  try {
    return spawn();
  } finally {
    process.umask(previous);
  }
}

/** A secret kept in the home (mode 0600): read when it exists, generated once otherwise. */
export function readOrCreateSecret(path: string, generate: () => string = () => randomBytes(24).toString('hex')): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = generate();
  writeFileSync(path, `${secret}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  return secret;
}
