import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { User, type UserRole } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
import { hashPassword, verifyPassword, UNKNOWN_ACCOUNT_HASH } from './password-hasher';

const UNIQUE_VIOLATION = '23505';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

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

  /** Creates the account, or sets its password and role if it exists. Used by the seed and the admin command. */
  async upsert(email: string, password: string, role: UserRole): Promise<User> {
    const existing = await this.users.findOneBy({ email: normalizeEmail(email) });
    if (!existing) return this.create(email, password, role);
    existing.passwordHash = await hashPassword(password);
    existing.role = role;
    return this.users.save(existing);
  }

  async ensureExists(email: string, password: string, role: UserRole): Promise<{ user: User; created: boolean }> {
    const existing = await this.users.findOneBy({ email: normalizeEmail(email) });
    if (existing) return { user: existing, created: false };
    return { user: await this.create(email, password, role), created: true };
  }

  /** Returns the user when the password matches; spends the same time when the account does not exist. */
  async authenticate(email: string, password: string): Promise<User | undefined> {
    const user = await this.users.findOneBy({ email: normalizeEmail(email) });
    const matches = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_ACCOUNT_HASH);
    return user && matches ? user : undefined;
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** Who a token belongs to, as the auth guard needs it on every request: three columns by primary key, no entity. */
  async findIdentity(id: string): Promise<Pick<User, 'id' | 'email' | 'role'> | undefined> {
    const [identity] = (await this.users.query(`SELECT id, email, role FROM users WHERE id = $1`, [id])) as Array<Pick<User, 'id' | 'email' | 'role'>>;
    return identity;
  }

  async list(offset: number, limit: number): Promise<{ items: User[]; total: number }> {
    const [items, total] = await this.users.findAndCount({ order: { createdAt: 'ASC' }, skip: offset, take: limit });
    return { items, total };
  }
}
