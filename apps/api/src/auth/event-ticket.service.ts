import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { sessionEpochOf } from '@lockbox/accounts';
import { RedisRepository } from '@lockbox/events';
import type { Caller } from './auth.decorators';

export const EVENT_TICKET_TTL_SECONDS = 60;

export interface EventTicketClaims {
  sub: string;
  typ: 'sse';
  jti: string;
  /** The account's session epoch at issue: a password change in the next 60 s voids the ticket too. */
  epoch: number;
}

export interface EventTicket {
  ticket: string;
  expiresIn: number;
}

/**
 * Tickets let a browser open `GET /events`, because EventSource cannot send an Authorization header.
 *
 * A ticket is an HS256 JWT with `typ: 'sse'`, signed with the access tokens' secret. The guard's bearer
 * check accepts only `typ: 'access'`, so a ticket is never a bearer token, and only routes marked
 * `@AcceptsEventTicket()` read `?ticket=`. A ticket travels in a URL (access logs, history), so it lives
 * 60 s and works once: redeeming it records its `jti` in Redis until it would have expired anyway.
 * No log line carries it: the error filter logs paths without their query string.
 */
@Injectable()
export class EventTicketService {
  constructor(
    private readonly jwt: JwtService,
    private readonly redis: RedisRepository,
  ) {}

  async issue(caller: Pick<Caller, 'id' | 'sessionEpoch'>): Promise<EventTicket> {
    const claims: EventTicketClaims = { sub: caller.id, typ: 'sse', jti: randomUUID(), epoch: caller.sessionEpoch };
    const ticket = await this.jwt.signAsync(claims, { expiresIn: EVENT_TICKET_TTL_SECONDS });
    return { ticket, expiresIn: EVENT_TICKET_TTL_SECONDS };
  }

  /** The ticket's user and epoch, or undefined when it is forged, expired, not a ticket, or already used. */
  async redeem(ticket: string): Promise<{ userId: string; epoch: number } | undefined> {
    let claims: Partial<EventTicketClaims>;
    try {
      claims = await this.jwt.verifyAsync<EventTicketClaims>(ticket, { algorithms: ['HS256'] });
    } catch {
      return undefined;
    }
    if (claims.typ !== 'sse' || typeof claims.sub !== 'string' || typeof claims.jti !== 'string') return undefined;
    const firstUse = await this.redis.setIfAbsent(`event-ticket-used:${claims.jti}`, EVENT_TICKET_TTL_SECONDS);
    return firstUse ? { userId: claims.sub, epoch: sessionEpochOf(claims.epoch) } : undefined;
  }
}
