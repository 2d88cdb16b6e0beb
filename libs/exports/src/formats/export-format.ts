import type { NoteReason, SkipReason } from '../faults';
import type { ExportLimits } from '../limits';
import type { BufferGauge } from '../streams/buffer-gauge';
import type { ExportMapping } from './mapped/export-mapping';

/** Where in a file a record came from: a line (CSV, JSONL) or an element's indexes (JSON arrays). */
export interface RecordLocation {
  line?: number;
  element?: readonly number[];
}

/**
 * What a parser gives for each record of its file: a candidate record (validated later), a skip, or a
 * note (something the report tells without dropping a record: an element not imported, a text kept as written).
 */
export type ParsedItem =
  | { type: 'record'; record: Record<string, unknown>; at: RecordLocation }
  | { type: 'skip'; reason: SkipReason; message: string; at: RecordLocation }
  | { type: 'note'; reason: NoteReason; message: string; at: RecordLocation };

export interface ParseContext {
  limits: ExportLimits;
  gauge: BufferGauge;
}

/** Parses one file's bytes, streamed. Throws FileFault when the file as a whole cannot be read (further). */
export type EntryParser = (input: AsyncIterable<Buffer>, context: ParseContext) => AsyncGenerator<ParsedItem>;

/** How one file is read: its part (shown in the report), its parser, and its place in the reading order. */
export interface EntryPlan {
  part: string;
  /** Files are read in increasing order: e.g. an X account before the messages that need its id. */
  order: number;
  parse: EntryParser;
}

/** A file is read, or known to the format but not imported (with the reason, for the report). */
export type EntryRole = { read: EntryPlan } | { notImported: string };

export interface FormatPlan {
  /** The role of a file, by its name relative to the archive's root; undefined when the format does not know it. */
  roleOf(name: string): EntryRole | undefined;
  /** How an upload that is not an archive is read, for formats that accept a bare file. */
  bareFile?: EntryPlan;
}

export interface PlanOptions {
  mapping?: ExportMapping;
  /**
   * Every file name of the archive (relative to its root), for formats whose roles depend on the archive's
   * structure rather than on fixed names (Google Takeout's folders are named in the account's language).
   */
  names?: readonly string[];
}

export interface ExportFormat {
  name: string;
  /** What in an archive's names shows it is this format, in words; undefined when nothing does. */
  detect?(names: readonly string[]): string | undefined;
  /** A plan for one upload (parsers of one plan may share state, e.g. the account's id). */
  plan(options: PlanOptions): FormatPlan;
}

export function skipItem(reason: SkipReason, message: string, at: RecordLocation): ParsedItem {
  return { type: 'skip', reason, message, at };
}

export function recordItem(record: Record<string, unknown>, at: RecordLocation): ParsedItem {
  return { type: 'record', record, at };
}

export function noteItem(reason: NoteReason, message: string, at: RecordLocation): ParsedItem {
  return { type: 'note', reason, message, at };
}
