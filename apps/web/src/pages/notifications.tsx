import { useCallback, useState } from 'react';
import { EmptyState, ErrorMessage, Loading, PageHeading, useAsync } from '../components/ui';
import { api } from '../lib/api';
import { useLiveEvents } from '../lib/events';
import { formatDateTime } from '../lib/format';
import { Link } from '../lib/router';
import type { Notification, Page } from '../lib/types';

function linkFor(notification: Notification): string | undefined {
  if (!notification.subjectId) return undefined;
  if (notification.type.startsWith('run.')) return `/runs/${notification.subjectId}`;
  if (notification.type.startsWith('dataset.')) return `/datasets/${notification.subjectId}`;
  return undefined;
}

export default function Notifications() {
  const list = useAsync(() => api<Page<Notification> & { unreadCount: number }>('GET', '/notifications?limit=100'), []);
  const [error, setError] = useState<unknown>();
  const reload = list.reload;
  useLiveEvents(
    useCallback(
      (event: { type: string }) => {
        if (event.type !== 'run.progress') reload();
      },
      [reload],
    ),
  );
  const markAll = () => {
    api('POST', '/notifications/read-all').then(reload, (failure: unknown) => setError(failure));
  };
  const markOne = (id: string) => {
    api('POST', `/notifications/${id}/read`).then(reload, (failure: unknown) => setError(failure));
  };
  return (
    <>
      <PageHeading title="Notifications">Notifications</PageHeading>
      <ErrorMessage error={list.error ?? error} />
      {list.loading && !list.data ? <Loading what="your notifications" /> : null}
      {list.data && list.data.items.length === 0 ? (
        <EmptyState title="Nothing new">
          <p>You are told here when a run finishes or an upload has been read.</p>
        </EmptyState>
      ) : null}
      {list.data && list.data.items.length > 0 ? (
        <>
          <p>
            {list.data.unreadCount} unread.{' '}
            {list.data.unreadCount > 0 ? (
              <button type="button" onClick={markAll}>
                Mark all as read
              </button>
            ) : null}
          </p>
          <ul className="list">
            {list.data.items.map((notification) => {
              const to = linkFor(notification);
              return (
                <li key={notification.id} className={notification.readAt ? 'read' : 'unread'}>
                  <strong>{to ? <Link to={to}>{notification.title}</Link> : notification.title}</strong>
                  {notification.readAt ? null : <span className="status">Unread</span>}
                  <span>{notification.body}</span>
                  <span className="muted">{formatDateTime(notification.createdAt)}</span>
                  {notification.readAt ? null : (
                    <button type="button" className="link-button" onClick={() => markOne(notification.id)}>
                      Mark as read<span className="visually-hidden">: {notification.title}</span>
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </>
  );
}
