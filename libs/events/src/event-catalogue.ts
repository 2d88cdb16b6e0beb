// The platform's one list of event types and audit actions, with what each carries. Clients see the
// event types over SSE and in notifications, and later issues expose them to webhooks: the names are a
// public contract, so they stay as they are and a new one is added here before it is written anywhere.

/** A run's state as its events report it (the run row's status). */
type RunEventStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** Every event of a run's end carries the same fields, whoever wrote the end (worker, user, sweep, suspension). */
export interface RunFinishedPayload {
  runId: string;
  status: Exclude<RunEventStatus, 'queued' | 'running'>;
  reason: string | null;
  /** The sentence the run row and the notification's body hold. */
  message: string;
  analysis: string;
  version: string;
}

export interface SubmissionCheckedPayload {
  submissionId: string;
  analysis: string;
  version: string;
  status: 'awaiting_review' | 'check_failed';
  imageId: string | null;
  failedRules: string[];
}

export interface SubmissionReviewedPayload {
  submissionId: string;
  analysis: string;
  version: string;
  status: 'published' | 'rejected';
  reason: string | null;
  imageId: string | null;
}

export interface DatasetIngestedPayload {
  datasetId: string;
  name: string;
  status: 'ready' | 'failed';
  recordCount: number;
  recordKinds: Record<string, number>;
  errorCount: number;
  failureMessage: string | null;
}

/** Event type → payload. Recorded events have a row (and may notify); `run.progress` is live only. */
export interface PlatformEventPayloads {
  'run.queued': { runId: string; status: 'queued'; analysis: string; version: string };
  'run.started': { runId: string; status: 'running'; attempt: number; analysis: string; version: string };
  'run.progress': { runId: string; progress: number; message: string };
  'run.succeeded': RunFinishedPayload;
  'run.failed': RunFinishedPayload;
  'run.timed_out': RunFinishedPayload;
  'run.cancelled': RunFinishedPayload;
  'submission.awaiting_review': SubmissionCheckedPayload;
  'submission.check_failed': SubmissionCheckedPayload;
  'submission.published': SubmissionReviewedPayload;
  'submission.rejected': SubmissionReviewedPayload;
  'analysis.suspended': { analysis: string; version: string; versionId: string; reason: string };
  'dataset.ready': DatasetIngestedPayload;
  'dataset.failed': DatasetIngestedPayload;
}

export type PlatformEventType = keyof PlatformEventPayloads;

/** The events that only travel live (no row, no replay). */
export type TransientEventType = 'run.progress';

export type RecordedEventType = Exclude<PlatformEventType, TransientEventType>;

/** The types in the order the docs list them; a test keeps this list and the payload map equal. */
export const PLATFORM_EVENT_TYPES = [
  'run.queued',
  'run.started',
  'run.progress',
  'run.succeeded',
  'run.failed',
  'run.timed_out',
  'run.cancelled',
  'submission.awaiting_review',
  'submission.check_failed',
  'submission.published',
  'submission.rejected',
  'analysis.suspended',
  'dataset.ready',
  'dataset.failed',
] as const satisfies readonly PlatformEventType[];

/** One event of one type: the pair a writer passes, checked by the compiler. */
export type PlatformEventOf<T extends PlatformEventType> = { type: T; payload: PlatformEventPayloads[T] };

/** Any recorded event, as a discriminated union (type narrows payload). */
export type RecordedPlatformEvent = { [T in RecordedEventType]: PlatformEventOf<T> }[RecordedEventType];

/** The audit trail's actions (`audit_events.action`). Admins filter on these names: keep them. */
export const AUDIT_ACTIONS = [
  'run.requested',
  'run.data_accessed',
  'submission.created',
  'submission.checked',
  'submission.approved',
  'submission.rejected',
  'analysis.version_suspended',
  'analysis_version.quarantined',
  'dataset.uploaded',
  'dataset.ingested',
  'dataset.deleted',
  'queue.poison_dropped',
  'queue.job_stalled',
  'queue.dead_lettered',
  'queue.redriven',
  'user.role_changed',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The actions a worker records about a queue message it could not handle (ARCHITECTURE §jobs). */
export type QueueAuditAction = Extract<AuditAction, `queue.${string}`>;

/** What SSE clients receive, live or replayed. `id` orders a user's events and serves `Last-Event-ID`. */
export interface LiveEvent {
  id: string;
  type: string;
  subjectId: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

/** An event to record, with the notification that goes with it (de-duplicated by the same key). */
export type NewPlatformEvent = RecordedPlatformEvent & {
  userId: string;
  subjectId?: string;
  /** Set for events that must happen once however often their handler is replayed. */
  dedupeKey?: string;
  /** Also tell the user in-app; de-duplicated by the same key. */
  notification?: { title: string; body: string };
};

/** An event as committed, ready to fan out after the commit; undefined when its dedupe key was already recorded. */
export type RecordedEvent = { userId: string; event: LiveEvent } | undefined;
