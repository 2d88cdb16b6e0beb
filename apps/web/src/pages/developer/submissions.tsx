// Submissions: a developer's own, or, for an admin, the review queue (and every other status). The list
// follows the checks and reviews live.
import { useCallback } from 'react';
import { EmptyState, ErrorMessage, Loading, PageHeading, useAsync } from '../../components/ui';
import { api } from '../../lib/api';
import { useLiveEvents } from '../../lib/events';
import { formatDateTime } from '../../lib/format';
import { Link, useRouter } from '../../lib/router';
import { useSession } from '../../lib/session';
import { isSubmissionEvent, REVIEW_FILTERS, submissionStatusWords } from '../../lib/submissions';
import type { Page, Submission } from '../../lib/types';

function SubmissionList({ items }: { items: Submission[] }) {
  return (
    <ul className="list">
      {items.map((submission) => (
        <li key={submission.id}>
          <Link to={`/submissions/${submission.id}`}>
            {submission.manifest.title} {submission.version}
          </Link>
          <span className={`status status-${submission.status}`}>{submissionStatusWords(submission.status)}</span>
          <span className="muted">
            {submission.analysis} · submitted {formatDateTime(submission.submittedAt)}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** A developer's submissions as their analyses, each with its versions newest first (the API lists newest first). */
function ByAnalysis({ items }: { items: Submission[] }) {
  const analyses = new Map<string, Submission[]>();
  for (const submission of items) analyses.set(submission.analysis, [...(analyses.get(submission.analysis) ?? []), submission]);
  return (
    <>
      {[...analyses.entries()].map(([slug, versions]) => {
        const published = versions.find((version) => version.status === 'published');
        return (
          <section key={slug} aria-labelledby={`analysis-${slug}`}>
            <h2 id={`analysis-${slug}`}>
              {versions[0]?.manifest.title ?? slug} <span className="muted">({slug})</span>
            </h2>
            <p className="muted">{published ? `Version ${published.version} is in the catalogue.` : 'No version is in the catalogue.'}</p>
            <SubmissionList items={versions} />
          </section>
        );
      })}
    </>
  );
}

export default function Submissions() {
  const { user } = useSession();
  const { location, navigate } = useRouter();
  const isAdmin = user?.role === 'admin';
  // The review queue is an admin's first view; a developer sees all of their own.
  const status = isAdmin ? (location.search.get('status') ?? 'awaiting_review') : '';
  const submissions = useAsync(() => api<Page<Submission>>('GET', `/submissions?limit=100${status ? `&status=${encodeURIComponent(status)}` : ''}`), [status]);
  const reload = submissions.reload;
  useLiveEvents(useCallback((event: { type: string }) => (isSubmissionEvent(event.type) ? reload() : undefined), [reload]));
  const title = isAdmin ? 'Review queue' : 'My submissions';
  return (
    <>
      <PageHeading title={title}>{title}</PageHeading>
      {isAdmin ? (
        <nav aria-label="Statuses" className="categories">
          <ul>
            {REVIEW_FILTERS.map((filter) => (
              <li key={filter.status || 'all'}>
                <button type="button" aria-pressed={filter.status === status} onClick={() => navigate(`/submissions?status=${filter.status}`)}>
                  {filter.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      ) : (
        <p>
          Each version you submit with <code>lockbox submit</code> is checked automatically, then reviewed. New here?{' '}
          <Link to="/developer/start">Start here</Link>.
        </p>
      )}
      <ErrorMessage error={submissions.error} />
      {submissions.loading && !submissions.data ? <Loading what="submissions" /> : null}
      {submissions.data && submissions.data.items.length === 0 ? (
        <EmptyState title={isAdmin ? 'Nothing here' : 'No submissions yet'}>
          {isAdmin ? (
            <p>No submission has this status. The queue fills as developers submit versions that pass the checks.</p>
          ) : (
            <p>
              <Link to="/developer/start">Create an API token and submit your first analysis</Link> with the <code>lockbox</code> CLI.
            </p>
          )}
        </EmptyState>
      ) : null}
      {submissions.data && submissions.data.items.length > 0 ? (
        isAdmin ? (
          <SubmissionList items={submissions.data.items} />
        ) : (
          <ByAnalysis items={submissions.data.items} />
        )
      ) : null}
    </>
  );
}
