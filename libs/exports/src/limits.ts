/**
 * The caps that keep reading an upload bounded in memory and time, whatever it holds. Every cap counts
 * what is actually read or inflated, never what the archive declares. Defaults are documented in
 * docs/data-formats.md; the worker may pass its own.
 */
export interface ExportLimits {
  /** Entries in the ZIP's central directory; more fails the archive (`too_many_entries`). */
  maxEntries: number;
  /** Bytes of one entry's name; a longer name is not read (`unsafe_name`). */
  maxNameBytes: number;
  /** Bytes inflated over the whole archive; past it the archive fails (`zip_bomb`). */
  maxTotalInflatedBytes: number;
  /** Bytes inflated from one entry; past it that file fails (`file_too_large`). */
  maxEntryInflatedBytes: number;
  /** Inflated bytes per compressed byte of one entry, checked once it passes `ratioFloorBytes` (`zip_bomb`). */
  maxInflateRatio: number;
  /** Below this many inflated bytes an entry's ratio is not checked: tiny files compress oddly. */
  ratioFloorBytes: number;
  /** Bytes of one element of a JSON array (a tweet, a like, a message); a bigger one is skipped. */
  maxElementBytes: number;
  /** Nesting of arrays and objects around the elements read; deeper fails the file (`too_deep`). */
  maxJsonDepth: number;
  /** Bytes of one JSONL line; a longer one is skipped. */
  maxLineBytes: number;
  /** Columns of one CSV record; a header with more fails the file, a row with more is skipped. */
  maxCsvColumns: number;
  /** Bytes of one CSV field; a row with a bigger one is skipped. */
  maxCsvFieldBytes: number;
  /** Bytes of one CSV record; a bigger one is skipped. */
  maxCsvRecordBytes: number;
  /** Skipped records listed per file in the report, with their place and reason; the rest are counted. */
  maxSkipsListed: number;
  /** Files listed in the report (read, or not read with the reason); the rest are counted. */
  maxFilesListed: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

const DEFAULT_EXPORT_LIMITS: Readonly<ExportLimits> = Object.freeze({
  // X archives carry one file per photo and video; 100,000 is well past the largest seen, and the
  // central directory's metadata stays a few tens of MB.
  maxEntries: 100_000,
  maxNameBytes: 1024,
  maxTotalInflatedBytes: 8 * GiB,
  maxEntryInflatedBytes: 4 * GiB,
  // JSON and CSV compress 5 to 20 times; a deflate bomb is near 1,000.
  maxInflateRatio: 100,
  ratioFloorBytes: 1 * MiB,
  maxElementBytes: 1 * MiB,
  maxJsonDepth: 64,
  maxLineBytes: 1 * MiB,
  maxCsvColumns: 1000,
  maxCsvFieldBytes: 1 * MiB,
  maxCsvRecordBytes: 4 * MiB,
  maxSkipsListed: 20,
  maxFilesListed: 1000,
});

/** The defaults with `overrides` applied; each override must be a positive integer. */
export function exportLimits(overrides: Partial<ExportLimits> = {}): ExportLimits {
  const limits = { ...DEFAULT_EXPORT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`export limit ${name} must be a positive integer (got ${String(value)})`);
  }
  return limits;
}

export function describeBytes(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}
