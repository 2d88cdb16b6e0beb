import type { LockboxConfig } from '@lockbox/config';
import type { User, UserRole } from '@lockbox/db';
import { hashPassword, verifyPassword } from './password-hasher';
import { DEFAULT_ADMIN_EMAIL, DEMO_DEVELOPER, DEMO_USER, DemoAccountsRefusedError, isLoopbackHost, operatorAdmin, seedAccounts } from './seed';
import type { UsersService } from './users.service';

/** The accounts table in memory: what the seed reads and writes of UsersService. */
class AccountsInMemory {
  readonly rows: User[] = [];

  async add(email: string, password: string, role: UserRole): Promise<User> {
    const user = {
      id: `id-${this.rows.length}`,
      email,
      passwordHash: await hashPassword(password),
      role,
      sessionEpoch: 0,
      createdAt: new Date(Date.now() + this.rows.length),
    } as User;
    this.rows.push(user);
    return user;
  }

  async passwordOf(email: string, candidate: string): Promise<boolean> {
    const user = this.rows.find((row) => row.email === email);
    return user !== undefined && verifyPassword(candidate, user.passwordHash);
  }

  get service(): UsersService {
    const find = (email: string): User | null => this.rows.find((row) => row.email === email) ?? null;
    return {
      findByEmail: async (email: string) => find(email),
      findFirstAdmin: async () => this.rows.find((row) => row.role === 'admin') ?? null,
      create: (email: string, password: string, role: UserRole) => this.add(email, password, role),
      ensureExists: async (email: string, password: string, role: UserRole) => {
        const existing = find(email);
        return existing ? { user: existing, created: false } : { user: await this.add(email, password, role), created: true };
      },
      setPassword: async (id: string, password: string) => {
        const user = this.rows.find((row) => row.id === id)!;
        user.passwordHash = await hashPassword(password);
        user.sessionEpoch++;
        return user;
      },
    } as unknown as UsersService;
  }
}

function configFor(host: string, seedAdmin?: { email: string; password: string }): LockboxConfig {
  return { api: { host }, seedAdmin } as LockboxConfig;
}

let generated = 0;
const generate = (): string => `generated-password-${++generated}`;

describe('seedAccounts', () => {
  it('creates admin@lockbox.local with a generated password, shown once, and never admin-password', async () => {
    const accounts = new AccountsInMemory();
    const first = await seedAccounts(accounts.service, configFor('127.0.0.1'), generate);
    const admin = first.find((account) => account.role === 'admin')!;
    expect(admin).toMatchObject({ email: DEFAULT_ADMIN_EMAIL, password: expect.stringMatching(/^generated-password-/) });
    expect(await accounts.passwordOf(DEFAULT_ADMIN_EMAIL, admin.password!)).toBe(true);
    expect(await accounts.passwordOf(DEFAULT_ADMIN_EMAIL, 'admin-password')).toBe(false);

    // The next start shows no password: the admin exists, and its password is whatever it is now.
    const second = await seedAccounts(accounts.service, configFor('127.0.0.1'), generate);
    expect(second.find((account) => account.role === 'admin')).toEqual({ email: DEFAULT_ADMIN_EMAIL, role: 'admin' });
    expect(await accounts.passwordOf(DEFAULT_ADMIN_EMAIL, admin.password!)).toBe(true);
  });

  it('replaces the password earlier versions published for admin@lockbox.local, ending its sessions', async () => {
    const accounts = new AccountsInMemory();
    const old = await accounts.add(DEFAULT_ADMIN_EMAIL, 'admin-password', 'admin');
    const seeded = await seedAccounts(accounts.service, configFor('127.0.0.1'), generate);
    const admin = seeded.find((account) => account.role === 'admin')!;
    expect(admin.password).toMatch(/^generated-password-/);
    expect(await accounts.passwordOf(DEFAULT_ADMIN_EMAIL, 'admin-password')).toBe(false);
    expect(old.sessionEpoch).toBe(1);
  });

  it('replaces that published password even when another admin is configured', async () => {
    const accounts = new AccountsInMemory();
    await accounts.add(DEFAULT_ADMIN_EMAIL, 'admin-password', 'admin');
    const seeded = await seedAccounts(accounts.service, configFor('127.0.0.1', { email: 'ops@example.com', password: 'configured password' }), generate);
    expect(seeded.filter((account) => account.role === 'admin').map((account) => [account.email, account.password !== undefined])).toEqual([
      [DEFAULT_ADMIN_EMAIL, true],
      ['ops@example.com', false],
    ]);
    expect(await accounts.passwordOf(DEFAULT_ADMIN_EMAIL, 'admin-password')).toBe(false);
  });

  it('uses the configured admin and shows no password for it, and makes no second admin when one exists', async () => {
    const accounts = new AccountsInMemory();
    const configured = await seedAccounts(accounts.service, configFor('127.0.0.1', { email: 'ops@example.com', password: 'configured password' }), generate);
    expect(configured[0]).toMatchObject({ email: 'ops@example.com', role: 'admin' });
    expect(configured[0]?.password).toBeUndefined();
    // Without the setting later on, the existing admin is the operator's: no admin@lockbox.local appears.
    await seedAccounts(accounts.service, configFor('127.0.0.1'), generate);
    expect(accounts.rows.map((row) => row.email)).not.toContain(DEFAULT_ADMIN_EMAIL);
    expect((await operatorAdmin(accounts.service, configFor('127.0.0.1'))).email).toBe('ops@example.com');
  });

  it('makes the demo accounts on a loopback HOST only', async () => {
    const loopback = new AccountsInMemory();
    await seedAccounts(loopback.service, configFor('127.0.0.1'), generate);
    expect(await loopback.passwordOf(DEMO_DEVELOPER.email, DEMO_DEVELOPER.password)).toBe(true);
    expect(await loopback.passwordOf(DEMO_USER.email, DEMO_USER.password)).toBe(true);

    const exposed = new AccountsInMemory();
    const seeded = await seedAccounts(exposed.service, configFor('0.0.0.0'), generate);
    expect(exposed.rows.map((row) => row.email)).toEqual([DEFAULT_ADMIN_EMAIL]);
    expect(seeded.map((account) => account.email)).toEqual([DEFAULT_ADMIN_EMAIL]);
  });

  it('refuses a non-loopback HOST while a demo account still has its published password', async () => {
    const accounts = new AccountsInMemory();
    await seedAccounts(accounts.service, configFor('127.0.0.1'), generate);
    await expect(seedAccounts(accounts.service, configFor('0.0.0.0'), generate)).rejects.toThrow(DemoAccountsRefusedError);
    await expect(seedAccounts(accounts.service, configFor('192.0.2.10'), generate)).rejects.toThrow(
      /developer@lockbox\.local, user@lockbox\.local still have their published passwords/,
    );

    for (const demo of [DEMO_DEVELOPER, DEMO_USER])
      await accounts.service.setPassword(accounts.rows.find((row) => row.email === demo.email)!.id, 'a private one');
    await expect(seedAccounts(accounts.service, configFor('0.0.0.0'), generate)).resolves.toHaveLength(1);
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback from every other address', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.0.2.10', '10.0.0.1', 'lockbox.example.com', '']) expect(isLoopbackHost(host)).toBe(false);
  });
});
