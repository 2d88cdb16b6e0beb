// An analysis, in plain words: what it reads, what changed since the person last consented, the
// resources it may use; then the run: its settings (a form from the params schema), the datasets, and an
// explicit consent for this one run, whose statement is the platform's words only.
import { type FormEvent, useMemo, useState } from 'react';
import { ParamsForm } from '../components/params-form';
import { ScopeList } from '../components/scope-list';
import { EmptyState, ErrorMessage, Loading, PageHeading, useAsync } from '../components/ui';
import { api, ApiError } from '../lib/api';
import { formatDateTime } from '../lib/format';
import { fieldsFromSchema, type FormValues, initialValues, paramsFromValues } from '../lib/params-form';
import { Link, useRouter } from '../lib/router';
import { scopeChanges } from '../lib/scopes';
import { useSession } from '../lib/session';
import type { AnalysisDetail, Dataset, Page, Run, Scopes, VersionDetail } from '../lib/types';

/** The person's latest run of this analysis that carries a consent receipt: what they last agreed to. */
async function lastConsent(slug: string): Promise<{ version: string; scopes: Scopes } | null> {
  const runs = await api<Page<Run>>('GET', '/runs?limit=100');
  const run = runs.items.find((item) => item.analysis.slug === slug && item.consent);
  return run?.consent ? { version: run.analysis.version, scopes: run.consent.scopes } : null;
}

