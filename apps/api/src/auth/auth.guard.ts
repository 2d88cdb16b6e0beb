import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { type AccessTokenClaims, ApiTokensService, isApiToken, sessionEpochOf, type UserIdentity, UsersService } from '@lockbox/accounts';
import type { UserRole } from '@lockbox/db';
import { ACCEPTS_EVENT_TICKET, type Authentication, type Caller, IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators';
import { BrowserSessionService } from './browser-session.service';
import { CallerCache } from './caller-cache';
import { EventTicketService } from './event-ticket.service';
import { sessionTokenOf } from './session-cookie';

/** Requests that change nothing: a cookie-authenticated one needs no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/** Whose a credential is and, for access tokens and event tickets, the session epoch it was issued under. */
interface Credential {
  userId: string;
  authenticatedBy: Authentication;
  /** Undefined for personal API tokens, which a password change revokes outright. */
  epoch?: number;
  /** Set when a browser session's cookie authenticated the request. */
  browserSessionId?: string;
}

/**
 * The global guard: every route needs a valid bearer token or the console's session cookie unless
 * marked @Public(), and @Roles() narrows it further. The token is either a short-lived access token
 * (JWT) or a personal API token; a request that sends an Authorization header is judged by it alone and
 * its cookies are never read. Without one, the session cookie counts, and every request with it that may
 * change something needs the session's CSRF token in X-CSRF-Token (multipart uploads too). Routes marked
 * @AcceptsEventTicket() take a single-use `?ticket=` instead, when one is given. A credential issued
 * before the account's last password change (an earlier session epoch) is refused.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly apiTokens: ApiTokensService,
    private readonly eventTickets: EventTicketService,
    private readonly callers: CallerCache,
    private readonly browserSessions: BrowserSessionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const acceptsEventTicket = this.reflector.get<boolean | undefined>(ACCEPTS_EVENT_TICKET, context.getHandler()) === true;
    const caller = await this.authenticate(request, acceptsEventTicket);
    if (!caller) throw new UnauthorizedException('A valid bearer token is required (or, in the console, a session: sign in)');
    request.caller = caller;

    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && !roles.includes(caller.role)) throw new ForbiddenException(`This route is for: ${roles.join(', ')}`);
    return true;
  }

  private async authenticate(request: Request, acceptsEventTicket: boolean): Promise<Caller | undefined> {
    const credential = await this.credentialOf(request, acceptsEventTicket);
    if (!credential) return undefined;
    const identity = await this.identityFor(credential);
    if (!identity) return undefined;
    if (credential.epoch !== undefined && credential.epoch !== identity.sessionEpoch) return undefined;
    // Checked once the session is known to be live, so a stale cookie is told to sign in, not about CSRF.
    if (credential.browserSessionId !== undefined && !SAFE_METHODS.has(request.method)) {
      if (!this.browserSessions.csrfTokenMatches(credential.browserSessionId, request.header(CSRF_HEADER))) {
        throw new ForbiddenException('The X-CSRF-Token header is missing or does not match this session: reload the page');
      }
    }
    const caller: Caller = { ...identity, authenticatedBy: credential.authenticatedBy };
    if (credential.browserSessionId !== undefined) caller.browserSessionId = credential.browserSessionId;
    return caller;
  }

  private credentialOf(request: Request, acceptsEventTicket: boolean): Promise<Credential | undefined> {
    const ticket: unknown = acceptsEventTicket ? request.query.ticket : undefined;
    if (typeof ticket === 'string') return this.redeemTicket(ticket);
    if (request.header('authorization') !== undefined) return this.bearerCredential(request);
    return this.sessionCredential(request);
  }

  private async sessionCredential(request: Request): Promise<Credential | undefined> {
    const token = sessionTokenOf(request);
    if (token === undefined) return undefined;
    const session = await this.browserSessions.resolve(token);
    return session && { userId: session.userId, epoch: session.epoch, authenticatedBy: 'session', browserSessionId: session.id };
  }

  /**
   * The account, from the cache when it is fresh enough. A credential newer than the cached epoch means
   * the password changed through another instance: the account is read again, so the new session works
   * at once (while an old one may still pass here for up to LOCKBOX_CALLER_CACHE_MS).
   */
  private async identityFor(credential: Credential): Promise<UserIdentity | undefined> {
    const cached = this.callers.get(credential.userId);
    if (cached && (credential.epoch === undefined || credential.epoch <= cached.sessionEpoch)) return cached;
    const identity = await this.users.findIdentity(credential.userId);
    if (identity) this.callers.set(identity);
    return identity;
  }

  private async redeemTicket(ticket: string): Promise<Credential | undefined> {
    const redeemed = await this.eventTickets.redeem(ticket);
    return redeemed && { userId: redeemed.userId, epoch: redeemed.epoch, authenticatedBy: 'event_ticket' };
  }

  private async bearerCredential(request: Request): Promise<Credential | undefined> {
    const [scheme, token] = (request.header('authorization') ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) return undefined;
    if (isApiToken(token)) {
      const owner = await this.apiTokens.resolveOwner(token);
      return owner === undefined ? undefined : { userId: owner, authenticatedBy: 'api_token' };
    }
    return this.verifyAccessToken(token);
  }

  private async verifyAccessToken(token: string): Promise<Credential | undefined> {
    try {
      const claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, { algorithms: ['HS256'] });
      if (claims.typ !== 'access' || typeof claims.sub !== 'string') return undefined;
      return { userId: claims.sub, epoch: sessionEpochOf(claims.epoch), authenticatedBy: 'access_token' };
    } catch {
      return undefined;
    }
  }
}
