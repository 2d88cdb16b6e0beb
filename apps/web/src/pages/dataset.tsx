// One dataset: its status while it is read, then its ingest report; and erasing it.
import { useCallback, useState } from 'react';
import { IngestReportView } from '../components/ingest-report';
import { ErrorMessage, Loading, PageHeading, ProgressBar, useAsync } from '../components/ui';
import { api } from '../lib/api';
import { useLiveEvents } from '../lib/events';
import { formatBytes, formatDateTime, statusWords } from '../lib/format';
import { Link, useRouter } from '../lib/router';
import type { Dataset } from '../lib/types';

export default function DatasetPage({ id }: { id: string }) {
  const { navigate } = useRouter();
  const dataset = useAsync(() => api<Dataset>('GET', `/datasets/${encodeURIComponent(id)}`), [id]);
  const [deleteError, setDeleteError] = useState<unknown>();
  const [confirming, setConfirming] = useState(false);
  const reload = dataset.reload;
  useLiveEvents(
    useCallback(
      (event: { type: string; subjectId?: string }) => {
        if (event.type.startsWith('dataset.') && event.subjectId === id) reload();
      },
      [id, reload],
    ),
  );
  if (dataset.error) {
    return (
      <>
        <PageHeading title="Dataset">Dataset</PageHeading>
        <ErrorMessage error={dataset.error} />
        <Link to="/datasets">Back to my data</Link>
      </>
    );
  }
  if (!dataset.data) return <Loading what="the dataset" />;
  const current = dataset.data;
  const reading = current.status === 'uploaded' || current.status === 'ingesting';
  const erase = () => {
    api<void>('DELETE', `/datasets/${encodeURIComponent(id)}`).then(
      () => navigate('/datasets'),
      (failure: unknown) => setDeleteError(failure),
    );
  };
  return (
    <>
      <PageHeading title={current.name}>{current.name}</PageHeading>
      <p>
        <span className={`status status-${current.status}`}>{statusWords(current.status)}</span>{' '}
        <span className="muted">
          {formatBytes(current.sizeBytes)} · uploaded {formatDateTime(current.createdAt)} · format {current.format}
        </span>
      </p>
      {reading ? (
        <div role="status" aria-live="polite">
          <p>Reading your upload. This page updates by itself.</p>
          <ProgressBar fraction={null} label="Reading the upload" />
        </div>
      ) : (
        <IngestReportView dataset={current} />
      )}
      {current.status === 'ready' ? (
        <p>
          <Link to="/catalogue">Pick an analysis to run on it</Link>
        </p>
      ) : null}
      <section aria-labelledby="erase-heading" className="card">
        <h2 id="erase-heading">Erase</h2>
        <p>Erasing removes the upload and every copy Lockbox made of it.</p>
        {confirming ? (
          <p>
            <button type="button" className="danger" onClick={erase}>
              Yes, erase {current.name}
            </button>{' '}
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </p>
        ) : (
          <button type="button" onClick={() => setConfirming(true)}>
            Erase this dataset
          </button>
        )}
        <ErrorMessage error={deleteError} />
      </section>
    </>
  );
}
