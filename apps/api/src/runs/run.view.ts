import type { ConsentScopes } from '@lockbox/analysis-sdk';
import type { RunReason, RunStatus, StoredArtifact } from '@lockbox/db';

/** What the API shows of a run, to its owner only. */
export interface RunView {
  id: string;
  status: RunStatus;
  /**
   * Why it did not succeed (RUN_REASONS); null while it runs and when it succeeded. `attempts_exhausted`:
   * its attempts kept killing or stalling their worker until the platform stopped trying.
   */
  reason: RunReason | null;
  /** A sentence for people: why it failed, or the result summary. */
  message: string | null;
  analysis: { slug: string; title: string; version: string };
  datasetIds: string[];
  params: Record<string, unknown>;
  queuedAt: string;
  /** While queued: how many runs, platform-wide, were queued before this one; null otherwise. */
  queuePosition: number | null;
  startedAt: string | null;
  /** While running: whole seconds since its container started (before that, since the run last changed); null otherwise. */
  runningForSeconds: number | null;
  finishedAt: string | null;
  /** From the container's start to its exit. */
  containerMs: number | null;
  attempts: number;
  progress: number | null;
  progressMessage: string | null;
  cancelRequestedAt: string | null;
  resultSummary: string | null;
  hasResult: boolean;
  hasLogs: boolean;
  /** Files the analysis wrote next to its result; each downloads from `GET /runs/:id/artifacts/<name, URI-encoded>`. */
  artifacts: Array<{ name: string; bytes: number; contentType: string }>;
  consent: { scopes: ConsentScopes; imageId: string; grantedAt: string } | null;
  createdAt: string;
}

/** The columns RUN_VIEW_SQL selects, as PostgreSQL returns them. */
export interface RunViewRow {
  id: string;
  status: RunStatus;
  reason: RunReason | null;
  message: string | null;
  slug: string;
  title: string;
  version: string;
  dataset_ids: string[];
  params: Record<string, unknown>;
  queued_at: Date;
  started_at: Date | null;
  running_for_seconds: number | null;
  finished_at: Date | null;
  container_ms: number | null;
  attempts: number;
  progress: number | null;
  progress_message: string | null;
  cancel_requested_at: Date | null;
  result_summary: string | null;
  result_key: string | null;
  log_key: string | null;
  artifacts: StoredArtifact[];
  consent_scopes: ConsentScopes | null;
  consent_image_id: string | null;
  consent_granted_at: Date | null;
  created_at: Date;
}

/**
 * A run with its analysis version and consent receipt; callers add WHERE (always with r.user_id) and
 * ORDER. Queue positions are not here: they look at the whole queue, so QUEUE_POSITIONS_SQL finds them
 * for a page at once rather than once per row.
 */
export const RUN_VIEW_SQL = `
  SELECT r.id, r.status, r.reason, r.message, a.slug, a.title, v.version, r.dataset_ids, r.params,
         r.queued_at, r.started_at, r.finished_at,
         CASE WHEN r.status = 'running'
              THEN floor(extract(epoch FROM now() - coalesce(r.started_at, r.updated_at)))::int END AS running_for_seconds, r.container_ms, r.attempts, r.progress, r.progress_message,
         r.cancel_requested_at, r.result_summary, r.result_key, r.log_key, r.artifacts,
         c.scopes AS consent_scopes, c.image_id AS consent_image_id, c.granted_at AS consent_granted_at, r.created_at
    FROM runs r
    JOIN analysis_versions v ON v.id = r.analysis_version_id
    JOIN analyses a ON a.id = v.analysis_id
    LEFT JOIN consent_receipts c ON c.run_id = r.id`;

/** One page of the caller's runs (`$1` the user, `$2` limit, `$3` offset), newest first. */
export const RUN_PAGE_SQL = `${RUN_VIEW_SQL} WHERE r.user_id = $1 ORDER BY r.created_at DESC, r.id LIMIT $2 OFFSET $3`;

/**
 * Where each of the runs `$1` (the caller's, already scoped) that is queued stands in the platform's queue:
 * how many runs, anyone's, were queued before it. One pass over the queue (index runs_queued_idx), up to
 * the latest of them, however many runs are asked about.
 */
export const QUEUE_POSITIONS_SQL = `
  SELECT id, position FROM (
    SELECT id, (rank() OVER (ORDER BY queued_at) - 1)::int AS position
      FROM runs
     WHERE status = 'queued' AND queued_at <= (SELECT max(queued_at) FROM runs WHERE id = ANY($1::uuid[]) AND status = 'queued')
  ) queue
  WHERE id = ANY($1::uuid[])`;

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** `queuePosition` comes from QUEUE_POSITIONS_SQL, for a queued run. */
export function toRunView(row: RunViewRow, queuePosition: number | null = null): RunView {
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    message: row.message,
    analysis: { slug: row.slug, title: row.title, version: row.version },
    datasetIds: row.dataset_ids,
    params: row.params,
    queuedAt: row.queued_at.toISOString(),
    queuePosition: row.status === 'queued' ? queuePosition : null,
    startedAt: iso(row.started_at),
    runningForSeconds: row.running_for_seconds,
    finishedAt: iso(row.finished_at),
    containerMs: row.container_ms,
    attempts: row.attempts,
    progress: row.progress,
    progressMessage: row.progress_message,
    cancelRequestedAt: iso(row.cancel_requested_at),
    resultSummary: row.result_summary,
    hasResult: row.result_key !== null,
    hasLogs: row.log_key !== null,
    artifacts: row.artifacts.map(({ name, bytes, contentType }) => ({ name, bytes, contentType })),
    consent:
      row.consent_scopes && row.consent_image_id && row.consent_granted_at
        ? { scopes: row.consent_scopes, imageId: row.consent_image_id, grantedAt: row.consent_granted_at.toISOString() }
        : null,
    createdAt: row.created_at.toISOString(),
  };
}
