// A person's data: upload an export (with a progress bar), and the list of what was uploaded, kept live.
import { type FormEvent, useCallback, useRef, useState } from 'react';
import { EmptyState, ErrorMessage, Loading, PageHeading, ProgressBar, useAsync } from '../components/ui';
import { api, ApiError, uploadForm } from '../lib/api';
import { useLiveEvents } from '../lib/events';
import { formatBytes, formatDateTime, statusWords } from '../lib/format';
import { Link, useRouter } from '../lib/router';
import type { Dataset, Page } from '../lib/types';
import { acceptedUploadFormats } from '../lib/upload-formats';

function UploadForm({ onUploaded }: { onUploaded: (dataset: Dataset) => void }) {
  const formats = useAsync(acceptedUploadFormats, []);
  const [file, setFile] = useState<File>();
  const [chosenFormat, setFormat] = useState<string>();
  // The recommended format (the first the API lists) until the person picks one.
  const format = chosenFormat ?? formats.data?.[0]?.value ?? '';
  const [mapping, setMapping] = useState('');
  const [name, setName] = useState('');
  const [progress, setProgress] = useState<number | null>();
  const [error, setError] = useState<unknown>();
  const [fileError, setFileError] = useState<string>();
  const [formatError, setFormatError] = useState<unknown>();
  const fileInput = useRef<HTMLInputElement>(null);
  const needsMapping = formats.data?.find((entry) => entry.value === format)?.mapping === true;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setFormatError(undefined);
    if (!file) {
      setFileError('Choose a file to upload');
      return;
    }
    setFileError(undefined);
    const form = new FormData();
    // Text fields first: the API reads them before it streams the file.
    form.append('format', format);
    if (needsMapping && mapping.trim()) form.append('mapping', mapping.trim());
    if (name.trim()) form.append('name', name.trim());
    form.append('file', file, file.name);
    setProgress(0);
    uploadForm<Dataset>('/datasets', form, setProgress).then(
      (dataset) => {
        setProgress(undefined);
        setFile(undefined);
        setName('');
        if (fileInput.current) fileInput.current.value = '';
        onUploaded(dataset);
      },
      (failure: unknown) => {
        setProgress(undefined);
        // Say it next to what caused it: the format field, the file, or the form.
        const message = failure instanceof ApiError ? failure.message.toLowerCase() : '';
        if (message.includes('format') || message.includes('mapping')) setFormatError(failure);
        else if (failure instanceof ApiError && (failure.status === 413 || message.includes('file'))) setFileError(failure.message);
        else setError(failure);
      },
    );
  };

  const uploading = progress !== undefined;
  return (
    <form onSubmit={submit} noValidate className="card" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload an export</h2>
      <p>Download your data from a platform (X, Facebook, Instagram, Reddit, Google) and upload the file as it came.</p>
      <div className="field">
        <label htmlFor="upload-file">File</label>
        <input
          id="upload-file"
          ref={fileInput}
          type="file"
          accept=".zip,.json,.jsonl,.ndjson,.csv,.js,application/zip,application/json,text/csv"
          aria-describedby={fileError ? 'upload-file-error' : undefined}
          onChange={(event) => setFile(event.target.files?.[0])}
        />
        {fileError ? (
          <p className="error" id="upload-file-error" role="alert">
            {fileError}
          </p>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor="upload-format">Format</label>
        <select
          id="upload-format"
          value={format}
          onChange={(event) => setFormat(event.target.value)}
          aria-describedby={formatError || formats.error ? 'upload-format-error' : undefined}
          aria-busy={formats.loading}
        >
          {(formats.data ?? []).map((entry) => (
            <option key={entry.value} value={entry.value}>
              {entry.label}
            </option>
          ))}
        </select>
        <ErrorMessage error={formatError ?? formats.error} id="upload-format-error" />
      </div>
      {needsMapping ? (
        <div className="field">
          <label htmlFor="upload-mapping">Mapping</label>
          <textarea id="upload-mapping" rows={4} value={mapping} onChange={(event) => setMapping(event.target.value)} aria-describedby="upload-mapping-help" />
          <p className="help" id="upload-mapping-help">
            JSON naming the record kind and which column or field holds each of its fields, e.g.{' '}
            {'{"kind":"social.posts","fields":{"timestamp":"date","text":"body"}}'}.
          </p>
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="upload-name">Name (optional)</label>
        <input id="upload-name" type="text" maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
      </div>
      {uploading ? <ProgressBar fraction={progress} label="Upload progress" /> : null}
      <ErrorMessage error={error} />
      <button type="submit" disabled={uploading}>
        {uploading ? 'Uploading…' : 'Upload'}
      </button>
    </form>
  );
}

export default function Datasets() {
  const { navigate } = useRouter();
  const datasets = useAsync(() => api<Page<Dataset>>('GET', '/datasets?limit=100'), []);
  const reload = datasets.reload;
  useLiveEvents(
    useCallback(
      (event: { type: string }) => {
        if (event.type.startsWith('dataset.')) reload();
      },
      [reload],
    ),
  );
  return (
    <>
      <PageHeading title="My data">My data</PageHeading>
      <UploadForm onUploaded={(dataset) => navigate(`/datasets/${dataset.id}`)} />
      <section aria-labelledby="datasets-heading">
        <h2 id="datasets-heading">Your datasets</h2>
        <ErrorMessage error={datasets.error} />
        {datasets.loading && !datasets.data ? <Loading what="your datasets" /> : null}
        {datasets.data && datasets.data.items.length === 0 ? (
          <EmptyState title="No data yet">
            <p>Upload an export above. Once it has been read you can run analyses on it.</p>
          </EmptyState>
        ) : null}
        {datasets.data && datasets.data.items.length > 0 ? (
          <ul className="list">
            {datasets.data.items.map((dataset) => (
              <li key={dataset.id}>
                <Link to={`/datasets/${dataset.id}`}>{dataset.name}</Link>
                <span className={`status status-${dataset.status}`}>{statusWords(dataset.status)}</span>
                <span className="muted">
                  {dataset.recordCount} records · {formatBytes(dataset.sizeBytes)} · {formatDateTime(dataset.createdAt)}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </>
  );
}
