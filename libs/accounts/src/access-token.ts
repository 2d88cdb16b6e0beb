import { createSecretKey, type KeyObject } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import type { LockboxConfig } from '@lockbox/config';
import type { User, UserRole } from '@lockbox/db';

/** What an access token says: whose it is, under which session epoch of the account it was issued. */
export interface AccessTokenClaims {
  sub: string;
  role: UserRole;
  typ: 'access';
  /**
   * The account's session epoch at issue; a password change raises the epoch and so ends the token.
   * Tokens issued before epochs existed have none, which counts as 0.
   */
  epoch?: number;
}

export interface AccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export function accessTokenClaims(user: Pick<User, 'id' | 'role' | 'sessionEpoch'>): AccessTokenClaims {
  return { sub: user.id, role: user.role, typ: 'access', epoch: user.sessionEpoch };
}

/** A token's epoch claim; tokens from before session epochs carry none: epoch 0, which the first password change ends. */
export function sessionEpochOf(claim: unknown): number {
  return typeof claim === 'number' && Number.isInteger(claim) ? claim : 0;
}

/**
 * The access tokens' HS256 key, as a KeyObject made once: given the secret as a string, jsonwebtoken
 * first tries to parse it as a public key on every sign and verify (and catches the failure), which
 * cost the API most of its CPU under load.
 */
export function jwtSigningKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/**
 * A short-lived access token for `user`, signed where the stack's JWT secret is at hand: the launcher
 * (to publish the sample analyses as the admin) and `npm run demo`. They run on the operator's machine
 * with the stack's home, whose JWT secret can sign any token anyway, so they act as the admin without
 * knowing a password nobody needs to store.
 */
export function operatorAccessToken(config: LockboxConfig, user: Pick<User, 'id' | 'role' | 'sessionEpoch'>, ttlSeconds = 600): Promise<string> {
  const jwt = new JwtService({ secret: jwtSigningKey(config.auth.jwtSecret), signOptions: { algorithm: 'HS256' } });
  return jwt.signAsync({ ...accessTokenClaims(user) }, { expiresIn: ttlSeconds });
}
