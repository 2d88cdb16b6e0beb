// Every account and its role, for admins. Roles are set when an account is created (the API has no call
// to change one yet: see docs/console.md).
import { EmptyState, ErrorMessage, Loading, PageHeading, useAsync } from '../../components/ui';
import { api } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import type { Account, Page } from '../../lib/types';

const ROLE_WORDS: Readonly<Record<string, string>> = { user: 'Person', developer: 'Developer', admin: 'Admin' };

export default function Accounts() {
  const accounts = useAsync(() => api<Page<Account>>('GET', '/users?limit=100'), []);
  return (
    <>
      <PageHeading title="Accounts">Accounts</PageHeading>
      <ErrorMessage error={accounts.error} />
      {accounts.loading && !accounts.data ? <Loading what="the accounts" /> : null}
      {accounts.data && accounts.data.items.length === 0 ? (
        <EmptyState title="No accounts">
          <p>Accounts appear here as people and developers sign up.</p>
        </EmptyState>
      ) : null}
      {accounts.data && accounts.data.items.length > 0 ? (
        <>
          <p className="muted">
            {accounts.data.total} account(s){accounts.data.total > accounts.data.items.length ? `, the first ${accounts.data.items.length} shown` : ''}.
          </p>
          <div className="table-scroll" role="region" aria-label="Accounts" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {accounts.data.items.map((account) => (
                  <tr key={account.id}>
                    <td className="wrap">{account.email}</td>
                    <td>{ROLE_WORDS[account.role] ?? account.role}</td>
                    <td>{formatDateTime(account.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </>
  );
}
