import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { JobColumns } from './job-columns';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Why a run did not succeed: one vocabulary everywhere (API, events, notifications). `attempts_exhausted`:
 * its attempts kept killing or stalling their worker until `LOCKBOX_JOB_MAX_ATTEMPTS` were lost.
 */
export const RUN_REASONS = [
  'exit_code',
  'oom',
  'output_invalid',
  'output_limit',
  'log_limit',
  'image_unavailable',
  'attempts_exhausted',
  'deadline',
  'by_user',
  'analysis_suspended',
] as const;
export type RunReason = (typeof RUN_REASONS)[number];

/** A file a succeeded run left in /output/artifacts/, as the worker stored it. */
export interface StoredArtifact {
  /** The path under /output/artifacts/, e.g. "charts/week.svg". */
  name: string;
  key: string;
  bytes: number;
  /** Chosen by the platform from the name's extension, never by the analysis. */
  contentType: string;
}

@Entity({ name: 'runs' })
export class Run extends JobColumns {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'analysis_version_id', type: 'uuid' })
  analysisVersionId: string;

  @Column({ name: 'dataset_ids', type: 'uuid', array: true })
  datasetIds: string[];

  @Column({ type: 'jsonb' })
  params: Record<string, unknown>;

  @Column({ type: 'text' })
  status: RunStatus;

  @Column({ type: 'text', nullable: true })
  reason: RunReason | null;

  /** A sentence for people: why it failed, or the result summary. */
  @Column({ type: 'text', nullable: true })
  message: string | null;

  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true })
  cancelRequestedAt: Date | null;

  @Column({ name: 'queued_at', type: 'timestamptz' })
  queuedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'container_ms', type: 'integer', nullable: true })
  containerMs: number | null;

  @Column({ type: 'real', nullable: true })
  progress: number | null;

  @Column({ name: 'progress_message', type: 'text', nullable: true })
  progressMessage: string | null;

  @Column({ name: 'result_key', type: 'text', nullable: true })
  resultKey: string | null;

  @Column({ name: 'result_summary', type: 'text', nullable: true })
  resultSummary: string | null;

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  artifacts: StoredArtifact[];

  @Column({ name: 'log_key', type: 'text', nullable: true })
  logKey: string | null;

  @Column({
    name: 'log_bytes',
    type: 'bigint',
    nullable: true,
    transformer: { to: (value: number | null) => value, from: (value: string | null) => (value === null ? null : Number(value)) },
  })
  logBytes: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
