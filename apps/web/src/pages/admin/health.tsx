// The platform's health for admins: each dependency, the live workers with their Docker engines and
// sandbox runtimes, the job queues' depths, and their dead letters with a redrive. Refreshed every few
// seconds while the page is open.
import { useEffect, useState } from 'react';
import { ErrorMessage, Loading, PageHeading, useAsync } from '../../components/ui';
import { api } from '../../lib/api';
import { formatDateTime, formatNumber } from '../../lib/format';
import type { DeadLetter, HealthReport, QueueState } from '../../lib/types';

const REFRESH_MS = 5000;

function useRefreshed(reload: () => void): void {
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
}

function Dependencies() {
  const health = useAsync(() => api<HealthReport>('GET', '/health/details'), []);
  useRefreshed(health.reload);
  return (
    <>
      <section className="card" aria-labelledby="dependencies-heading">
        <h2 id="dependencies-heading">Dependencies</h2>
        {/* A 503 names what is down in its message. */}
        <ErrorMessage error={health.error} />
        {health.loading && !health.data ? <Loading what="the dependencies" /> : null}
        {health.data ? (
          <ul className="list" aria-label="Dependencies">
            {Object.entries(health.data.checks).map(([name, check]) => (
              <li key={name}>
                <span>{name}</span>
                <span className={`status status-${check.status === 'up' ? 'succeeded' : 'failed'}`}>{check.status === 'up' ? 'Up' : 'Down'}</span>
                <span className="muted">
                  {check.latencyMs} ms{check.error ? ` · ${check.error}` : ''}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      <section className="card" aria-labelledby="workers-heading">
        <h2 id="workers-heading">Workers</h2>
        {health.data && health.data.workers.length === 0 ? <p>No worker has reported recently: runs, ingestion and checks wait until one does.</p> : null}
        {health.data && health.data.workers.length > 0 ? (
          <ul className="list" aria-label="Workers">
            {health.data.workers.map((worker) => (
              <li key={worker.id}>
                <span>
                  {worker.hostname} (pid {worker.pid})
                </span>
                <span className={`status status-${worker.engine.reachable ? 'succeeded' : 'failed'}`}>
                  {worker.engine.reachable
                    ? `Docker ${worker.engine.version ?? ''}`
                    : `Docker unreachable${worker.engine.error ? `: ${worker.engine.error}` : ''}`}
                </span>
                <span className="muted">
                  runtimes {worker.runtimes.join(', ') || 'none'} · started {formatDateTime(worker.startedAt)} · seen {formatDateTime(worker.lastSeenAt)}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </>
  );
}

function DeadLetters({ queue, onRedriven }: { queue: QueueState; onRedriven: () => void }) {
  const [letters, setLetters] = useState<DeadLetter[]>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string>();
  const list = () => {
    setError(undefined);
    api<{ items: DeadLetter[] }>('GET', `/admin/queues/${queue.name}/dead-letters`).then(
      (answer) => setLetters(answer.items),
      (failure: unknown) => setError(failure),
    );
  };
  const redrive = () => {
    setBusy(true);
    setError(undefined);
    api<{ moved: number }>('POST', `/admin/queues/${queue.name}/redrive`).then(
      (answer) => {
        setBusy(false);
        setLetters(undefined);
        setOutcome(`${formatNumber(answer.moved)} dead letter(s) went back to the ${queue.name} queue.`);
        onRedriven();
      },
      (failure: unknown) => {
        setBusy(false);
        setError(failure);
      },
    );
  };
  return (
    <div>
      <div className="actions">
        <button type="button" className="link-button" onClick={list} aria-label={`Show the dead letters of ${queue.name}`}>
          Show dead letters
        </button>
        <button type="button" disabled={busy || queue.deadLetters === 0} onClick={redrive} aria-label={`Redrive the dead letters of ${queue.name}`}>
          {busy ? 'Redriving…' : 'Redrive'}
        </button>
      </div>
      <ErrorMessage error={error} />
      {outcome ? <p role="status">{outcome}</p> : null}
      {letters && letters.length === 0 ? <p>No dead letters.</p> : null}
      {letters && letters.length > 0 ? (
        <ul aria-label={`Dead letters of ${queue.name}`}>
          {letters.map((letter) => (
            <li key={letter.messageId}>
              {letter.job ? (
                <>
                  {letter.job.type} <code className="wrap">{letter.job.id}</code>
                </>
              ) : (
                <code className="wrap">{letter.body}</code>
              )}{' '}
              <span className="muted">
                delivered {letter.receiveCount} times · sent {formatDateTime(letter.sentAt)}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function Queues() {
  const queues = useAsync(() => api<{ items: QueueState[] }>('GET', '/admin/queues'), []);
  useRefreshed(queues.reload);
  return (
    <section className="card" aria-labelledby="queues-heading">
      <h2 id="queues-heading">Job queues</h2>
      <p className="muted">
        A dead letter is a job that failed on the platform's side too many times. Redriving sends it back; a job already done is not run again.
      </p>
      <ErrorMessage error={queues.error} />
      {queues.loading && !queues.data ? <Loading what="the queues" /> : null}
      {queues.data ? (
        <ul className="list" aria-label="Queues">
          {queues.data.items.map((queue) => (
            <li key={queue.name}>
              <span>{queue.name}</span>
              <span className="muted">
                {formatNumber(queue.depth)} waiting or running · {formatNumber(queue.deadLetters)} dead letter(s)
              </span>
              <DeadLetters queue={queue} onRedriven={queues.reload} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export default function AdminHealth() {
  return (
    <>
      <PageHeading title="Platform health">Platform health</PageHeading>
      <Dependencies />
      <Queues />
    </>
  );
}
