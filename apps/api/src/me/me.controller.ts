import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiTokensService, UsersService } from '@lockbox/accounts';
import { DomainError } from '@lockbox/errors';
import type { ApiToken } from '@lockbox/db';
import { type Caller, CurrentCaller } from '../auth/auth.decorators';
import { toUserView, type UserView } from '../auth/user.view';
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

  /** The token itself is in this response only; it is stored hashed. */
  @Post('tokens')
  async createToken(@CurrentCaller() caller: Caller, @Body() body: CreateApiTokenDto): Promise<ApiTokenView & { token: string }> {
    const { apiToken, token } = await this.apiTokens.issue(caller.id, body.name, body.expiresInDays);
    return { ...toApiTokenView(apiToken), token };
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  async revokeToken(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.apiTokens.revoke(caller.id, id);
  }
}
