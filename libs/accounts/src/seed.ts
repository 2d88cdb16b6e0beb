import type { LockboxConfig } from '@lockbox/config';
import type { UserRole } from '@lockbox/db';
import type { UsersService } from './users.service';

export interface AccountCredentials {
  email: string;
  password: string;
  role: UserRole;
}

/** Demo accounts of the embedded default, so a fresh `npm run up` can be tried at once. */
export const DEMO_DEVELOPER: AccountCredentials = { email: 'developer@lockbox.local', password: 'developer-password', role: 'developer' };
export const DEMO_USER: AccountCredentials = { email: 'user@lockbox.local', password: 'user-password', role: 'user' };
/** Used only when no admin is configured with LOCKBOX_ADMIN_EMAIL / LOCKBOX_ADMIN_PASSWORD. */
export const DEMO_ADMIN: AccountCredentials = { email: 'admin@lockbox.local', password: 'admin-password', role: 'admin' };

/** The admin the seed ensures: the configured one, or the demo admin. */
export function seedAdminOf(config: LockboxConfig): AccountCredentials {
  return config.seedAdmin ? { ...config.seedAdmin, role: 'admin' } : DEMO_ADMIN;
}

export interface SeededAccount extends AccountCredentials {
  created: boolean;
  /** Whether to print the password: not for an admin the operator configured. */
  showPassword: boolean;
}

/** Idempotent: existing accounts are left as they are (their passwords are not reset). */
export async function seedAccounts(users: UsersService, config: LockboxConfig): Promise<SeededAccount[]> {
  const accounts = [seedAdminOf(config), DEMO_DEVELOPER, DEMO_USER];
  const seeded: SeededAccount[] = [];
  for (const account of accounts) {
    const { created } = await users.ensureExists(account.email, account.password, account.role);
    seeded.push({ ...account, created, showPassword: account !== accounts[0] || !config.seedAdmin });
  }
  return seeded;
}
