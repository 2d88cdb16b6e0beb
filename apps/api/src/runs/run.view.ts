import type { ConsentScopes } from '@lockbox/analysis-sdk';
import type { RunReason, RunStatus, RunViewRow } from '@lockbox/db';
import { type KindInWords, scopesInWords } from '../common/scopes-in-words';

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
  /** The consent receipt; `inWords` says what was granted as the consent screen did, each grain in words ("your location, rounded to about 1 km"). */
  consent: { scopes: ConsentScopes; inWords: KindInWords[]; imageId: string; grantedAt: string } | null;
  createdAt: string;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** `queuePosition` comes from RunsRepository.queuePositions, for a queued run. */
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
        ? {
            scopes: row.consent_scopes,
            inWords: scopesInWords(row.consent_scopes),
            imageId: row.consent_image_id,
            grantedAt: row.consent_granted_at.toISOString(),
          }
        : null,
    createdAt: row.created_at.toISOString(),
  };
}
