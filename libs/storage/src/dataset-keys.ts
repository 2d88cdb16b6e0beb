/**
 * Where a dataset's objects live. The data lake is partitioned by user, source and date, with one folder
 * per dataset, so erasing a dataset is erasing its raw object and its curated folder.
 *
 *   raw/user=<userId>/source=<source>/date=<YYYY-MM-DD of upload>/dataset=<id>/upload.jsonl
 *   curated/user=<userId>/source=<source>/date=<YYYY-MM-DD of ingestion>/dataset=<id>/<kind>.jsonl
 */
export interface DatasetPartition {
  userId: string;
  source: string;
  /** The partition date: the upload's for raw objects, the ingestion's for curated ones. */
  date: Date;
  datasetId: string;
}

/** `YYYY-MM-DD` in UTC, so every host files an object under the same date. */
export function partitionDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function partitionPath(zone: 'raw' | 'curated', partition: DatasetPartition): string {
  return `${zone}/user=${partition.userId}/source=${partition.source}/date=${partitionDate(partition.date)}/dataset=${partition.datasetId}/`;
}

export function rawUploadKey(partition: DatasetPartition): string {
  return `${partitionPath('raw', partition)}upload.jsonl`;
}

/** The dataset's curated folder; ends with "/" so a prefix delete cannot reach another dataset. */
export function curatedPrefix(partition: DatasetPartition): string {
  return partitionPath('curated', partition);
}

export function curatedRecordsKey(prefix: string, kind: string): string {
  return `${prefix}${kind}.jsonl`;
}