/** A manifest size ("256m": powers of 1024) as people read it. */
function byteSize(size: string): string {
  const match = /^(\d+(?:\.\d+)?)([kmg])?$/i.exec(size.trim());
  if (!match) return size;
  const unit = { k: 'KiB', m: 'MiB', g: 'GiB' }[(match[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 'bytes';
  return `${match[1]} ${unit}`;
}

function ResourceList({ version }: { version: VersionDetail }) {
  const { resources } = version;
  return (
    <ul>
      <li>Time limit: {resources.timeout} seconds</li>
      <li>Memory: up to {byteSize(resources.memory)}</li>
      <li>Processor: {resources.cpu} of a CPU core</li>
      <li>Result size: up to {byteSize(resources.output)}</li>
      <li>Network: none. It runs sealed off, and cannot send your data anywhere.</li>
      {version.runtime === 'runsc' ? <li>Sandbox: the stronger gVisor sandbox</li> : null}
    </ul>
  );
}

function Changes({ version, consent }: { version: VersionDetail; consent: { version: string; scopes: Scopes } | null }) {
  if (!consent) return <p>You have not run this analysis before.</p>;
  const changes = scopeChanges(consent.scopes, version.scopes);
  if (consent.version === version.version) return <p>You last consented to this same version ({version.version}).</p>;
  return (
    <>
      <p>
        You last consented to version {consent.version}. {changes.unchanged ? 'This version reads exactly the same fields.' : 'Since then:'}
      </p>
      {Object.keys(changes.added).length > 0 ? (
        <>
          <h3>It now also reads</h3>
          <ScopeList scopes={changes.added} />
        </>
      ) : null}
      {Object.keys(changes.removed).length > 0 ? (
        <>
          <h3>It no longer reads</h3>
          <ScopeList scopes={changes.removed} />
        </>
      ) : null}
    </>
  );
}

function RunForm({ analysis, version }: { analysis: AnalysisDetail; version: VersionDetail }) {
  const { navigate } = useRouter();
  const fields = useMemo(() => fieldsFromSchema(version.params), [version.params]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const datasets = useAsync(() => api<Page<Dataset>>('GET', '/datasets?limit=100'), []);
  const ready = (datasets.data?.items ?? []).filter((dataset) => dataset.status === 'ready');
  const [chosen, setChosen] = useState<string[]>([]);
  const [consented, setConsented] = useState(false);
  const [error, setError] = useState<unknown>();
  const [datasetError, setDatasetError] = useState<string>();
  const [consentError, setConsentError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const outcome = paramsFromValues(fields, values);
    setFieldErrors(outcome.errors);
    setDatasetError(chosen.length === 0 ? 'Choose at least one dataset' : undefined);
    setConsentError(consented ? undefined : 'Tick the box to consent to this run');
    setError(undefined);
    if (Object.keys(outcome.errors).length > 0 || chosen.length === 0 || !consented) return;
    setBusy(true);
    api<Run>('POST', '/runs', {
      analysis: analysis.slug,
      version: version.version,
      datasetIds: chosen,
      params: outcome.params,
      consent: { scopes: version.scopes },
    }).then(
      (run) => navigate(`/runs/${run.id}`),
      (failure: unknown) => {
        setBusy(false);
        // A params problem names its field (`params.x …`): show it there too.
        if (failure instanceof ApiError && failure.status === 400) {
          const field = fields.find((candidate) => failure.message.includes(`params.${candidate.name}`) || failure.message.includes(`/${candidate.name}`));
          if (field) setFieldErrors({ [field.name]: failure.message });
        }
        setError(failure);
      },
    );
  };

  if (datasets.loading && !datasets.data) return <Loading what="your datasets" />;
  if (datasets.error) return <ErrorMessage error={datasets.error} />;
  if (ready.length === 0) {
    return (
      <EmptyState title="You have no data to run this on yet">
        <p>
          <Link to="/datasets">Upload an export of your data</Link> first; once it has been read, come back here.
        </p>
      </EmptyState>
    );
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby="run-heading">
      <h2 id="run-heading">Run it</h2>
      <section aria-labelledby="settings-heading">
        <h3 id="settings-heading">Settings</h3>
        <ParamsForm fields={fields} values={values} errors={fieldErrors} onChange={(name, value) => setValues((current) => ({ ...current, [name]: value }))} />
      </section>
      <fieldset aria-describedby={datasetError ? 'dataset-error' : undefined}>
        <legend>Your data to run it on</legend>
        {ready.map((dataset) => (
          <label key={dataset.id} className="choice">
            <input
              type="checkbox"
              checked={chosen.includes(dataset.id)}
              onChange={(event) => setChosen((current) => (event.target.checked ? [...current, dataset.id] : current.filter((id) => id !== dataset.id)))}
            />
            {dataset.name} <span className="muted">({dataset.recordCount} records)</span>
          </label>
        ))}
        {datasetError ? (
          <p className="error" id="dataset-error" role="alert">
            {datasetError}
          </p>
        ) : null}
      </fieldset>
      <section className="consent" aria-labelledby="consent-heading">
        <h3 id="consent-heading">Your consent for this run</h3>
        <p>This run may read only these fields of the datasets you chose:</p>
        <ScopeList scopes={version.scopes} />
        <label className="choice consent-statement">
          <input
            type="checkbox"
            checked={consented}
            onChange={(event) => {
              setConsented(event.target.checked);
              if (event.target.checked) setConsentError(undefined);
            }}
            aria-describedby={consentError ? 'consent-error' : undefined}
          />
          I consent to this one run reading exactly the fields listed above from the datasets I chose. Lockbox keeps a receipt of this consent; it does not
          carry over to any other run or version.
        </label>
        {consentError ? (
          <p className="error" id="consent-error" role="alert">
            {consentError}
          </p>
        ) : null}
      </section>
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Starting the run…' : 'Consent and run'}
      </button>
    </form>
  );
}

export default function AnalysisPage({ slug }: { slug: string }) {
  const { user } = useSession();
  const analysis = useAsync(() => api<AnalysisDetail>('GET', `/analyses/${encodeURIComponent(slug)}`), [slug]);
  const consent = useAsync(() => (user?.role === 'user' ? lastConsent(slug) : Promise.resolve(null)), [slug, user?.role]);
  if (analysis.error) {
    return (
      <>
        <PageHeading title="Analysis">Analysis not found</PageHeading>
        <ErrorMessage error={analysis.error} />
        <p>
          <Link to="/catalogue">Back to the catalogue</Link>
        </p>
      </>
    );
  }
  if (!analysis.data) return <Loading what="the analysis" />;
  const detail = analysis.data;
  const version = detail.versions[0];
  return (
    <>
      <PageHeading title={detail.title}>{detail.title}</PageHeading>
      <p className="muted">
        {detail.category} · {version ? `version ${version.version}, published ${formatDateTime(version.publishedAt)}` : 'no published version'} ·{' '}
        {detail.price === 0 ? 'free' : `${detail.price} credits`}
      </p>
      <section aria-labelledby="about-heading" className="card">
        <h2 id="about-heading">What the developer says it does</h2>
        <p className="developer-text">{detail.description}</p>
      </section>
      {version ? (
        <>
          <section aria-labelledby="reads-heading" className="card">
            <h2 id="reads-heading">What it reads</h2>
            <p>Only these fields, and only from the datasets you choose for a run. Nothing else of yours reaches it.</p>
            <ScopeList scopes={version.scopes} />
          </section>
          {user?.role === 'user' ? (
            <section aria-labelledby="changes-heading" className="card">
              <h2 id="changes-heading">What changed since you last consented</h2>
              {consent.data === undefined ? <Loading what="your earlier runs" /> : <Changes version={version} consent={consent.data} />}
            </section>
          ) : null}
          <section aria-labelledby="resources-heading" className="card">
            <h2 id="resources-heading">What it may use</h2>
            <ResourceList version={version} />
          </section>
          {user?.role === 'user' ? (
            <section className="card">
              <RunForm analysis={detail} version={version} />
            </section>
          ) : (
            <p className="notice">Only people with a personal account run analyses on their data.</p>
          )}
        </>
      ) : null}
    </>
  );
}
