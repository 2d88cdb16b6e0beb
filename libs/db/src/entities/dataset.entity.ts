import type { ExportMapping, IngestReport } from '@lockbox/exports';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { JobColumns } from './job-columns';

export const DATASET_STATUSES = ['uploaded', 'ingesting', 'ready', 'failed'] as const;
export type DatasetStatus = (typeof DATASET_STATUSES)[number];

export interface DatasetLineError {
  line: number;
  reason: string;
}

@Entity({ name: 'datasets' })
export class Dataset extends JobColumns {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  name: string;

  /** The upload format, e.g. `lockbox-jsonl`; later the export formats of each platform. */
  @Column({ type: 'text' })
  format: string;

  /** Where the data came from; part of the curated zone's partitioning. */
  @Column({ type: 'text' })
  source: string;

  @Column({ type: 'text' })
  status: DatasetStatus;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: { to: (value: number) => value, from: (value: string) => Number(value) } })
  sizeBytes: number;

  @Column({ type: 'text' })
  sha256: string;

  @Column({ name: 'raw_key', type: 'text' })
  rawKey: string;

  @Column({ name: 'curated_prefix', type: 'text', nullable: true })
  curatedPrefix: string | null;

  @Column({ name: 'record_count', type: 'integer', default: 0 })
  recordCount: number;

  @Column({ name: 'error_count', type: 'integer', default: 0 })
  errorCount: number;

  /** The first line errors (line number and reason); `errorCount` counts them all. */
  @Column({ name: 'line_errors', type: 'jsonb', default: () => "'[]'" })
  lineErrors: DatasetLineError[];

  /** Records per canonical kind, e.g. `{ "social.posts": 120 }`. */
  @Column({ name: 'record_kinds', type: 'jsonb', default: () => "'{}'" })
  recordKinds: Record<string, number>;

  /** The mapping a `csv` or `jsonl` upload named (checked at upload); null for every other format. */
  @Column({ type: 'jsonb', nullable: true })
  mapping: ExportMapping | null;

  /** The ingest report (`IngestReport` of @lockbox/exports, with `alreadyPresent`), once ingested. */
  @Column({ type: 'jsonb', nullable: true })
  report: IngestReport | null;

  @Column({ name: 'failure_message', type: 'text', nullable: true })
  failureMessage: string | null;

  @Column({ name: 'ingested_at', type: 'timestamptz', nullable: true })
  ingestedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
