// One submission: where it stands (the checks followed live), the check report, what it reads and its
// params; for its developer, the review's or suspension's reason and the coarse run figures; for an admin,
// approve, reject or suspend with a reason. Both see the scopes beside the previous published version's.
// Every string of the manifest, the report and the image is the developer's: shown as text only.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { CheckReport } from '../../components/check-report';
import { EmptyState, ErrorMessage, Loading, PageHeading, ProgressBar, useAsync } from '../../components/ui';
import { api, ApiError } from '../../lib/api';
import { useLiveEvents } from '../../lib/events';
import { formatDateTime } from '../../lib/format';
import { reviewScopes } from '../../lib/review-scopes';
import { Link } from '../../lib/router';
import { useSession } from '../../lib/session';
import { checksRunning, isSubmissionEvent, submissionStatusWords } from '../../lib/submissions';
import type { AnalysisDetail, AnalysisStats, Scopes, Submission } from '../../lib/types';

/** How often a page whose checks are running asks again, besides the live events of their outcome. */
const CHECKS_POLL_MS = 3000;

function ScopeReview({ current, previous }: { current: Scopes; previous: { version: string; scopes: Scopes } | null }) {
  const kinds = reviewScopes(current, previous?.scopes ?? null);
  return (
    <section className="card" aria-labelledby="scopes-heading">
      <h2 id="scopes-heading">What it reads</h2>
      <p>
        {previous
          ? `Compared with the published version ${previous.version}: fields marked "new" are read for the first time.`
          : 'The first version of this analysis: every field is new.'}{' '}
        Fields marked "full precision" reveal much and have a coarser grain the analysis could ask for instead.
      </p>
      {kinds.length === 0 ? <p>Nothing.</p> : null}
      <ul className="scopes">
        {kinds.map((kind) => (
          <li key={kind.kind}>
            From <strong>{kind.kindWords}</strong> <span className="muted">({kind.kind})</span>:
            <ul>
              {kind.fields.map((field) => (
                <li key={field.field} className={field.added ? 'scope-added' : undefined}>
                  {field.words} <code>{field.field}</code>
                  {field.added ? <span className="flag flag-added">new</span> : null}
                  {field.fullPrecision ? <span className="flag flag-sensitive">full precision</span> : null}
                </li>
              ))}
              {kind.dropped.map((field) => (
                <li key={`dropped-${field}`} className="muted">
                  No longer reads <code>{field}</code>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ParamsSection({ submission }: { submission: Submission }) {
  return (
    <section className="card" aria-labelledby="params-heading">
      <h2 id="params-heading">Settings people can change</h2>
      <h3>Params schema</h3>
      <pre className="json" role="region" tabIndex={0} aria-label="Params schema">
        {JSON.stringify(submission.params.schema, null, 2)}
      </pre>
      <h3>Defaults</h3>
      <pre className="json" role="region" tabIndex={0} aria-label="Params defaults">
        {JSON.stringify(submission.params.defaults, null, 2)}
      </pre>
    </section>
  );
}

function ReviewActions({ submission, onChanged }: { submission: Submission; onChanged: (submission: Submission) => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const awaiting = submission.status === 'awaiting_review';
  const published = submission.status === 'published';
  if (!awaiting && !published) return null;
  const act = (action: 'approve' | 'reject' | 'suspend') => (event: FormEvent) => {
    event.preventDefault();
    if ((action === 'reject' || action === 'suspend') && !reason.trim()) {
      setError(`Say why you ${action} it: the developer reads the reason`);
      return;
    }
    setBusy(true);
    setError(undefined);
    const call =
      action === 'suspend'
        ? api('POST', `/analyses/${encodeURIComponent(submission.analysis)}/versions/${encodeURIComponent(submission.version)}/suspend`, {
            reason: reason.trim(),
          }).then(() => api<Submission>('GET', `/submissions/${submission.id}`))
        : api<Submission>('POST', `/submissions/${submission.id}/${action}`, reason.trim() ? { reason: reason.trim() } : {});
    call.then(
      (changed) => {
        setBusy(false);
        setReason('');
        onChanged(changed);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(failure);
      },
    );
  };
  return (
    <form className="card" aria-labelledby="review-heading" onSubmit={act(awaiting ? 'approve' : 'suspend')} noValidate>
      <h2 id="review-heading">{awaiting ? 'Review' : 'Suspend'}</h2>
      <p>
        {awaiting
          ? 'Approving publishes this version in the catalogue, bound to the image the checks inspected. A reason is needed to reject it, and optional to approve.'
          : 'Suspending takes this version off the catalogue at once and cancels its queued runs. Its developer and the people whose runs are cancelled are told.'}
      </p>
      <div className="field">
        <label htmlFor="review-reason">Reason{awaiting ? '' : ' (required)'}</label>
        <textarea
          id="review-reason"
          rows={3}
          maxLength={1000}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          aria-describedby={error ? 'review-error' : undefined}
        />
      </div>
      <ErrorMessage error={error} id="review-error" />
      <div className="actions">
        {awaiting ? (
          <>
            <button type="submit" disabled={busy}>
              Approve
            </button>
            <button type="button" className="danger" disabled={busy} onClick={act('reject')}>
              Reject
            </button>
          </>
        ) : (
          <button type="submit" className="danger" disabled={busy}>
            Suspend this version
          </button>
        )}
      </div>
    </form>
  );
}

function Stats({ slug }: { slug: string }) {
  const stats = useAsync(() => api<AnalysisStats>('GET', `/analyses/${encodeURIComponent(slug)}/stats`), [slug]);
  return (
    <section className="card" aria-labelledby="stats-heading">
      <h2 id="stats-heading">Runs per week</h2>
      <ErrorMessage error={stats.error} />
      {stats.loading && !stats.data ? <Loading what="the figures" /> : null}
      {stats.data ? (
        <>
          <p className="muted">
            Closed weeks only, published {stats.data.method.publishDelayHours} hours after they end; a week with fewer than {stats.data.method.minPeople} people
            shows no figure, and every count is rounded to the nearest {stats.data.method.roundTo}, so no figure moves because of one person.
          </p>
          {stats.data.weeks.length === 0 ? (
            <p>No week has closed since it was published.</p>
          ) : (
            <div className="table-scroll" role="region" aria-label="Runs per week, as a table" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Week</th>
                    <th scope="col">People</th>
                    <th scope="col">Runs</th>
                    <th scope="col">Succeeded</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.data.weeks.map((week) => (
                    <tr key={week.week}>
                      <td>{week.week}</td>
                      <td>{week.people}</td>
                      <td>{week.runs ?? '–'}</td>
                      <td>{week.byStatus?.succeeded ?? '–'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </section>
  );
}

/** The latest published version of the analysis other than this one, for the reviewer's comparison. */
async function previousPublished(submission: Submission): Promise<{ version: string; scopes: Scopes } | null> {
  try {
    const analysis = await api<AnalysisDetail>('GET', `/analyses/${encodeURIComponent(submission.analysis)}`);
    // Published versions, newest first; a version under review is not among them yet, a published one is.
    const earlier = analysis.versions.find((version) => version.version !== submission.version && version.publishedAt < (submission.publishedAt ?? '\uffff'));
    return earlier ? { version: earlier.version, scopes: earlier.scopes } : null;
  } catch (error) {
    // Never published (or every version suspended): this is its first version in the catalogue.
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export default function SubmissionPage({ id }: { id: string }) {
  const { user } = useSession();
  const isAdmin = user?.role === 'admin';
  const submission = useAsync(() => api<Submission>('GET', `/submissions/${encodeURIComponent(id)}`), [id]);
  const data = submission.data;
  const previous = useAsync(() => (data ? previousPublished(data) : Promise.resolve(null)), [data?.analysis, data?.version]);
  const reload = submission.reload;
  useLiveEvents(useCallback((event: { type: string; subjectId?: string }) => (isSubmissionEvent(event.type) ? reload() : undefined), [reload]));
  const running = data ? checksRunning(data.status) : false;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, CHECKS_POLL_MS);
    return () => clearInterval(timer);
  }, [running, reload]);

  if (submission.error && !data) {
    return (
      <>
        <PageHeading title="Submission">Submission</PageHeading>
        <ErrorMessage error={submission.error} />
        <p>
          <Link to="/submissions">Back to the submissions</Link>
        </p>
      </>
    );
  }
  if (!data) return <Loading what="the submission" />;
  const title = `${data.manifest.title} ${data.version}`;
  return (
    <>
      <PageHeading title={title}>{title}</PageHeading>
      <p>
        <span className={`status status-${data.status}`} role="status" aria-live="polite">
          {submissionStatusWords(data.status)}
        </span>{' '}
        <span className="muted">
          {data.analysis} · submitted {formatDateTime(data.submittedAt)}
        </span>
      </p>
      {running ? <ProgressBar fraction={null} label="Checks in progress" /> : null}
      {data.reviewReason ? (
        <p className="card">
          <strong>{data.status === 'rejected' ? 'Why it was rejected' : "Reviewer's note"}:</strong> {data.reviewReason}
        </p>
      ) : null}
      {data.suspension ? (
        <p className="card" role="note">
          <strong>Suspended {formatDateTime(data.suspension.at)}:</strong> {data.suspension.reason}
        </p>
      ) : null}
      {isAdmin && data.quarantine ? (
        <p className="card" role="note">
          <strong>Flagged {formatDateTime(data.quarantine.at)}:</strong> {data.quarantine.reason}
        </p>
      ) : null}
      <ErrorMessage error={submission.error} />
      {isAdmin ? <ReviewActions submission={data} onChanged={submission.setData} /> : null}
      <section className="card" aria-labelledby="manifest-heading">
        <h2 id="manifest-heading">As submitted</h2>
        <p>{data.manifest.description}</p>
        <ul>
          <li>Category: {data.manifest.category}</li>
          <li>Price: {data.manifest.price === 0 ? 'free' : `${data.manifest.price} credits`}</li>
          <li>
            Entrypoint: <code className="wrap">{data.manifest.entrypoint.join(' ')}</code>
          </li>
          <li>
            Resources: {data.manifest.resources.timeout} s, {data.manifest.resources.memory} memory, {data.manifest.resources.cpu} CPU,{' '}
            {data.manifest.resources.output} output
          </li>
          {data.manifest.runtime ? <li>Sandbox asked for: {data.manifest.runtime}</li> : null}
        </ul>
      </section>
      {data.checkReport ? (
        <CheckReport report={data.checkReport} />
      ) : (
        <EmptyState title="No check report yet">
          <p>The checks have not finished. This page follows them: there is no need to reload.</p>
        </EmptyState>
      )}
      <ErrorMessage error={previous.error} />
      {previous.loading ? <Loading what="the previous version" /> : <ScopeReview current={data.scopes} previous={previous.data ?? null} />}
      <ParamsSection submission={data} />
      {!isAdmin && (data.status === 'published' || data.status === 'suspended') ? <Stats slug={data.analysis} /> : null}
    </>
  );
}
