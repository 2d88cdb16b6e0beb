import type { DatasetLineError, DatasetStatus } from '@lockbox/db';

/** Line errors kept on the dataset for the user to read; the rest are only counted. */
export const MAX_KEPT_LINE_ERRORS = 100;
/** Reasons quote the user's data back (unknown kinds, field names); keep each one short. */
const MAX_REASON_CHARS = 300;

export interface IngestOutcome {
  status: Extract<DatasetStatus, 'ready' | 'failed'>;
  failureMessage: string | null;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** What one pass over a dataset found: records per kind, and the lines that could not be used. */
export class IngestTally {
  readonly recordKinds: Record<string, number> = {};
  recordCount = 0;
  errorCount = 0;
  readonly lineErrors: DatasetLineError[] = [];

  constructor(private readonly maxKeptErrors = MAX_KEPT_LINE_ERRORS) {}

  addRecord(kind: string): void {
    this.recordKinds[kind] = (this.recordKinds[kind] ?? 0) + 1;
    this.recordCount++;
  }

  addError(line: number, reason: string): void {
    this.errorCount++;
    if (this.lineErrors.length < this.maxKeptErrors) {
      this.lineErrors.push({ line, reason: reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason });
    }
  }

  /** Ready with at least one valid record; otherwise failed, saying why in the user's terms. */
  outcome(): IngestOutcome {
    if (this.recordCount > 0) return { status: 'ready', failureMessage: null };
    if (this.errorCount === 0) return { status: 'failed', failureMessage: 'no valid records: the file has only blank lines' };
    const [first] = this.lineErrors;
    const lines = this.errorCount === 1 ? 'the only line has an error' : `all ${plural(this.errorCount, 'line')} have errors`;
    const example = first === undefined ? '' : `, e.g. line ${first.line}: ${first.reason}`;
    return { status: 'failed', failureMessage: `no valid records: ${lines}${example}` };
  }
}
