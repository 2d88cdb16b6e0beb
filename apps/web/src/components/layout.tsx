// The frame of every signed-in page: a skip link, the navigation for the person's role, the unread
// count, and the page. Navigation is a list of entries with the roles that see them, so the developers'
// and admins' pages (part 2 of the console) are entries and routes added here and in app.tsx.
import { type ReactNode, useCallback } from 'react';
import { api } from '../lib/api';
import { useLiveEvents } from '../lib/events';
import { Link, useRouter } from '../lib/router';
import { useSession } from '../lib/session';
import type { Notification, Page, Role } from '../lib/types';
import { useAsync } from './ui';

export interface NavEntry {
  to: string;
  label: string;
  roles: readonly Role[];
}

export const NAV_ENTRIES: readonly NavEntry[] = [
  { to: '/catalogue', label: 'Catalogue', roles: ['user', 'developer', 'admin'] },
  { to: '/datasets', label: 'My data', roles: ['user'] },
  { to: '/runs', label: 'My runs', roles: ['user'] },
  { to: '/submissions', label: 'My submissions', roles: ['developer'] },
  { to: '/developer/start', label: 'Start here', roles: ['developer'] },
  { to: '/submissions', label: 'Review queue', roles: ['admin'] },
  { to: '/admin/accounts', label: 'Accounts', roles: ['admin'] },
  { to: '/admin/health', label: 'Health', roles: ['admin'] },
];

export function navFor(role: Role): NavEntry[] {
  return NAV_ENTRIES.filter((entry) => entry.roles.includes(role));
}

function UnreadCount() {
  const unread = useAsync(() => api<Page<Notification> & { unreadCount: number }>('GET', '/notifications?limit=1'), []);
  const reload = unread.reload;
  const onEvent = useCallback(
    (event: { type: string }) => {
      if (/^run\.(succeeded|failed|timed_out|cancelled)$|^dataset\.(ready|failed|ingested)$|^submission\.|^analysis\.suspended$/.test(event.type)) reload();
    },
    [reload],
  );
  useLiveEvents(onEvent);
  const count = unread.data?.unreadCount ?? 0;
  return (
    <span className="badge" aria-live="polite">
      {count > 0 ? count : ''}
      <span className="visually-hidden">{count === 1 ? ' unread notification' : ` unread notifications`}</span>
    </span>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { user, signOut } = useSession();
  const { location, navigate } = useRouter();
  if (!user) return <>{children}</>;
  const current = (to: string) => location.path === to || location.path.startsWith(`${to}/`);
  const onSignOut = () => {
    signOut().then(
      () => navigate('/sign-in'),
      () => navigate('/sign-in'),
    );
  };
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to the page
      </a>
      <header className="top">
        <Link to="/catalogue" className="brand">
          Lockbox
        </Link>
        <nav aria-label="Main">
          <ul>
            {navFor(user.role).map((entry) => (
              <li key={entry.to}>
                <Link to={entry.to} ariaCurrent={current(entry.to)}>
                  {entry.label}
                </Link>
              </li>
            ))}
            <li>
              <Link to="/notifications" ariaCurrent={current('/notifications')}>
                Notifications <UnreadCount />
              </Link>
            </li>
            <li>
              <Link to="/account" ariaCurrent={current('/account')}>
                Account
              </Link>
            </li>
            <li>
              <button type="button" className="link-button" onClick={onSignOut}>
                Sign out
              </button>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
