import { type FormEvent, useState } from 'react';
import { ErrorMessage, PageHeading } from '../components/ui';
import { Link, useRouter } from '../lib/router';
import { useSession } from '../lib/session';

/** Where to go after signing in: a path of this console only (never another site). */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/catalogue';
}

export default function SignIn() {
  const { signIn, endedMessage } = useSession();
  const { location, navigate } = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    signIn(email, password).then(
      () => navigate(safeNext(location.search.get('next')), { replace: true }),
      (failure: unknown) => {
        setError(failure);
        setBusy(false);
      },
    );
  };

  return (
    <main id="main" className="narrow">
      <p className="brand-large">Lockbox</p>
      <PageHeading title="Sign in">Sign in</PageHeading>
      {endedMessage ? <p className="notice">{endedMessage}</p> : null}
      <form onSubmit={submit} noValidate aria-describedby={error ? 'sign-in-error' : undefined}>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <ErrorMessage error={error} id="sign-in-error" />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New to Lockbox? <Link to="/sign-up">Create an account</Link>
      </p>
    </main>
  );
}
