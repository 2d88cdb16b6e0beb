// Every account and its role, for admins, and changing a role. A change ends everything that
// authenticated the account with its old role (sessions, access and API tokens): it signs in again.
// An admin's own role is not changed here (the API refuses it too).
import { useState } from 'react';
import { EmptyState, ErrorMessage, Loading, PageHeading, useAsync } from '../../components/ui';
import { api } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { useSession } from '../../lib/session';
import type { Account, Page } from '../../lib/types';

const ROLES: readonly { value: string; label: string }[] = [
  { value: 'user', label: 'Person' },
  { value: 'developer', label: 'Developer' },
  { value: 'admin', label: 'Admin' },
];

function roleWords(role: string): string {
  return ROLES.find((entry) => entry.value === role)?.label ?? role;
}

function RoleControl({ account, onChanged }: { account: Account; onChanged: (account: Account) => void }) {
  const [role, setRole] = useState(account.role);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const selectId = `role-${account.id}`;
  const change = () => {
    setBusy(true);
    setError(undefined);
    api<Account>('POST', `/users/${account.id}/role`, { role }).then(
      (changed) => {
        setBusy(false);
        onChanged(changed);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(failure);
      },
    );
  };
  return (
    <div className="actions">
      <label htmlFor={selectId} className="visually-hidden">
        Role of {account.email}
      </label>
      <select id={selectId} value={role} onChange={(event) => setRole(event.target.value)} aria-describedby={error ? `${selectId}-error` : undefined}>
        {ROLES.map((entry) => (
          <option key={entry.value} value={entry.value}>
            {entry.label}
          </option>
        ))}
      </select>
      <button type="button" disabled={busy || role === account.role} onClick={change} aria-label={`Change the role of ${account.email}`}>
        {busy ? 'Changing…' : 'Change'}
      </button>
      <ErrorMessage error={error} id={`${selectId}-error`} />
    </div>
  );
}

export default function Accounts() {
  const { user } = useSession();
  const accounts = useAsync(() => api<Page<Account>>('GET', '/users?limit=100'), []);
  const replace = (changed: Account) => {
    if (!accounts.data) return;
    accounts.setData({ ...accounts.data, items: accounts.data.items.map((account) => (account.id === changed.id ? changed : account)) });
  };
  return (
    <>
      <PageHeading title="Accounts">Accounts</PageHeading>
      <p>Changing a role signs the account out everywhere and revokes its API tokens: it signs in again with the new role.</p>
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
            {accounts.data.total} account(s){accounts.data.total > accounts.data.items.length ? `, the oldest ${accounts.data.items.length} shown` : ''}.
          </p>
          <div className="table-scroll" role="region" aria-label="Accounts" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Created</th>
                  <th scope="col">Change the role</th>
                </tr>
              </thead>
              <tbody>
                {accounts.data.items.map((account) => (
                  <tr key={account.id}>
                    <td className="wrap">{account.email}</td>
                    <td>{roleWords(account.role)}</td>
                    <td>{formatDateTime(account.createdAt)}</td>
                    <td>{account.id === user?.id ? <span className="muted">Your own</span> : <RoleControl account={account} onChanged={replace} />}</td>
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
