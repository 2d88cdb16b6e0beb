import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { UsersService } from '@lockbox/accounts';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { AuditRepository, TransactionRunner, UsersRepository } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
import { PlatformEventsService } from '@lockbox/events';
import { type Caller, CurrentCaller, Roles } from '../auth/auth.decorators';
import { CallerCache } from '../auth/caller-cache';
import { toUserView, type UserView } from '../auth/user.view';
import { PageQuery } from '../common/page.query';
import { ChangeRoleDto } from './dto/change-role.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('users')
export class UsersController {
  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly users: UsersService,
    private readonly callers: CallerCache,
    private readonly transactions: TransactionRunner,
    private readonly accounts: UsersRepository,
    private readonly auditTrail: AuditRepository,
    private readonly events: PlatformEventsService,
  ) {}

  @Get()
  async list(@Query() page: PageQuery): Promise<{ items: UserView[]; total: number; offset: number; limit: number }> {
    const { items, total } = await this.users.list(page.offset, page.limit);
    return { items: items.map(toUserView), total, offset: page.offset, limit: page.limit };
  }

  /**
   * Changes an account's role. Everything that authenticated it ends with the old role: its access
   * tokens (the session epoch goes up), its personal API tokens (revoked: one minted by a person must not
   * turn into a developer's or an admin's), its browser sessions and its open event streams; it signs in again. An admin cannot
   * change their own role (so the last admin cannot demote themselves by mistake). Audited. A person's
   * datasets and runs stay theirs, unreachable under another role until the role is given back.
   */
  @Post(':id/role')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The account with its new role; it must sign in again' })
  @ApiNotFoundResponse({ description: 'No such account' })
  @ApiConflictResponse({ description: 'The caller tried to change their own role' })
  async changeRole(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: ChangeRoleDto): Promise<UserView> {
    if (id === caller.id) throw new DomainError('conflict', 'You cannot change your own role: ask another admin');
    const { view, moved } = await this.transactions.run(async (transaction) => {
      const change = await this.accounts.changeRole(transaction, id, body.role);
      if (!change) throw new DomainError('not_found', 'Account not found');
      if (change.from !== body.role) {
        await this.auditTrail.record(transaction, {
          actorId: caller.id,
          actor: `user:${caller.id}`,
          subjectUserId: id,
          action: 'user.role_changed',
          targetType: 'user',
          targetId: id,
          detail: { from: change.from, to: body.role },
        });
      }
      return { view: toUserView(change.user), moved: change.from !== body.role };
    });
    // This instance at once; others within LOCKBOX_CALLER_CACHE_MS, when their epoch check sees the new one.
    this.callers.forget(id);
    // A stream opened under the old role ends, on every instance; reconnecting checks the new one.
    if (moved) await this.events.endStreams(id, this.config.auth.callerCacheMs);
    return view;
  }
}
