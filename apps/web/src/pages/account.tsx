import { type FormEvent, useState } from 'react';
import { ErrorMessage, PageHeading } from '../components/ui';
import { api } from '../lib/api';
import { useSession } from '../lib/session';

export default function Account() {
  const { user, sessionEnded } = useSession();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    api('POST', '/me/password', { currentPassword, newPassword }).then(
      () => sessionEnded('Your password was changed and every session ended, this one too: sign in with the new password.'),
      (failure: unknown) => {
        setError(failure);
        setBusy(false);
      },
    );
  };
  return (
    <>
      <PageHeading title="Account">Account</PageHeading>
      <p>
        Signed in as <strong>{user?.email}</strong> ({user?.role}).
      </p>
      <form onSubmit={submit} noValidate className="card" aria-labelledby="password-heading">
        <h2 id="password-heading">Change your password</h2>
        <p>Changing it signs you out everywhere, here too, and ends every API token of yours.</p>
        <div className="field">
          <label htmlFor="current-password">Current password</label>
          <input
            id="current-password"
            type="password"
            autoComplete="current-password"
            value={currentPassword}
            onChange={(event) => setCurrentPassword(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="new-password">New password</label>
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            minLength={10}
            value={newPassword}
            onChange={(event) => setNewPassword(event.target.value)}
          />
        </div>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </>
  );
}
