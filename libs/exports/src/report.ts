import type { RecordKind } from '@lockbox/analysis-sdk';
import { displayName } from './archive/entry-names';
import type { ArchiveFaultReason, FileFaultReason, NoteReason, NotReadReason, SkipReason } from './faults';
import type { RecordLocation } from './formats/export-format';
import type { RequestedFormat } from './formats/registry';
import type { ExportLimits } from './limits';

export type KindCounts = Partial<Record<RecordKind, number>>;

export interface SkipEntry {
  /** The line (CSV, JSONL) or the element's indexes (JSON arrays; e.g. [conversation, message]). */
  line?: number;
  element?: number[];
  reason: SkipReason;
  message: string;
}

/** One reason a file's report notes, how often, and where it was first seen. */
export interface NoteEntry {
  reason: NoteReason;
  count: number;
  /** The first one's message. */
  message: string;
  line?: number;
  element?: number[];
}

export interface FileReport {
  /** The file's name in the archive, with control characters escaped. */
  name: string;
  /** Which part of the format it was read as, e.g. `tweets`, `comments`. */
  part: string;
  /** Bytes of the file read (inflated). */
  bytesRead: number;
  records: KindCounts;
  skipped: number;
  /** The first skips, with their place and reason; `skipped` counts them all. */
  skips: SkipEntry[];
  /** Set when the file could not be read (further): records before the fault are kept. */
  failure?: { reason: FileFaultReason; message: string };
  /** What was noted without dropping a record, one entry per reason; absent when nothing was. */
  notes?: NoteEntry[];
}

export interface NotReadFile {
  name: string;
  reason: NotReadReason;
  detail: string;
}

/**
 * What one ingestion did with an upload, for the person who made it: per file what was read, how many
 * records of each kind, what was skipped and why, and every file that was not read. Bounded in size:
 * lists stop at the limits and the rest are counted.
 */
export interface IngestReport {
  status: 'ready' | 'failed';
  failure?: { reason: ArchiveFaultReason; message: string };
  /** The format asked for (`auto` or a name) and the one read. */
  requestedFormat: RequestedFormat;
  format?: string;
  /** With `auto`: what was found that tells the format. */
  detected?: string;
  /** Whether the upload was a ZIP (otherwise a bare file), and its entries. */
  archive: boolean;
  entries: number;
  bytesInflated: number;
  records: KindCounts;
  recordCount: number;
  skipped: number;
  files: FileReport[];
  filesNotListed: number;
  notRead: NotReadFile[];
  notReadCounts: Partial<Record<NotReadReason, number>>;
  notReadNotListed: number;
  /** Filled by the caller: records already in the person's other datasets (same stable key). */
  alreadyPresent?: number;
  /** Notes over every file, per reason (see each file's notes); absent when there are none. */
  notes?: Partial<Record<NoteReason, number>>;
}

const MAX_MESSAGE_CHARS = 300;
const shorten = (message: string): string => (message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message);

function addCount(counts: KindCounts, kind: RecordKind): void {
  counts[kind] = (counts[kind] ?? 0) + 1;
}

/** One file's tally while it is read. */
export class FileTally {
  readonly report: FileReport;

  constructor(
    name: string,
    part: string,
    private readonly owner: IngestReportBuilder,
    private readonly listed: boolean,
  ) {
    this.report = { name: displayName(name), part, bytesRead: 0, records: {}, skipped: 0, skips: [] };
  }

  addBytes(bytes: number): void {
    this.report.bytesRead += bytes;
  }

  addRecord(kind: RecordKind): void {
    addCount(this.report.records, kind);
    this.owner.countRecord(kind);
  }

  addSkip(at: RecordLocation, reason: SkipReason, message: string): void {
    this.report.skipped++;
    if (this.listed && this.owner.mayListSkip(this.report.skips.length)) {
      const entry: SkipEntry = { reason, message: shorten(message) };
      if (at.line !== undefined) entry.line = at.line;
      if (at.element !== undefined) entry.element = [...at.element];
      this.report.skips.push(entry);
    }
    this.owner.countSkip();
  }

  fail(reason: FileFaultReason, message: string): void {
    this.report.failure = { reason, message: shorten(message) };
  }

