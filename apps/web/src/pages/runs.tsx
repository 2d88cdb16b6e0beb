import { useCallback } from 'react';
import { EmptyState, ErrorMessage, Loading, PageHeading, useAsync } from '../components/ui';
import { api } from '../lib/api';
import { useLiveEvents } from '../lib/events';
import { formatDateTime, statusWords } from '../lib/format';
import { Link } from '../lib/router';
import type { Page, Run } from '../lib/types';

export default function Runs() {
  const runs = useAsync(() => api<Page<Run>>('GET', '/runs?limit=100'), []);
  const reload = runs.reload;
  useLiveEvents(
    useCallback(
      (event: { type: string }) => {
        if (event.type.startsWith('run.') && event.type !== 'run.progress') reload();
      },
      [reload],
    ),
  );
  return (
    <>
      <PageHeading title="My runs">My runs</PageHeading>
      <ErrorMessage error={runs.error} />
      {runs.loading && !runs.data ? <Loading what="your runs" /> : null}
      {runs.data && runs.data.items.length === 0 ? (
        <EmptyState title="No runs yet">
          <p>
            <Link to="/catalogue">Pick an analysis from the catalogue</Link> and run it on your data.
          </p>
        </EmptyState>
      ) : null}
      {runs.data && runs.data.items.length > 0 ? (
        <ul className="list">
          {runs.data.items.map((run) => (
            <li key={run.id}>
              <Link to={`/runs/${run.id}`}>
                {run.analysis.title} {run.analysis.version}
              </Link>
              <span className={`status status-${run.status}`}>{statusWords(run.status)}</span>
              <span className="muted">
                {formatDateTime(run.queuedAt)}
                {run.resultSummary ? ` · ${run.resultSummary}` : ''}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
