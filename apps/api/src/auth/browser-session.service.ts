import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { BrowserSessionsRepository, type SessionLifetimes } from '@lockbox/db';

/** A session's last-seen time is written at most this often: a burst of requests costs one UPDATE. */
const TOUCH_INTERVAL_SECONDS = 60;
const TOKEN_BYTES = 32;

/** A live browser session, as the auth guard needs it. */
export interface BrowserSession {
  id: string;
  userId: string;
  /** The account's session epoch at sign-in: a password change since then ends the session. */
  epoch: number;
}

export interface NewBrowserSession {
  /** The cookie's value: shown to the browser once, stored only as its SHA-256. */
  token: string;
  session: BrowserSession;
  csrfToken: string;
}

const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * The console's server-side sessions (browser_sessions). The browser holds a random secret in an
 * HttpOnly cookie; the table holds its hash, so a copy of the table opens no session. A session ends on
 * sign-out, after LOCKBOX_SESSION_IDLE_S without a request, LOCKBOX_SESSION_MAX_S after sign-in,
 * and with the account's next password change (its epoch). The CSRF token is derived from the session
 * id with a server key: the page gets it from the API, a cross-site page cannot.
 */
@Injectable()
export class BrowserSessionService {
  private readonly csrfKey: Buffer;
  private readonly lifetimes: SessionLifetimes;

  constructor(
    @Inject(LOCKBOX_CONFIG) config: LockboxConfig,
    private readonly sessions: BrowserSessionsRepository,
  ) {
    this.csrfKey = createHash('sha256').update(`lockbox-csrf:${config.auth.jwtSecret}`, 'utf8').digest();
    this.lifetimes = { maxSeconds: config.auth.sessionMaxSeconds, idleSeconds: config.auth.sessionIdleSeconds };
  }

  /** A new session with a new id (never one the browser brought along), after the account's expired ones are swept. */
  async create(userId: string, epoch: number): Promise<NewBrowserSession> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    await this.sessions.deleteExpiredOf(userId, this.lifetimes);
    const session = { id: await this.sessions.create(hashToken(token), userId, epoch), userId, epoch };
    return { token, session, csrfToken: this.csrfTokenFor(session.id) };
  }

  /** The live session the cookie's token names, or undefined; an expired one is deleted on the way. */
  async resolve(token: string): Promise<BrowserSession | undefined> {
    if (token.length === 0 || token.length > 128) return undefined;
    const row = await this.sessions.findLive(hashToken(token), this.lifetimes, TOUCH_INTERVAL_SECONDS);
    if (!row) {
      await this.end(token);
      return undefined;
    }
    if (row.stale) await this.sessions.touch(row.id);
    return { id: row.id, userId: row.userId, epoch: row.epoch };
  }

  /** Sign-out: the row goes, so the cookie opens nothing even if it was copied. */
  async end(token: string): Promise<void> {
    await this.sessions.deleteByTokenHash(hashToken(token));
  }

  /** A password change: every session of the account goes (the epoch check refuses them anyway). */
  async endAll(userId: string): Promise<void> {
    await this.sessions.deleteAllOf(userId);
  }

  csrfTokenFor(sessionId: string): string {
    return createHmac('sha256', this.csrfKey).update(sessionId, 'utf8').digest('base64url');
  }

  /** Whether `presented` is the session's CSRF token, compared in constant time. */
  csrfTokenMatches(sessionId: string, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const expected = Buffer.from(this.csrfTokenFor(sessionId), 'utf8');
    const given = Buffer.from(presented, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
