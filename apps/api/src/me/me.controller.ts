import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { type AccessToken, ApiTokensService, UsersService } from '@lockbox/accounts';
import { DomainError } from '@lockbox/errors';
import type { ApiToken } from '@lockbox/db';
import { type Caller, CurrentCaller } from '../auth/auth.decorators';
import { AuthService } from '../auth/auth.service';
import { clientAddress } from '../auth/client-address';
import { clearSessionCookie } from '../auth/session-cookie';
import { toUserView, type UserView } from '../auth/user.view';
import { ChangePasswordDto } from './dto/change-password.dto';
import { CreateApiTokenDto } from './dto/create-api-token.dto';

interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

function toApiTokenView(token: ApiToken): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    prefix: token.tokenPrefix,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt?.toISOString() ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  };
}

@ApiTags('me')
@ApiBearerAuth()
@Controller('me')
export class MeController {
  constructor(
    private readonly users: UsersService,
    private readonly apiTokens: ApiTokensService,
    private readonly auth: AuthService,
  ) {}

  @Get()
  async me(@CurrentCaller() caller: Caller): Promise<UserView> {
    const user = await this.users.findById(caller.id);
    if (!user) throw new DomainError('not_found', 'Account not found');
    return toUserView(user);
  }

  @Get('tokens')
  async listTokens(@CurrentCaller() caller: Caller): Promise<{ items: ApiTokenView[] }> {
    return { items: (await this.apiTokens.listForUser(caller.id)).map(toApiTokenView) };
  }

  /**
   * The token itself is in this response only; it is stored hashed. Only a login session may create
   * one: a leaked personal API token must not be able to mint itself successors that outlive its revocation.
   */
  @Post('tokens')
  @ApiForbiddenResponse({ description: 'The request was authenticated with a personal API token' })
  async createToken(@CurrentCaller() caller: Caller, @Body() body: CreateApiTokenDto): Promise<ApiTokenView & { token: string }> {
    if (caller.authenticatedBy !== 'access_token' && caller.authenticatedBy !== 'session') {
      throw new DomainError('forbidden', 'A personal API token cannot create tokens: log in with your password (POST /auth/login) and use that access token');
    }
    const { apiToken, token } = await this.apiTokens.issue(caller.id, body.name, body.expiresInDays);
    return { ...toApiTokenView(apiToken), token };
  }

  /**
   * Changes the password, given the current one, and ends every session of the account: every access
   * token issued before (on this API instance at once, on others within LOCKBOX_CALLER_CACHE_MS) and
   * every personal API token. The answer is a new access token, so the caller stays logged in; in the
   * console, whose page never holds a token, the session ends with the others and the person signs in again.
   */
  @Post('password')
  @HttpCode(200)
  @ApiOkResponse({
    description:
      'A new access token (none for a browser session, which has ended); every earlier access token, personal API token and browser session of the account is void',
  })
  @ApiForbiddenResponse({ description: 'The current password is wrong' })
  async changePassword(
    @CurrentCaller() caller: Caller,
    @Body() body: ChangePasswordDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AccessToken | { signedOut: true }> {
    const accessToken = await this.auth.changePassword(caller, body.currentPassword, body.newPassword, clientAddress(request));
    if (caller.browserSessionId === undefined) return accessToken;
    clearSessionCookie(response);
    return { signedOut: true };
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  async revokeToken(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.apiTokens.revoke(caller.id, id);
  }
}
