import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { UserRole } from '@lockbox/db';

export const IS_PUBLIC = 'lockbox:public';
export const REQUIRED_ROLES = 'lockbox:roles';
export const ACCEPTS_EVENT_TICKET = 'lockbox:accepts-event-ticket';

/** Opens a route to callers without a token. Every other route requires one (deny by default). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Restricts a route to the given roles; admins are not implicitly included. */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLES, roles);

/**
 * Lets a route also authenticate with a single-use `?ticket=` from `POST /events/ticket`, for browsers
 * whose EventSource cannot send headers. Only `GET /events` carries it.
 */
export const AcceptsEventTicket = (): MethodDecorator => SetMetadata(ACCEPTS_EVENT_TICKET, true);

/** How a request proved who it is from. */
export type Authentication = 'access_token' | 'api_token' | 'event_ticket' | 'session';

/** Who is calling, as established by the auth guard. */
export interface Caller {
  id: string;
  email: string;
  role: UserRole;
  /** The account's session epoch: what an access token or event ticket issued now must carry. */
  sessionEpoch: number;
  /** A personal API token may do less than a login session: it cannot create tokens. */
  authenticatedBy: Authentication;
  /** The console's session, when its cookie authenticated the request. */
  browserSessionId?: string;
}

export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  return context.switchToHttp().getRequest<{ caller: Caller }>().caller;
});
