// The console's routes. Pages other than signing in and the catalogue load on demand, so the first page
// carries only what it needs. Each route names the roles that may open it: the developers' and admins'
// pages (part 2) are routes here and entries in components/layout.tsx.
import { type ComponentType, lazy, type ReactElement, Suspense, useEffect } from 'react';
import { Layout } from './components/layout';
import { Loading, PageHeading } from './components/ui';
import { EventsProvider } from './lib/events';
import { Link, matchPath, RouterProvider, useRouter } from './lib/router';
import { SessionProvider, useSession } from './lib/session';
import type { Role } from './lib/types';
import Catalogue from './pages/catalogue';
import SignIn, { safeNext } from './pages/sign-in';
import SignUp from './pages/sign-up';

const AnalysisPage = lazy(() => import('./pages/analysis'));
const Datasets = lazy(() => import('./pages/datasets'));
const DatasetPage = lazy(() => import('./pages/dataset'));
const Runs = lazy(() => import('./pages/runs'));
const RunPage = lazy(() => import('./pages/run'));
const Notifications = lazy(() => import('./pages/notifications'));
const Account = lazy(() => import('./pages/account'));
const Submissions = lazy(() => import('./pages/developer/submissions'));
const SubmissionPage = lazy(() => import('./pages/developer/submission'));
const DeveloperStart = lazy(() => import('./pages/developer/start'));
const AdminHealth = lazy(() => import('./pages/admin/health'));
const Accounts = lazy(() => import('./pages/admin/accounts'));

interface Route {
  pattern: string;
  roles: readonly Role[];
  render: (params: Record<string, string>) => ReactElement;
}

const EVERYONE: readonly Role[] = ['user', 'developer', 'admin'];
const PEOPLE: readonly Role[] = ['user'];
const DEVELOPERS: readonly Role[] = ['developer'];
const STAFF: readonly Role[] = ['developer', 'admin'];
const ADMINS: readonly Role[] = ['admin'];

function page<P extends object>(Component: ComponentType<P>, props: (params: Record<string, string>) => P) {
  return (params: Record<string, string>) => <Component {...props(params)} />;
}

export const ROUTES: readonly Route[] = [
  { pattern: '/catalogue', roles: EVERYONE, render: page(Catalogue, () => ({})) },
  { pattern: '/analyses/:slug', roles: EVERYONE, render: page(AnalysisPage, (params) => ({ slug: params.slug ?? '' })) },
  { pattern: '/datasets', roles: PEOPLE, render: page(Datasets, () => ({})) },
  { pattern: '/datasets/:id', roles: PEOPLE, render: page(DatasetPage, (params) => ({ id: params.id ?? '' })) },
  { pattern: '/runs', roles: PEOPLE, render: page(Runs, () => ({})) },
  { pattern: '/runs/:id', roles: PEOPLE, render: page(RunPage, (params) => ({ id: params.id ?? '' })) },
  { pattern: '/submissions', roles: STAFF, render: page(Submissions, () => ({})) },
  { pattern: '/submissions/:id', roles: STAFF, render: page(SubmissionPage, (params) => ({ id: params.id ?? '' })) },
  { pattern: '/developer/start', roles: DEVELOPERS, render: page(DeveloperStart, () => ({})) },
  { pattern: '/admin/health', roles: ADMINS, render: page(AdminHealth, () => ({})) },
  { pattern: '/admin/accounts', roles: ADMINS, render: page(Accounts, () => ({})) },
  { pattern: '/notifications', roles: EVERYONE, render: page(Notifications, () => ({})) },
  { pattern: '/account', roles: EVERYONE, render: page(Account, () => ({})) },
];

function NotFound({ forbidden }: { forbidden: boolean }) {
  return (
    <>
      <PageHeading title="Not found">{forbidden ? 'Not for this account' : 'Page not found'}</PageHeading>
      <p>{forbidden ? 'This page is for another kind of account.' : 'There is no page at this address.'}</p>
      <p>
        <Link to="/catalogue">Go to the catalogue</Link>
      </p>
    </>
  );
}

function Redirect({ to }: { to: string }) {
  const { navigate } = useRouter();
  useEffect(() => navigate(to, { replace: true }), [navigate, to]);
  return null;
}

function Routes() {
  const { user } = useSession();
  const { location } = useRouter();
  const path = location.path;
  if (user === undefined) return <Loading what="Lockbox" />;
  if (!user) {
    if (path === '/sign-up') return <SignUp />;
    if (path === '/sign-in') return <SignIn />;
    const next = path === '/' ? '' : `?next=${encodeURIComponent(path + (location.search.size ? `?${location.search.toString()}` : ''))}`;
    return <Redirect to={`/sign-in${next}`} />;
  }
  if (path === '/' || path === '/sign-in') return <Redirect to={path === '/sign-in' ? safeNext(location.search.get('next')) : '/catalogue'} />;
  // A new person's first step is their data.
  if (path === '/sign-up') return <Redirect to={user.role === 'user' ? '/datasets' : '/catalogue'} />;
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (!params) continue;
    if (!route.roles.includes(user.role)) return <NotFound forbidden />;
    return <Suspense fallback={<Loading what="the page" />}>{route.render(params)}</Suspense>;
  }
  return <NotFound forbidden={false} />;
}

function SignedInEvents({ children }: { children: ReactElement }) {
  const { user } = useSession();
  return <EventsProvider enabled={Boolean(user)}>{children}</EventsProvider>;
}

export function App() {
  return (
    <RouterProvider>
      <SessionProvider>
        <SignedInEvents>
          <Layout>
            <Routes />
          </Layout>
        </SignedInEvents>
      </SessionProvider>
    </RouterProvider>
  );
}
