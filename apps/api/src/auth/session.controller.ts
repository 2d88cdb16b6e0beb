import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { DomainError } from '@lockbox/errors';
import { type Caller, CurrentCaller, Public } from './auth.decorators';
import { AuthService } from './auth.service';
import { BrowserSessionService } from './browser-session.service';
import { clientAddress } from './client-address';
import { LoginDto } from './dto/login.dto';
import { clearSessionCookie, sessionTokenOf, setSessionCookie } from './session-cookie';
import { toUserView, type UserView } from './user.view';

/** What the console learns of its session: who is signed in and the token its changing requests carry. */
export interface BrowserSessionView {
  user: Pick<UserView, 'id' | 'email' | 'role'>;
  /** Send as X-CSRF-Token on every request that may change something (POST, PUT, PATCH, DELETE). */
  csrfToken: string;
  /** The session ends after this long without a request, and at `expiresAt` in any case. */
  idleTimeoutSeconds: number;
}

/**
 * The console's sessions: a server-side session behind an HttpOnly cookie the page cannot read. The CLI
 * and scripts keep using bearer tokens (`POST /auth/login`); these routes are for browsers.
 */
@ApiTags('auth')
@Controller('auth/session')
export class SessionController {
  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly auth: AuthService,
    private readonly sessions: BrowserSessionService,
  ) {}

  /**
   * Signs in: the same password check and backoff as `POST /auth/login`, then a new session (a new id,
   * whatever cookie the browser sent along, which is ended) in the `__Host-lockbox_session` cookie.
   */
  @Post()
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ description: 'Signed in: the cookie is set; the answer carries the CSRF token' })
  @ApiUnauthorizedResponse({ description: 'Email or password is wrong' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed attempts for this account or client address: retry after Retry-After seconds' })
  async signIn(@Body() body: LoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<BrowserSessionView> {
    const user = await this.auth.checkPassword(body.email, body.password, clientAddress(request));
    const previous = sessionTokenOf(request);
    if (previous !== undefined) await this.sessions.end(previous);
    const created = await this.sessions.create(user.id, user.sessionEpoch);
    setSessionCookie(response, created.token, this.config.auth.sessionMaxSeconds);
    return { user: pick(toUserView(user)), csrfToken: created.csrfToken, idleTimeoutSeconds: this.config.auth.sessionIdleSeconds };
  }

  /** The current session, for a page that was reloaded: who is signed in, and the CSRF token again. */
  @Get()
  @ApiCookieAuth()
  @ApiOkResponse({ description: 'The session is live' })
  @ApiUnauthorizedResponse({ description: 'No live session: sign in' })
  current(@CurrentCaller() caller: Caller): BrowserSessionView {
    const sessionId = browserSessionOf(caller);
    return {
      user: { id: caller.id, email: caller.email, role: caller.role },
      csrfToken: this.sessions.csrfTokenFor(sessionId),
      idleTimeoutSeconds: this.config.auth.sessionIdleSeconds,
    };
  }

  /** Signs out: the session is deleted on the server and the cookie cleared. Needs the CSRF token. */
  @Delete()
  @HttpCode(204)
  @ApiCookieAuth()
  @ApiNoContentResponse({ description: 'Signed out' })
  @ApiForbiddenResponse({ description: 'The X-CSRF-Token header is missing or wrong' })
  async signOut(@CurrentCaller() caller: Caller, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    browserSessionOf(caller);
    const token = sessionTokenOf(request);
    if (token !== undefined) await this.sessions.end(token);
    clearSessionCookie(response);
  }
}

function pick(user: UserView): BrowserSessionView['user'] {
  return { id: user.id, email: user.email, role: user.role };
}

/** These routes are about the cookie: a bearer token has no browser session to show or end. */
function browserSessionOf(caller: Caller): string {
  if (caller.browserSessionId === undefined)
    throw new DomainError('invalid', "This route is for the console's session cookie; a bearer token has no browser session");
  return caller.browserSessionId;
}
