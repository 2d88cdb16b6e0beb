import type { Dataset, DatasetLineError, DatasetStatus } from '@lockbox/db';
import type { IngestReport } from '@lockbox/exports';

/** A dataset as listed: what it is and how ingestion went. Never its object keys. */
export interface DatasetSummaryView {
  id: string;
  name: string;
  format: string;
  source: string;
  status: DatasetStatus;
  sizeBytes: number;
  sha256: string;
  recordCount: number;
  recordKinds: Record<string, number>;
  errorCount: number;
  failureMessage: string | null;
  createdAt: string;
  updatedAt: string;
  ingestedAt: string | null;
}

/**
 * One dataset in full: the summary, the first line errors (`errorCount` counts them all) and the ingest
 * report (per file: records per kind, skips with their place and reason, files not read; null until ingested).
 */
export interface DatasetView extends DatasetSummaryView {
  lineErrors: DatasetLineError[];
  report: IngestReport | null;
}

export function toDatasetSummaryView(dataset: Dataset): DatasetSummaryView {
  return {
    id: dataset.id,
    name: dataset.name,
    format: dataset.format,
    source: dataset.source,
    status: dataset.status,
    sizeBytes: dataset.sizeBytes,
    sha256: dataset.sha256,
    recordCount: dataset.recordCount,
    recordKinds: dataset.recordKinds,
    errorCount: dataset.errorCount,
    failureMessage: dataset.failureMessage,
    createdAt: dataset.createdAt.toISOString(),
    updatedAt: dataset.updatedAt.toISOString(),
    ingestedAt: dataset.ingestedAt?.toISOString() ?? null,
  };
}

export function toDatasetView(dataset: Dataset): DatasetView {
  return { ...toDatasetSummaryView(dataset), lineErrors: dataset.lineErrors, report: dataset.report };
}
