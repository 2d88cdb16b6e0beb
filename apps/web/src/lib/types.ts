// The API's views as the console reads them (apps/api/src/**/*.view.ts). Contract types come from the
// SDK and libs/exports as types only: nothing of theirs is bundled.
import type { AnalysisCategory, ManifestResources, ParamsSchema, ResultDocument } from '@lockbox/analysis-sdk';
import type { IngestReport } from '@lockbox/exports';

export type { AnalysisCategory, ParamsSchema, ResultDocument, IngestReport };

/** `{ kind: [field, …] }`, as manifests declare and consents grant; grains (`field@day`) may appear later. */
export type Scopes = Record<string, string[]>;

export type Role = 'user' | 'developer' | 'admin';

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
}

export interface BrowserSession {
  user: SessionUser;
  csrfToken: string;
  idleTimeoutSeconds: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

export interface VersionSummary {
  version: string;
  scopes: Scopes;
  resources: ManifestResources;
  publishedAt: string;
}

export interface CatalogueEntry {
  slug: string;
  title: string;
  description: string;
  category: AnalysisCategory;
  price: number;
  latestVersion: VersionSummary;
}

export interface VersionDetail extends VersionSummary {
  previousVersion: string | null;
  newScopes: Scopes;
  params: ParamsSchema;
  runtime: string | null;
  imageId: string;
}

export interface AnalysisDetail {
  slug: string;
  title: string;
  description: string;
  category: AnalysisCategory;
  price: number;
  versions: VersionDetail[];
}

export type DatasetStatus = 'uploaded' | 'ingesting' | 'ready' | 'failed';

export interface Dataset {
  id: string;
  name: string;
  format: string;
  source: string;
  /** One of DatasetStatus from this API; a newer API may add others, shown as they are. */
  status: string;
  sizeBytes: number;
  recordCount: number;
  recordKinds: Record<string, number>;
  errorCount: number;
  failureMessage: string | null;
  createdAt: string;
  ingestedAt: string | null;
  lineErrors?: { line: number; reason: string }[];
  /** The ingest report, once the API reads real exports (libs/exports IngestReport). */
  report?: Partial<IngestReport> | null;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

export interface Run {
  id: string;
  status: RunStatus;
  reason: string | null;
  message: string | null;
  analysis: { slug: string; title: string; version: string };
  datasetIds: string[];
  params: Record<string, unknown>;
  queuedAt: string;
  queuePosition: number | null;
  startedAt: string | null;
  runningForSeconds: number | null;
  finishedAt: string | null;
  containerMs: number | null;
  progress: number | null;
  progressMessage: string | null;
  resultSummary: string | null;
  hasResult: boolean;
  hasLogs: boolean;
  artifacts: { name: string; bytes: number; contentType: string }[];
  consent: { scopes: Scopes; imageId: string; grantedAt: string } | null;
  createdAt: string;
}

export interface Notification {
  id: string;
  type: string;
  title: string;
  body: string;
  subjectId: string | null;
  readAt: string | null;
  createdAt: string;
}

export const FINISHED_RUN_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'timed_out', 'cancelled']);

// --- developers and admins (part 2) -------------------------------------------------------------------

export type SubmissionStatus = 'submitted' | 'checking' | 'awaiting_review' | 'published' | 'rejected' | 'check_failed' | 'suspended';

/** apps/api/src/submissions/submission.view.ts; the check report as libs/db's CheckReport. */
export interface Submission {
  id: string;
  analysis: string;
  version: string;
  /** One of SubmissionStatus; a newer API may add others, shown as they are. */
  status: string;
  manifest: {
    title: string;
    description: string;
    category: string;
    price: number;
    entrypoint: string[];
    resources: ManifestResources;
    runtime: string | null;
  };
  scopes: Scopes;
  params: { schema: ParamsSchema; defaults: Record<string, unknown> };
  submittedBy: string;
  upload: { bytes: number; sha256: string };
  imageId: string | null;
  checkReport: CheckReport | null;
  reviewReason: string | null;
  reviewedAt: string | null;
  publishedAt: string | null;
  suspension: { at: string; reason: string } | null;
  submittedAt: string;
  updatedAt: string;
  quarantine?: { at: string; reason: string } | null;
}

export interface CheckReport {
  passed: boolean;
  checkedAt: string;
  imageId?: string;
  layout?: string;
  imageBytes?: number;
  decompressedBytes?: number;
  layers?: number;
  violations: { rule: string; message: string }[];
  notes: string[];
  steps?: { name: string; outcome: 'passed' | 'failed' | 'skipped' }[];
  smokeRun?: {
    runtime?: string;
    status: string;
    reason?: string;
    message: string;
    exitCode?: number;
    records: Record<string, number>;
    fixtureSeed?: number;
    containerMs: number;
    outputBytes: number;
    logBytes: number;
    peakMemoryBytes: number | null;
    logTail?: string;
  };
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface StatsWeek {
  week: string;
  startsOn: string;
  publishedAt: string;
  people: string;
  runs?: number;
  byStatus?: Record<string, number>;
  failureReasons?: Record<string, number>;
  durations?: Record<string, number>;
}

export interface AnalysisStats {
  analysis: string;
  method: { minPeople: number; roundTo: number; runsPerPerson: number; publishDelayHours: number };
  weeks: StatsWeek[];
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, { status: 'up' | 'down'; latencyMs: number; error?: string }>;
  workers: {
    id: string;
    hostname: string;
    pid: number;
    startedAt: string;
    lastSeenAt: string;
    engine: { reachable: boolean; version?: string; error?: string };
    runtimes: string[];
  }[];
}

export interface QueueState {
  name: string;
  depth: number;
  deadLetters: number;
}

export interface DeadLetter {
  messageId: string;
  job: { type: string; id: string } | null;
  body: string;
  receiveCount: number;
  sentAt: string;
}

export interface Account {
  id: string;
  email: string;
  role: string;
  createdAt: string;
}
