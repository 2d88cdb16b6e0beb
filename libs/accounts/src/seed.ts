import { randomBytes } from 'node:crypto';
import type { LockboxConfig } from '@lockbox/config';
import type { User, UserRole } from '@lockbox/db';
import { verifyPassword } from './password-hasher';
import type { UsersService } from './users.service';

export interface AccountCredentials {
  email: string;
  password: string;
  role: UserRole;
}

/**
 * Demo accounts of the embedded default, so a fresh `npm run up` can be tried at once. Their passwords
 * are published (here and in the README), so they exist only on a stack that listens on loopback.
 */
export const DEMO_DEVELOPER: AccountCredentials = { email: 'developer@lockbox.local', password: 'developer-password', role: 'developer' };
export const DEMO_USER: AccountCredentials = { email: 'user@lockbox.local', password: 'user-password', role: 'user' };
export const DEMO_ACCOUNTS: readonly AccountCredentials[] = [DEMO_DEVELOPER, DEMO_USER];

/** The admin made when none is configured (LOCKBOX_ADMIN_EMAIL / LOCKBOX_ADMIN_PASSWORD) and none exists. */
export const DEFAULT_ADMIN_EMAIL = 'admin@lockbox.local';
/** The password earlier versions gave that admin; a home that still has it gets a generated one instead. */
const PUBLISHED_ADMIN_PASSWORD = 'admin-password';

/** What the launcher prints of an account it ensured: the password only when it was generated just now. */
export interface SeededAccount {
  email: string;
  role: UserRole;
  /** Set only for a password to show once: one generated now, or a demo account's published one. */
  password?: string;
  /** How the account came to be as it is: shown next to it. */
  note?: string;
}

export class DemoAccountsRefusedError extends Error {
  constructor(host: string, accounts: string[]) {
    super(
      `refusing to serve on ${host}: the demo accounts ${accounts.join(', ')} still have their published passwords, so anyone ` +
        'who can reach this address could log in as them. Start on 127.0.0.1 and change their passwords (POST /api/v1/me/password), ' +
        'or use a LOCKBOX_HOME without them.',
    );
    this.name = 'DemoAccountsRefusedError';
  }
}

/** Whether `host` (what the API listens on, HOST) is reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name) || name === '::ffff:127.0.0.1';
}

/**
 * Ensures the accounts a stack starts with. Idempotent: existing accounts keep their passwords, except
 * an admin still carrying the password earlier versions published. No well-known password ever guards
 * the admin: it is the configured one, or generated here and shown once. The demo accounts, whose
 * passwords are published, are made only when the API listens on loopback; on any other address the
 * start is refused while they still exist with those passwords.
 */
export async function seedAccounts(users: UsersService, config: LockboxConfig, generatePassword = strongPassword): Promise<SeededAccount[]> {
  const loopback = isLoopbackHost(config.api.host);
  // Before anything is made: a refused start must not have generated an admin password it never shows.
  if (!loopback) await refusePublishedDemoAccounts(users, config.api.host);
  const seeded = await seedAdmins(users, config, generatePassword);
  if (!loopback) return seeded;
  for (const account of DEMO_ACCOUNTS) {
    const { created } = await users.ensureExists(account.email, account.password, account.role);
    seeded.push({ email: account.email, role: account.role, password: account.password, note: created ? 'demo account, created' : 'demo account' });
  }
  return seeded;
}

/** The configured admin, or the first admin there is, or admin@lockbox.local made now; never the published password. */
async function seedAdmins(users: UsersService, config: LockboxConfig, generatePassword: () => string): Promise<SeededAccount[]> {
  const retired = await retirePublishedAdminPassword(users, generatePassword);
  const seeded = retired ? [retired] : [];
  if (config.seedAdmin) {
    const { created } = await users.ensureExists(config.seedAdmin.email, config.seedAdmin.password, 'admin');
    return [...seeded, { email: config.seedAdmin.email, role: 'admin', note: created ? 'from LOCKBOX_ADMIN_EMAIL, created' : 'from LOCKBOX_ADMIN_EMAIL' }];
  }
  if (retired) return seeded;
  const firstAdmin = await users.findFirstAdmin();
  if (firstAdmin) return [{ email: firstAdmin.email, role: 'admin' }];
  const password = generatePassword();
  await users.create(DEFAULT_ADMIN_EMAIL, password, 'admin');
  return [{ email: DEFAULT_ADMIN_EMAIL, role: 'admin', password, note: 'created with this generated password, shown only now' }];
}

/** A home from an earlier version may still have admin@lockbox.local with its published password: it gets a generated one. */
async function retirePublishedAdminPassword(users: UsersService, generatePassword: () => string): Promise<SeededAccount | undefined> {
  const defaultAdmin = await users.findByEmail(DEFAULT_ADMIN_EMAIL);
  if (!defaultAdmin || !(await verifyPassword(PUBLISHED_ADMIN_PASSWORD, defaultAdmin.passwordHash))) return undefined;
  const password = generatePassword();
  await users.setPassword(defaultAdmin.id, password);
  return { email: DEFAULT_ADMIN_EMAIL, role: defaultAdmin.role, password, note: 'its published password was replaced by this one; it is shown only now' };
}

async function refusePublishedDemoAccounts(users: UsersService, host: string): Promise<void> {
  const published: string[] = [];
  for (const account of DEMO_ACCOUNTS) {
    const user = await users.findByEmail(account.email);
    if (user && (await verifyPassword(account.password, user.passwordHash))) published.push(account.email);
  }
  if (published.length > 0) throw new DemoAccountsRefusedError(host, published);
}

/** 24 random bytes, base64url: about 190 bits, no characters a shell or a URL would mangle. */
function strongPassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The admin account the launcher and `npm run demo` act as: the configured one, or else the first
 * admin made (the generated admin@lockbox.local on a fresh home).
 */
export async function operatorAdmin(users: UsersService, config: LockboxConfig): Promise<User> {
  const admin = config.seedAdmin ? await users.findByEmail(config.seedAdmin.email) : await users.findFirstAdmin();
  if (!admin || admin.role !== 'admin') {
    throw new Error(
      config.seedAdmin
        ? `${config.seedAdmin.email} (LOCKBOX_ADMIN_EMAIL) is not an admin account`
        : 'this stack has no admin account: start it with `npm run up`',
    );
  }
  return admin;
}