  addNote(at: RecordLocation, reason: NoteReason, message: string): void {
    this.report.notes ??= [];
    const entry = this.report.notes.find((note) => note.reason === reason);
    if (entry) entry.count++;
    else {
      const first: NoteEntry = { reason, count: 1, message: shorten(message) };
      if (at.line !== undefined) first.line = at.line;
      if (at.element !== undefined) first.element = [...at.element];
      this.report.notes.push(first);
    }
    this.owner.countNote(reason);
  }
}

export class IngestReportBuilder {
  private readonly files: FileReport[] = [];
  private filesNotListed = 0;
  private readonly notRead: NotReadFile[] = [];
  private readonly notReadCounts: Partial<Record<NotReadReason, number>> = {};
  private notReadNotListed = 0;
  private readonly records: KindCounts = {};
  private recordCount = 0;
  private skipped = 0;
  private skipsListed = 0;
  private readonly notes: Partial<Record<NoteReason, number>> = {};
  private failure: IngestReport['failure'];
  private format: string | undefined;
  private detected: string | undefined;
  private archive = false;
  private entries = 0;

  constructor(
    private readonly requestedFormat: RequestedFormat,
    private readonly limits: ExportLimits,
  ) {}

  setArchive(archive: boolean, entries: number): void {
    this.archive = archive;
    this.entries = entries;
  }

  setFormat(format: string, detected?: string): void {
    this.format = format;
    this.detected = detected === undefined ? undefined : shorten(detected);
  }

  startFile(name: string, part: string): FileTally {
    const listed = this.files.length < this.limits.maxFilesListed;
    const tally = new FileTally(name, part, this, listed);
    if (listed) this.files.push(tally.report);
    else this.filesNotListed++;
    return tally;
  }

  addNotRead(name: string, reason: NotReadReason, detail: string): void {
    this.notReadCounts[reason] = (this.notReadCounts[reason] ?? 0) + 1;
    if (this.notRead.length < this.limits.maxFilesListed) this.notRead.push({ name: displayName(name), reason, detail: shorten(detail) });
    else this.notReadNotListed++;
  }

  fail(reason: ArchiveFaultReason, message: string): void {
    this.failure ??= { reason, message: shorten(message) };
  }

  countRecord(kind: RecordKind): void {
    addCount(this.records, kind);
    this.recordCount++;
  }

  countSkip(): void {
    this.skipped++;
  }

  countNote(reason: NoteReason): void {
    this.notes[reason] = (this.notes[reason] ?? 0) + 1;
  }

  /** Per file up to maxSkipsListed, and ten times that over the report, so it stays small. */
  mayListSkip(listedInFile: number): boolean {
    if (listedInFile >= this.limits.maxSkipsListed || this.skipsListed >= this.limits.maxSkipsListed * 10) return false;
    this.skipsListed++;
    return true;
  }

  build(bytesInflated: number): IngestReport {
    if (!this.failure && this.recordCount === 0) this.fail('no_records', this.noRecordsMessage());
    const report: IngestReport = {
      status: this.failure ? 'failed' : 'ready',
      requestedFormat: this.requestedFormat,
      archive: this.archive,
      entries: this.entries,
      bytesInflated,
      records: this.records,
      recordCount: this.recordCount,
      skipped: this.skipped,
      files: this.files,
      filesNotListed: this.filesNotListed,
      notRead: this.notRead,
      notReadCounts: this.notReadCounts,
      notReadNotListed: this.notReadNotListed,
    };
    if (this.failure) report.failure = this.failure;
    if (this.format !== undefined) report.format = this.format;
    if (this.detected !== undefined) report.detected = this.detected;
    if (Object.keys(this.notes).length > 0) report.notes = this.notes;
    return report;
  }

  private noRecordsMessage(): string {
    if (this.files.length === 0 && this.filesNotListed === 0) return 'no records: the upload has no file that its format reads';
    if (this.skipped > 0) return `no records: every record was skipped (${this.skipped}); see each file's skips`;
    if (this.files.some((file) => file.failure)) return "no records: the files could not be read; see each file's failure";
    return 'no records: the files read hold none';
  }
}
