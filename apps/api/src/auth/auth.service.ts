import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type AccessToken, accessTokenClaims, normalizeEmail, UsersService } from '@lockbox/accounts';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import type { User } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
import { PlatformEventsService } from '@lockbox/events';
import type { Caller } from './auth.decorators';
import { BrowserSessionService } from './browser-session.service';
import { CallerCache } from './caller-cache';
import { LoginThrottleService } from './login-throttle.service';

@Injectable()
export class AuthService {
  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly throttle: LoginThrottleService,
    private readonly callers: CallerCache,
    private readonly browserSessions: BrowserSessionService,
    private readonly events: PlatformEventsService,
  ) {}

  /**
   * Creates the account unless the email is taken; the caller is not told which (an existing account is
   * left untouched, and both ways cost the same). Counted per client address.
   */
  async register(email: string, password: string, role: 'user' | 'developer', address: string): Promise<void> {
    await this.throttle.countRegistration(address);
    await this.users.createIfAbsent(email, password, role);
  }

  async login(email: string, password: string, address: string): Promise<AccessToken> {
    return this.issueAccessToken(await this.checkPassword(email, password, address));
  }

  /** The console's sign-in: the same password check and backoff as a login, the account it opened. */
  async checkPassword(email: string, password: string, address: string): Promise<User> {
    const account = normalizeEmail(email);
    await this.throttle.beginAttempt(account, address);
    const user = await this.users.authenticate(account, password);
    if (!user) throw new UnauthorizedException('Email or password is wrong');
    await this.throttle.attemptSucceeded(account, address);
    return user;
  }

  /**
   * Checks the current password (throttled like a login, against the same account), sets the new one
   * and ends every session of the account: access tokens and event tickets of earlier epochs, every
   * personal API token and browser session, and the event streams open on any instance. This instance forgets the account at once; the caller gets a
   * new access token.
   */
  async changePassword(caller: Caller, currentPassword: string, newPassword: string, address: string): Promise<AccessToken> {
    if (newPassword === currentPassword) throw new DomainError('invalid', 'newPassword must differ from currentPassword');
    const account = normalizeEmail(caller.email);
    await this.throttle.beginAttempt(account, address);
    if (!(await this.users.hasPassword(caller.id, currentPassword))) throw new DomainError('forbidden', 'The current password is wrong');
    await this.throttle.attemptSucceeded(account, address);
    const user = await this.users.setPassword(caller.id, newPassword);
    this.callers.forget(caller.id);
    await this.browserSessions.endAll(caller.id);
    await this.events.endStreams(caller.id, this.config.auth.callerCacheMs);
    return this.issueAccessToken(user);
  }

  private async issueAccessToken(user: User): Promise<AccessToken> {
    const expiresIn = this.config.auth.accessTokenTtlSeconds;
    return { accessToken: await this.jwt.signAsync({ ...accessTokenClaims(user) }, { expiresIn }), tokenType: 'Bearer', expiresIn };
  }
}
