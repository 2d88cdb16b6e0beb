import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Caller, CurrentCaller } from '../auth/auth.decorators';
import { ListNotificationsQuery } from './dto/list-notifications.query';
import { toNotificationView, type NotificationView } from './notification.view';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  /** The caller's notifications, newest first; `unreadCount` counts all unread ones, whatever the page. */
  @Get()
  async list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListNotificationsQuery,
  ): Promise<{ items: NotificationView[]; total: number; unreadCount: number; offset: number; limit: number }> {
    const { items, total, unreadCount } = await this.notifications.list(caller.id, {
      unreadOnly: query.unread === true,
      offset: query.offset,
      limit: query.limit,
    });
    return { items: items.map(toNotificationView), total, unreadCount, offset: query.offset, limit: query.limit };
  }

  @Post('read-all')
  @HttpCode(200)
  async readAll(@CurrentCaller() caller: Caller): Promise<{ updated: number }> {
    return { updated: await this.notifications.markAllRead(caller.id) };
  }

  @Post(':id/read')
  @HttpCode(200)
  async read(@CurrentCaller() caller: Caller, @Param('id', new ParseUUIDPipe()) id: string): Promise<NotificationView> {
    return toNotificationView(await this.notifications.markRead(caller.id, id));
  }
}
