// How a developer starts: the CLI's steps from `lockbox init` to `lockbox submit`, and their own personal
// API token, created here and shown once, ready to store where the CLI reads it. The token is the only
// secret the page ever holds, and only until the person leaves the page.
import { type FormEvent, useState } from 'react';
import { EmptyState, ErrorMessage, Loading, PageHeading, useAsync } from '../../components/ui';
import { api } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { Link } from '../../lib/router';
import { useSession } from '../../lib/session';
import type { ApiToken } from '../../lib/types';

/** What `lockbox login` would store (analysis-sdk/src/cli/credentials.ts), for the CLI to find the token. */
function credentialsFile(created: ApiToken & { token: string }, email: string): string {
  const credentials = { url: window.location.origin, email, token: created.token, tokenId: created.id, createdAt: created.createdAt };
  return `mkdir -p ~/.config/lockbox && (umask 077 && cat > ~/.config/lockbox/credentials.json) <<'JSON'\n${JSON.stringify(credentials, null, 2)}\nJSON`;
}

function Tokens() {
  const { user } = useSession();
  const tokens = useAsync(() => api<{ items: ApiToken[] }>('GET', '/me/tokens'), []);
  const [name, setName] = useState('lockbox CLI');
  const [expiresInDays, setExpiresInDays] = useState('90');
  const [created, setCreated] = useState<ApiToken & { token: string }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const create = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const days = expiresInDays.trim() ? Number(expiresInDays) : undefined;
    api<ApiToken & { token: string }>('POST', '/me/tokens', { name: name.trim(), ...(days === undefined ? {} : { expiresInDays: days }) }).then(
      (token) => {
        setBusy(false);
        setCreated(token);
        tokens.reload();
      },
      (failure: unknown) => {
        setBusy(false);
        setError(failure);
      },
    );
  };
  const revoke = (token: ApiToken) => {
    setError(undefined);
    api('DELETE', `/me/tokens/${token.id}`).then(
      () => {
        if (created?.id === token.id) setCreated(undefined);
        tokens.reload();
      },
      (failure: unknown) => setError(failure),
    );
  };
  return (
    <section className="card" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Your API tokens</h2>
      <p>The CLI submits with a personal API token. It can submit and read your submissions, and cannot create other tokens. Revoke one you no longer use.</p>
      <form onSubmit={create} noValidate>
        <div className="field">
          <label htmlFor="token-name">Token name</label>
          <input id="token-name" type="text" maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="token-days">Expires after (days; empty for never)</label>
          <input id="token-days" type="number" min={1} max={3650} value={expiresInDays} onChange={(event) => setExpiresInDays(event.target.value)} />
        </div>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create a token'}
        </button>
      </form>
      {created ? (
        <div role="status">
          <h3>Your new token</h3>
          <p>
            It is shown this once. Store it where the CLI reads it (this is what <code>lockbox login</code> would write), then run{' '}
            <code>npx lockbox status</code>:
          </p>
          <pre className="token" role="region" tabIndex={0} aria-label="Command storing the token for the CLI">
            {credentialsFile(created, user?.email ?? '')}
          </pre>
        </div>
      ) : null}
      {tokens.loading && !tokens.data ? <Loading what="your tokens" /> : null}
      {tokens.data && tokens.data.items.length === 0 ? <p>You have no token yet.</p> : null}
      {tokens.data && tokens.data.items.length > 0 ? (
        <ul className="list" aria-label="Tokens">
          {tokens.data.items.map((token) => (
            <li key={token.id}>
              <span>
                {token.name} <code>{token.prefix}…</code>
              </span>
              <span className="muted">
                created {formatDateTime(token.createdAt)} · {token.expiresAt ? `expires ${formatDateTime(token.expiresAt)}` : 'never expires'} ·{' '}
                {token.lastUsedAt ? `last used ${formatDateTime(token.lastUsedAt)}` : 'never used'}
              </span>
              <button type="button" className="danger" onClick={() => revoke(token)} aria-label={`Revoke ${token.name}`}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export default function DeveloperStart() {
  return (
    <>
      <PageHeading title="Start here">Start here</PageHeading>
      <p>
        An analysis is a container image that reads people's records and writes a result. Lockbox runs it sealed off, on the fields people consent to, and never
        shows you their data or results.
      </p>
      <ol className="steps">
        <li>
          <code>npx lockbox init my-analysis</code>: a working analysis (manifest, code, test, Dockerfile, synthetic records).
        </li>
        <li>
          <code>npx lockbox test</code>, then <code>npx lockbox run --data records.jsonl</code>: its tests, then a run in the platform's sandbox on records of
          your own.
        </li>
        <li>Create a token below and store it for the CLI.</li>
        <li>
          <code>npx lockbox submit --watch</code>: packs and submits it; the checks start at once. Follow them in <Link to="/submissions">My submissions</Link>.
        </li>
        <li>Once the checks pass, an admin reviews it. You are told here and in your notifications when it is published, or why not.</li>
      </ol>
      <Tokens />
      <EmptyState title="More">
        <p>The developer guide (docs/developers.md in the repository) explains the manifest, the record kinds, grains, params and the checks.</p>
      </EmptyState>
    </>
  );
}
