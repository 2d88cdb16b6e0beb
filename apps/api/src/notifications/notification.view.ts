import type { Notification } from '@lockbox/db';

export interface NotificationView {
  id: string;
  type: string;
  title: string;
  body: string;
  subjectId: string | null;
  readAt: string | null;
  createdAt: string;
}

export function toNotificationView(notification: Notification): NotificationView {
  return {
    id: notification.id,
    type: notification.type,
    title: notification.title,
    body: notification.body,
    subjectId: notification.subjectId,
    readAt: notification.readAt?.toISOString() ?? null,
    createdAt: notification.createdAt.toISOString(),
  };
}
