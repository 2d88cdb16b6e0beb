import type { Manifest } from '@lockbox/analysis-sdk';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { JobColumns } from './job-columns';

export const ANALYSIS_VERSION_STATUSES = ['submitted', 'checking', 'awaiting_review', 'published', 'rejected', 'check_failed', 'suspended'] as const;
export type AnalysisVersionStatus = (typeof ANALYSIS_VERSION_STATUSES)[number];

export interface CheckRuleResult {
  rule: string;
  message: string;
}

/** One automated check step and how it ended; `skipped` when an earlier step had already failed the image. */
export interface CheckStepResult {
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
}

/** What the automated checks found; shown to the developer and to the reviewing admin. */
export interface CheckReport {
  passed: boolean;
  checkedAt: string;
  imageId?: string;
  layout?: string;
  imageBytes?: number;
  decompressedBytes?: number;
  layers?: number;
  violations: CheckRuleResult[];
  notes: string[];
  /**
   * Scope fields asked for at full precision that reveal much (exact location, message text, search
   * queries), in the consent screen's words: flagged for the reviewer; they do not fail the checks.
   */
  fullPrecisionScopes?: Array<{ kind: string; field: string; description: string }>;
  /** The steps in the order they ran. */
  steps?: CheckStepResult[];
  /** The image's run on synthetic fixtures, when the checks got that far. */
  smokeRun?: SmokeRunReport;
}

/** What the smoke run of a submission showed (no one's personal data: the input is synthetic). */
export interface SmokeRunReport {
  runtime?: 'runc' | 'runsc';
  status: 'succeeded' | 'failed' | 'timed_out' | 'not_run';
  reason?: string;
  message: string;
  exitCode?: number;
  /** Synthetic records staged per declared kind. */
  records: Record<string, number>;
  /** The seed of those records: `lockbox fixtures --seed <fixtureSeed> --records 200` makes the same data. */
  fixtureSeed?: number;
  containerMs: number;
  /** result.json plus artifacts. */
  outputBytes: number;
  resultBytes?: number;
  artifacts?: number;
  logBytes: number;
  /** Highest memory use sampled while it ran (a lower bound); null when no sample was taken. */
  peakMemoryBytes: number | null;
  /** The end of the logs of a failed smoke run, for the developer. */
  logTail?: string;
}

/** One submitted version of an analysis: its manifest, its image (by ID) and where review stands. */
@Entity({ name: 'analysis_versions' })
export class AnalysisVersion extends JobColumns {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'analysis_id', type: 'uuid' })
  analysisId: string;

  @Column({ type: 'text' })
  version: string;

  @Column({ type: 'text' })
  status: AnalysisVersionStatus;

  @Column({ type: 'jsonb' })
  manifest: Manifest;

  @Column({ name: 'submitted_by', type: 'uuid' })
  submittedBy: string;

  /** The tarball as uploaded. */
  @Column({ name: 'upload_key', type: 'text' })
  uploadKey: string;

  @Column({ name: 'upload_bytes', type: 'bigint', transformer: { to: (value: number) => value, from: (value: string) => Number(value) } })
  uploadBytes: number;

  @Column({ name: 'upload_sha256', type: 'text' })
  uploadSha256: string;

  /** `sha256:` of the image config, known once checks have inspected the tarball. Approval binds to it. */
  @Column({ name: 'image_id', type: 'text', nullable: true })
  imageId: string | null;

  /** The sanitised tarball that workers load (no tags). */
  @Column({ name: 'image_key', type: 'text', nullable: true })
  imageKey: string | null;

  /** The image ID the admin approved; a published version's `imageId` must equal it (a CHECK enforces it). */
  @Column({ name: 'approved_image_id', type: 'text', nullable: true })
  approvedImageId: string | null;

  @Column({ name: 'check_report', type: 'jsonb', nullable: true })
  checkReport: CheckReport | null;

  @Column({ name: 'review_reason', type: 'text', nullable: true })
  reviewReason: string | null;

  @Column({ name: 'reviewed_by', type: 'uuid', nullable: true })
  reviewedBy: string | null;

  @Column({ name: 'reviewed_at', type: 'timestamptz', nullable: true })
  reviewedAt: Date | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true })
  suspendedAt: Date | null;

  @Column({ name: 'suspended_by', type: 'uuid', nullable: true })
  suspendedBy: string | null;

  @Column({ name: 'suspension_reason', type: 'text', nullable: true })
  suspensionReason: string | null;

  /**
   * Set (once) when one of the version's runs, or its check, ended `attempts_exhausted`: its jobs kept
   * killing or stalling workers. A flag for the admins only; the version stays as it is until one acts.
   */
  @Column({ name: 'quarantined_at', type: 'timestamptz', nullable: true })
  quarantinedAt: Date | null;

  @Column({ name: 'quarantine_reason', type: 'text', nullable: true })
  quarantineReason: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
