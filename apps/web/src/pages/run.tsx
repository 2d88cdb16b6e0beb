// A run, live: queued with its place in the queue, running with its progress and elapsed time, then the
// outcome, its logs, its result rendered from its blocks, and its files to download. Updates arrive
// over SSE; nothing needs a reload.
import { useCallback, useEffect, useState } from 'react';
import { ResultBlocks } from '../components/result-blocks';
import { ErrorMessage, Loading, PageHeading, ProgressBar, useAsync } from '../components/ui';
import { API_PREFIX, api, apiText } from '../lib/api';
import { type LiveEvent, useLiveEvents } from '../lib/events';
import { formatBytes, formatDateTime, formatDuration, reasonWords, statusWords } from '../lib/format';
import { Link } from '../lib/router';
import { ScopeList } from '../components/scope-list';
import { FINISHED_RUN_STATUSES, type ResultDocument, type Run } from '../lib/types';

/** Seconds since the run started, counted on from what the API last said. */
function useElapsed(run: Run | undefined): number | undefined {
  const [now, setNow] = useState(() => Date.now());
  const [baseline, setBaseline] = useState<{ seconds: number; at: number }>();
  useEffect(() => {
    if (run?.status === 'running' && run.runningForSeconds !== null) setBaseline({ seconds: run.runningForSeconds, at: Date.now() });
    else setBaseline(undefined);
  }, [run?.status, run?.runningForSeconds]);
  useEffect(() => {
    if (run?.status !== 'running') return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [run?.status]);
  if (!baseline) return undefined;
  return baseline.seconds + (now - baseline.at) / 1000;
}

function Status({ run }: { run: Run }) {
  const elapsed = useElapsed(run);
  if (run.status === 'queued') {
    return (
      <div role="status" aria-live="polite" className="run-status">
        <p>
          <strong>Queued.</strong>{' '}
          {run.queuePosition === null || run.queuePosition === 0
            ? 'It starts next.'
            : `${run.queuePosition} ${run.queuePosition === 1 ? 'run is' : 'runs are'} ahead of it.`}
        </p>
        <ProgressBar fraction={null} label="Waiting to start" />
      </div>
    );
  }
  if (run.status === 'running') {
    return (
      <div role="status" aria-live="polite" className="run-status">
        <p>
          <strong>Running</strong>
          {elapsed !== undefined ? ` for ${formatDuration(elapsed)}` : ''}.{run.progressMessage ? ` ${run.progressMessage}` : ''}
        </p>
        <ProgressBar fraction={run.progress} label="Run progress" />
      </div>
    );
  }
  const reason = reasonWords(run.reason);
  return (
    <div role="status" aria-live="polite" className={`run-status outcome-${run.status}`}>
      <p>
        <strong>{statusWords(run.status)}</strong>
        {run.finishedAt ? ` ${formatDateTime(run.finishedAt)}` : ''}
        {run.containerMs !== null ? `, after ${run.containerMs < 1000 ? 'less than a second' : formatDuration(run.containerMs / 1000)}` : ''}.
        {reason ? ` It did not succeed because ${reason}.` : ''}
      </p>
      {run.message && run.status !== 'succeeded' ? <p>{run.message}</p> : null}
    </div>
  );
}

function Result({ document }: { document: ResultDocument }) {
  const blocks: unknown[] = Array.isArray(document.blocks) ? document.blocks : [];
  return (
    <section aria-labelledby="result-heading">
      <h2 id="result-heading">Result</h2>
      {typeof document.summary === 'string' ? <p className="summary">{document.summary}</p> : null}
      {blocks.length === 0 ? <p className="muted">The analysis returned no charts or tables, only the summary above.</p> : <ResultBlocks blocks={blocks} />}
    </section>
  );
}

function Artifacts({ run }: { run: Run }) {
  if (run.artifacts.length === 0) return null;
  return (
    <section aria-labelledby="artifacts-heading">
      <h2 id="artifacts-heading">Files</h2>
      <ul className="list">
        {run.artifacts.map((artifact) => (
          <li key={artifact.name}>
            <a href={`${API_PREFIX}/runs/${run.id}/artifacts/${encodeURIComponent(artifact.name)}`} download>
              {artifact.name}
            </a>{' '}
            <span className="muted">
              {artifact.contentType}, {formatBytes(artifact.bytes)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Logs({ run }: { run: Run }) {
  const [open, setOpen] = useState(false);
  const logs = useAsync(() => (open && run.hasLogs ? apiText(`/runs/${run.id}/logs`) : Promise.resolve(undefined)), [open, run.id, run.hasLogs, run.status]);
  return (
    <section aria-labelledby="logs-heading">
      <h2 id="logs-heading">Logs</h2>
      {!run.hasLogs ? (
        <p className="muted">{FINISHED_RUN_STATUSES.has(run.status) ? 'This run kept no logs.' : 'The logs appear when the run has finished.'}</p>
      ) : (
        <>
          <button type="button" aria-expanded={open} aria-controls="run-logs" onClick={() => setOpen((value) => !value)}>
            {open ? 'Hide the logs' : 'Show the logs'}
          </button>
          {open ? (
            <div id="run-logs">
              <ErrorMessage error={logs.error} />
              {logs.data === undefined && !logs.error ? <Loading what="the logs" /> : null}
              {logs.data !== undefined ? (
                <pre className="logs" role="region" tabIndex={0} aria-label="Run logs">
                  {logs.data || '(empty)'}
                </pre>
              ) : null}
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}

export default function RunPage({ id }: { id: string }) {
  const run = useAsync(() => api<Run>('GET', `/runs/${encodeURIComponent(id)}`), [id]);
  const { reload, setData, data } = run;
  const withResult = data?.status === 'succeeded' && data.hasResult;
  const result = useAsync(
    () => (withResult ? api<ResultDocument>('GET', `/runs/${encodeURIComponent(id)}/result`) : Promise.resolve(undefined)),
    [id, withResult],
  );
  const onEvent = useCallback(
    (event: LiveEvent) => {
      if (!event.type.startsWith('run.') || event.subjectId !== id) return;
      // Progress comes with its numbers: shown at once; every other change is read again.
      if (event.type === 'run.progress' && data && data.status === 'running' && event.payload) {
        const progress = typeof event.payload.progress === 'number' ? event.payload.progress : data.progress;
        const message = typeof event.payload.message === 'string' ? event.payload.message : data.progressMessage;
        setData({ ...data, progress, progressMessage: message });
      } else reload();
    },
    [id, data, reload, setData],
  );
  useLiveEvents(onEvent);

  if (run.error) {
    return (
      <>
        <PageHeading title="Run">Run</PageHeading>
        <ErrorMessage error={run.error} />
        <Link to="/runs">All my runs</Link>
      </>
    );
  }
  if (!data) return <Loading what="the run" />;
  return (
    <>
      <PageHeading title={`Run of ${data.analysis.title}`}>Run of {data.analysis.title}</PageHeading>
      <p className="muted">
        Version {data.analysis.version} · requested {formatDateTime(data.queuedAt)} ·{' '}
        <Link to={`/analyses/${encodeURIComponent(data.analysis.slug)}`}>about this analysis</Link>
      </p>
      <Status run={data} />
      {withResult ? <ErrorMessage error={result.error} /> : null}
      {withResult && !result.data && !result.error ? <Loading what="the result" /> : null}
      {withResult && result.data ? <Result document={result.data} /> : null}
      {/* The rest waits for the result, so it is not pushed down the page when the result arrives. */}
      {withResult && result.loading ? null : <RunDetails run={data} />}
    </>
  );
}

function RunDetails({ run: data }: { run: Run }) {
  return (
    <>
      <Artifacts run={data} />
      <Logs run={data} />
      {data.consent ? (
        <details className="card">
          <summary>Your consent for this run</summary>
          <p>Given {formatDateTime(data.consent.grantedAt)}, for these fields only:</p>
          <ScopeList scopes={data.consent.scopes} />
        </details>
      ) : null}
    </>
  );
}
