import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { ApiTokensService, isApiToken, UsersService } from '@lockbox/accounts';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import type { UserRole } from '@lockbox/db';
import { ACCEPTS_EVENT_TICKET, type Caller, IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators';
import type { AccessTokenClaims } from './auth.service';
import { TtlCache } from '../common/ttl-cache';
import { EventTicketService } from './event-ticket.service';

/**
 * The global guard: every route needs a valid bearer token unless marked @Public(), and @Roles()
 * narrows it further. The token is either a short-lived access token (JWT) or a personal API token.
 * Routes marked @AcceptsEventTicket() take a single-use `?ticket=` instead, when one is given.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /**
   * Callers looked up lately, by user id, so a client's burst of requests costs one database read. A role
   * change or a removed account therefore reaches this instance up to LOCKBOX_CALLER_CACHE_MS late. The
   * token itself is checked on every request: a revoked API token stops working at once.
   */
  private readonly callers: TtlCache<Caller>;

  constructor(
    @Inject(LOCKBOX_CONFIG) config: LockboxConfig,
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly apiTokens: ApiTokensService,
    private readonly eventTickets: EventTicketService,
  ) {
    this.callers = new TtlCache(config.auth.callerCacheMs, 10_000);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const acceptsEventTicket = this.reflector.get<boolean | undefined>(ACCEPTS_EVENT_TICKET, context.getHandler()) === true;
    const caller = await this.authenticate(request, acceptsEventTicket);
    if (!caller) throw new UnauthorizedException('A valid bearer token is required');
    request.caller = caller;

    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && !roles.includes(caller.role)) throw new ForbiddenException(`This route is for: ${roles.join(', ')}`);
    return true;
  }

  private async authenticate(request: Request, acceptsEventTicket: boolean): Promise<Caller | undefined> {
    const ticket: unknown = acceptsEventTicket ? request.query.ticket : undefined;
    const userId = typeof ticket === 'string' ? await this.eventTickets.redeem(ticket) : await this.bearerOwner(request);
    if (!userId) return undefined;
    const cached = this.callers.get(userId);
    if (cached) return cached;
    const user = await this.users.findIdentity(userId);
    if (!user) return undefined;
    const caller: Caller = { id: user.id, email: user.email, role: user.role };
    this.callers.set(caller.id, caller);
    return caller;
  }

  private async bearerOwner(request: Request): Promise<string | undefined> {
    const [scheme, token] = (request.header('authorization') ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) return undefined;
    return isApiToken(token) ? this.apiTokens.resolveOwner(token) : this.verifyAccessToken(token);
  }

  private async verifyAccessToken(token: string): Promise<string | undefined> {
    try {
      const claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, { algorithms: ['HS256'] });
      return claims.typ === 'access' ? claims.sub : undefined;
    } catch {
      return undefined;
    }
  }
}
