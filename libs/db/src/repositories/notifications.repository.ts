import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { Notification } from '../entities/notification.entity';

/**
 * A user's in-app notifications, read and marked read by their owner only (they are written with their
 * event, by PlatformEventsRepository). Plain lookups by column: TypeORM's entity API, which returns the
 * entity the API shows.
 */
@Injectable()
export class NotificationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get notifications() {
    return this.dataSource.getRepository(Notification);
  }

  /** Newest first; only the unread when `unreadOnly`. */
  async pageForUser(userId: string, page: { unreadOnly: boolean; offset: number; limit: number }): Promise<{ items: Notification[]; total: number }> {
    const where = page.unreadOnly ? { userId, readAt: IsNull() } : { userId };
    const [items, total] = await this.notifications.findAndCount({ where, order: { createdAt: 'DESC', id: 'DESC' }, skip: page.offset, take: page.limit });
    return { items, total };
  }

  async countUnreadForUser(userId: string): Promise<number> {
    return this.notifications.countBy({ userId, readAt: IsNull() });
  }

  async findForUser(userId: string, id: string): Promise<Notification | null> {
    return this.notifications.findOneBy({ id, userId });
  }

  /** Keeps the time it was first read; a no-op for a read one or someone else's. */
  async markReadForUser(userId: string, id: string): Promise<void> {
    await this.notifications.update({ id, userId, readAt: IsNull() }, { readAt: () => 'now()' });
  }

  /** Returns how many were unread. */
  async markAllReadForUser(userId: string): Promise<number> {
    const result = await this.notifications.update({ userId, readAt: IsNull() }, { readAt: () => 'now()' });
    return result.affected ?? 0;
  }
}
