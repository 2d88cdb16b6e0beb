import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { Notification } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';

export interface NotificationPage {
  items: Notification[];
  total: number;
  unreadCount: number;
}

/** A user's in-app notifications. Every query is scoped to the owner: someone else's is "not found". */
@Injectable()
export class NotificationsService {
  constructor(@InjectRepository(Notification) private readonly notifications: Repository<Notification>) {}

  async list(userId: string, page: { unreadOnly: boolean; offset: number; limit: number }): Promise<NotificationPage> {
    const where = page.unreadOnly ? { userId, readAt: IsNull() } : { userId };
    const [[items, total], unreadCount] = await Promise.all([
      this.notifications.findAndCount({ where, order: { createdAt: 'DESC', id: 'DESC' }, skip: page.offset, take: page.limit }),
      this.notifications.countBy({ userId, readAt: IsNull() }),
    ]);
    return { items, total, unreadCount };
  }

  /** Idempotent: reading it again keeps the time it was first read. */
  async markRead(userId: string, id: string): Promise<Notification> {
    await this.notifications.update({ id, userId, readAt: IsNull() }, { readAt: () => 'now()' });
    const notification = await this.notifications.findOneBy({ id, userId });
    if (!notification) throw new DomainError('not_found', 'Notification not found');
    return notification;
  }

  /** Returns how many were unread. */
  async markAllRead(userId: string): Promise<number> {
    const result = await this.notifications.update({ userId, readAt: IsNull() }, { readAt: () => 'now()' });
    return result.affected ?? 0;
  }
}
