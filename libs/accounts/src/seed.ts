import type { LockboxConfig } from '@lockbox/config';
import type { UsersService } from './users.service';

/** Demo accounts of the embedded default, so a fresh `npm run up` can be tried at once. */
export const DEMO_ACCOUNTS = [
  { email: 'developer@lockbox.local', password: 'developer-password', role: 'developer' },
  { email: 'user@lockbox.local', password: 'user-password', role: 'user' },
] as const;

export interface SeededAccount {
  email: string;
  password?: string;
  role: string;
  created: boolean;
}

/** Idempotent: existing accounts are left as they are. */
export async function seedAccounts(users: UsersService, config: LockboxConfig): Promise<SeededAccount[]> {
  const seeded: SeededAccount[] = [];
  if (config.seedAdmin) {
    const { created } = await users.ensureExists(config.seedAdmin.email, config.seedAdmin.password, 'admin');
    seeded.push({ email: config.seedAdmin.email, role: 'admin', created });
  }
  for (const account of DEMO_ACCOUNTS) {
    const { created } = await users.ensureExists(account.email, account.password, account.role);
    seeded.push({ ...account, created });
  }
  return seeded;
}
