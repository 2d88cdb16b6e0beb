import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, QueryFailedError, type Repository } from 'typeorm';
import { ApiToken, User, type UserRole } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
import { hashPassword, verifyPassword, UNKNOWN_ACCOUNT_HASH } from './password-hasher';

const UNIQUE_VIOLATION = '23505';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Who a token belongs to, as the auth guard needs it on every request. */
export type UserIdentity = Pick<User, 'id' | 'email' | 'role' | 'sessionEpoch'>;

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async create(email: string, password: string, role: UserRole): Promise<User> {
    const user = this.users.create({ email: normalizeEmail(email), passwordHash: await hashPassword(password), role });
    try {
      return await this.users.save(user);
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new DomainError('conflict', 'An account with this email already exists');
      }
      throw error;
    }
  }

  /**
   * Creates the account unless the email is taken, and says which. Both ways cost the same work (one
   * hash, one insert that may do nothing), so neither the answer's time nor its shape tells a caller
   * that an email exists; the existing account is left exactly as it was.
   */
  async createIfAbsent(email: string, password: string, role: UserRole): Promise<boolean> {
    const passwordHash = await hashPassword(password);
    const inserted = await this.users
      .createQueryBuilder()
      .insert()
      .values({ email: normalizeEmail(email), passwordHash, role })
      .orIgnore()
      .returning('id')
      .execute();
    return (inserted.raw as unknown[]).length > 0; // RETURNING's rows
  }

  /** Creates the account, or sets its password (ending its sessions) and role if it exists. Used by the admin command. */
  async upsert(email: string, password: string, role: UserRole): Promise<User> {
    const existing = await this.findByEmail(email);
    if (!existing) return this.create(email, password, role);
    await this.users.update({ id: existing.id }, { role });
    return this.setPassword(existing.id, password);
  }

  async ensureExists(email: string, password: string, role: UserRole): Promise<{ user: User; created: boolean }> {
    const existing = await this.findByEmail(email);
    if (existing) return { user: existing, created: false };
    return { user: await this.create(email, password, role), created: true };
  }

  /** Returns the user when the password matches; spends the same time when the account does not exist. */
  async authenticate(email: string, password: string): Promise<User | undefined> {
    const user = await this.findByEmail(email);
    const matches = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_ACCOUNT_HASH);
    return user && matches ? user : undefined;
  }

  /** Whether `password` is the account's current one. */
  async hasPassword(id: string, password: string): Promise<boolean> {
    const user = await this.findById(id);
    const matches = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_ACCOUNT_HASH);
    return user !== null && matches;
  }

  /**
   * Sets a new password and ends every session of the account in one transaction: the session epoch
   * goes up, so no access token or event ticket issued before is accepted any more, and every personal
   * API token is revoked (a stolen password may have minted them).
   */
  async setPassword(id: string, newPassword: string): Promise<User> {
    const passwordHash = await hashPassword(newPassword);
    return this.users.manager.transaction(async (manager) => {
      const updated = await manager
        .createQueryBuilder()
        .update(User)
        .set({ passwordHash, sessionEpoch: () => 'session_epoch + 1' })
        .where('id = :id', { id })
        .execute();
      if (!updated.affected) throw new DomainError('not_found', 'Account not found');
      await manager.update(ApiToken, { userId: id, revokedAt: IsNull() }, { revokedAt: new Date() });
      return manager.findOneByOrFail(User, { id });
    });
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: normalizeEmail(email) });
  }

  /** The first admin account made, if any: whom the launcher acts as when no admin is configured. */
  findFirstAdmin(): Promise<User | null> {
    return this.users.findOne({ where: { role: 'admin' }, order: { createdAt: 'ASC' } });
  }

  /** Who a token belongs to, as the auth guard needs it on every request: four columns by primary key, no entity. */
  async findIdentity(id: string): Promise<UserIdentity | undefined> {
    const [identity] = (await this.users.query(`SELECT id, email, role, session_epoch AS "sessionEpoch" FROM users WHERE id = $1`, [id])) as UserIdentity[];
    return identity;
  }

  async list(offset: number, limit: number): Promise<{ items: User[]; total: number }> {
    const [items, total] = await this.users.findAndCount({ order: { createdAt: 'ASC' }, skip: offset, take: limit });
    return { items, total };
  }
}
