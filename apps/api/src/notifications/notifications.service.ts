import { Injectable } from '@nestjs/common';
import { type Notification, NotificationsRepository } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';

export interface NotificationPage {
  items: Notification[];
  total: number;
  unreadCount: number;
}

/** A user's in-app notifications. Every query is scoped to the owner: someone else's is "not found". */
@Injectable()
export class NotificationsService {
  constructor(private readonly notifications: NotificationsRepository) {}

  async list(userId: string, page: { unreadOnly: boolean; offset: number; limit: number }): Promise<NotificationPage> {
    const [{ items, total }, unreadCount] = await Promise.all([this.notifications.pageForUser(userId, page), this.notifications.countUnreadForUser(userId)]);
    return { items, total, unreadCount };
  }

  /** Idempotent: reading it again keeps the time it was first read. */
  async markRead(userId: string, id: string): Promise<Notification> {
    await this.notifications.markReadForUser(userId, id);
    const notification = await this.notifications.findForUser(userId, id);
    if (!notification) throw new DomainError('not_found', 'Notification not found');
    return notification;
  }

  /** Returns how many were unread. */
  async markAllRead(userId: string): Promise<number> {
    return this.notifications.markAllReadForUser(userId);
  }
}
