// Faults are graded. An archive fault fails the whole dataset; a file fault fails one file while the
// others are read; a skip drops one record (a line, an element, a row) and the file goes on.

/** The upload cannot be used at all: the dataset fails with this reason. */
export const ARCHIVE_FAULTS = [
  'not_a_zip',
  'corrupt_archive',
  'zip_bomb',
  'encrypted',
  'too_many_entries',
  'overlapping_entries',
  'format_not_detected',
  'format_ambiguous',
  'no_records',
] as const;
export type ArchiveFaultReason = (typeof ARCHIVE_FAULTS)[number];

/** One file cannot be read (further): the others are. */
export const FILE_FAULTS = [
  'file_too_large',
  'unsupported_compression',
  'corrupt_entry',
  'not_parseable',
  'too_deep',
  'too_many_columns',
  'missing_columns',
  'needs_account',
] as const;
export type FileFaultReason = (typeof FILE_FAULTS)[number];

/** One record is dropped: the file goes on. */
export const SKIP_REASONS = [
  'element_too_large',
  'too_deep',
  'line_too_long',
  'record_too_large',
  'field_too_large',
  'too_many_columns',
  'wrong_column_count',
  'unterminated_quote',
  'invalid_utf8',
  'invalid_json',
  'not_an_object',
  'not_a_tweet',
  'not_a_reaction',
  'not_a_participant',
  'not_a_record',
  'bad_timestamp',
  'bad_coordinates',
  'missing_field',
  'bad_value',
  'invalid_record',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * What a file's report notes without dropping anything: elements the format knows and does not import (an
 * ad in a watch history, a Timeline activity segment), and texts kept as written because they could not be
 * repaired. Counted per file, with the first one's place and message.
 */
export const NOTE_REASONS = ['not_imported', 'text_not_repaired'] as const;
export type NoteReason = (typeof NOTE_REASONS)[number];

/** Why a file of the archive was not read. Every file not read is listed (up to a cap) and counted. */
export const NOT_READ_REASONS = ['unsafe_name', 'duplicate_name', 'nested_archive', 'not_imported', 'not_understood'] as const;
export type NotReadReason = (typeof NOT_READ_REASONS)[number];

export class ArchiveFault extends Error {
  constructor(
    readonly reason: ArchiveFaultReason,
    message: string,
  ) {
    super(message);
    this.name = 'ArchiveFault';
  }
}

export class FileFault extends Error {
  constructor(
    readonly reason: FileFaultReason,
    message: string,
  ) {
    super(message);
    this.name = 'FileFault';
  }
}

/**
 * Reading the upload itself failed (storage, disk): not the person's fault, so the ingestion is not
 * graded but thrown to the caller, which retries the job.
 */
export class SourceReadError extends Error {
  constructor(cause: unknown) {
    super(`reading the upload failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'SourceReadError';
  }
}
