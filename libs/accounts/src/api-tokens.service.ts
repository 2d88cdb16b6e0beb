import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { ApiToken } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';

/** Personal API tokens start with this, which is how the auth guard tells them from access tokens. */
export const API_TOKEN_PREFIX = 'lbx_';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isApiToken(bearer: string): boolean {
  return bearer.startsWith(API_TOKEN_PREFIX);
}

@Injectable()
export class ApiTokensService {
  constructor(@InjectRepository(ApiToken) private readonly tokens: Repository<ApiToken>) {}

  /** Returns the stored row and the token itself, which is never stored and shown only this once. */
  async issue(userId: string, name: string, expiresInDays?: number): Promise<{ apiToken: ApiToken; token: string }> {
    const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
    const apiToken = await this.tokens.save(this.tokens.create({ userId, name, tokenHash: hashToken(token), tokenPrefix: token.slice(0, 12), expiresAt }));
    return { apiToken, token };
  }

  listForUser(userId: string): Promise<ApiToken[]> {
    return this.tokens.find({ where: { userId, revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  /** Revokes one of the caller's own tokens; anyone else's is reported as not found. */
  async revoke(userId: string, tokenId: string): Promise<void> {
    const result = await this.tokens.update({ id: tokenId, userId, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) throw new DomainError('not_found', 'Token not found');
  }

  /** The owner of a live token, or undefined for an unknown, revoked or expired one. */
  async resolveOwner(token: string): Promise<string | undefined> {
    const row = await this.tokens.findOneBy({ tokenHash: hashToken(token), revokedAt: IsNull() });
    if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return undefined;
    // Recording use at most once a minute keeps the hot path free of writes.
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
      await this.tokens.update({ id: row.id }, { lastUsedAt: new Date() });
    }
    return row.userId;
  }
}
