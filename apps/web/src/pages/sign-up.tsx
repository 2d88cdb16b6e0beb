import { type FormEvent, useState } from 'react';
import { ErrorMessage, PageHeading } from '../components/ui';
import { api } from '../lib/api';
import { Link, useRouter } from '../lib/router';
import { useSession } from '../lib/session';

const MIN_PASSWORD = 10;

export default function SignUp() {
  const { signIn } = useSession();
  const { navigate } = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'user' | 'developer'>('user');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (password.length < MIN_PASSWORD) {
      setError(`Choose a password of at least ${MIN_PASSWORD} characters`);
      return;
    }
    setBusy(true);
    setError(undefined);
    api('POST', '/auth/register', { email, password, role })
      .then(() => signIn(email, password))
      .then(
        () => navigate(role === 'user' ? '/datasets' : '/catalogue', { replace: true }),
        (failure: unknown) => {
          setError(failure);
          setBusy(false);
        },
      );
  };

  return (
    <main id="main" className="narrow">
      <p className="brand-large">Lockbox</p>
      <PageHeading title="Create an account">Create an account</PageHeading>
      <p>Bring your own data, pick an analysis, and see what it finds. Your data never leaves Lockbox.</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD}
            aria-describedby="password-help"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          <p className="help" id="password-help">
            At least {MIN_PASSWORD} characters.
          </p>
        </div>
        <fieldset className="field">
          <legend>I want to</legend>
          <label className="choice">
            <input type="radio" name="role" value="user" checked={role === 'user'} onChange={() => setRole('user')} /> analyse my own data
          </label>
          <label className="choice">
            <input type="radio" name="role" value="developer" checked={role === 'developer'} onChange={() => setRole('developer')} /> publish analyses
            (developer)
          </label>
        </fieldset>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </main>
  );
}
