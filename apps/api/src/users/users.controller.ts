import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { UsersService } from '@lockbox/accounts';
import { Roles } from '../auth/auth.decorators';
import { toUserView, type UserView } from '../auth/user.view';
import { PageQuery } from '../common/page.query';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  async list(@Query() page: PageQuery): Promise<{ items: UserView[]; total: number; offset: number; limit: number }> {
    const { items, total } = await this.users.list(page.offset, page.limit);
    return { items: items.map(toUserView), total, offset: page.offset, limit: page.limit };
  }
}
