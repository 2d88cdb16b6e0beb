import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { UsersService } from '@lockbox/accounts';
import { User } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
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
    private readonly users: UsersService,
    private readonly callers: CallerCache,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get()
  async list(@Query() page: PageQuery): Promise<{ items: UserView[]; total: number; offset: number; limit: number }> {
    const { items, total } = await this.users.list(page.offset, page.limit);
    return { items: items.map(toUserView), total, offset: page.offset, limit: page.limit };
  }

  /**
   * Changes an account's role. Everything that authenticated it ends with the old role: its access
   * tokens (the session epoch goes up), its personal API tokens (revoked: one minted by a person must not
   * turn into a developer's or an admin's) and its browser sessions; it signs in again. An admin cannot
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
    const changed = await this.dataSource.transaction(async (manager) => {
      const [before] = (await manager.query(`SELECT role FROM users WHERE id = $1 FOR UPDATE`, [id])) as { role: string }[];
      if (!before) throw new DomainError('not_found', 'Account not found');
      if (before.role !== body.role) {
        await manager.query(`UPDATE users SET role = $2, session_epoch = session_epoch + 1 WHERE id = $1`, [id, body.role]);
        await manager.query(`UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [id]);
        await manager.query(`DELETE FROM browser_sessions WHERE user_id = $1`, [id]);
        await manager.query(
          `INSERT INTO audit_events (actor_id, actor, subject_user_id, action, target_type, target_id, detail) VALUES ($1, $2, $3, 'user.role_changed', 'user', $3, $4)`,
          [caller.id, `user:${caller.id}`, id, { from: before.role, to: body.role }],
        );
      }
      return toUserView(await manager.findOneByOrFail(User, { id }));
    });
    // This instance at once; others within LOCKBOX_CALLER_CACHE_MS, when their epoch check sees the new one.
    this.callers.forget(id);
    return changed;
  }
}
