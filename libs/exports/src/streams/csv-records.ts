import type { SkipReason } from '../faults';
import { describeBytes } from '../limits';
import type { BufferGauge } from './buffer-gauge';

/** One CSV record: its fields, or why it was dropped. `line` is where the record starts (from 1). */
export type CsvRow = { line: number; fields: string[] } | { line: number; skip: SkipReason; message: string };

export interface CsvOptions {
  maxColumns: number;
  maxFieldBytes: number;
  maxRecordBytes: number;
  gauge?: BufferGauge;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function countNewlines(chunk: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = chunk.indexOf(LF, from); at !== -1 && at < to; at = chunk.indexOf(LF, at + 1)) count++;
  return count;
}

/**
 * RFC 4180 CSV, streamed: quoted fields may hold commas, quotes ("") and newlines; records end with LF,
 * CRLF or CR; a UTF-8 BOM at the start is dropped; blank lines are passed over. A record past a cap
 * (columns, one field's bytes, the record's bytes) is read to its end without being kept and reported,
 * so memory stays bounded by the caps whatever the input. Fields are decoded strictly as UTF-8.
 */
class CsvScanner {
  private state = FIELD_START;
  private line = 1;
  private recordLine = 1;
  private fields: string[] = [];
  private columns = 0;
  private parts: Buffer[] = [];
  private fieldBytes = 0;
  private recordBytes = 0;
  private failure: { reason: SkipReason; message: string } | undefined;
  /** Start of the current field's bytes in this chunk. */
  private from = 0;
  private atStart = true;
  private skipLf = false;

  constructor(private readonly options: CsvOptions) {}

  push(input: Buffer): CsvRow[] {
    const out: CsvRow[] = [];
    let chunk = input;
    if (this.atStart) {
      if (chunk.length === 0) return out;
      this.atStart = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    let i = 0;
    const n = chunk.length;
    if (this.skipLf && n > 0) {
      this.skipLf = false;
      if (chunk[0] === LF) i = 1;
    }
    this.from = i;
    while (i < n) {
      switch (this.state) {
        case FIELD_START:
          i = this.fieldStart(chunk, i, out);
          break;
        case UNQUOTED:
          i = this.unquoted(chunk, i, out);
          break;
        case QUOTED:
          i = this.quoted(chunk, i);
          break;
        default:
          i = this.afterQuote(chunk, i, out);
      }
    }
    if (this.state === UNQUOTED || this.state === QUOTED) this.keep(chunk, this.from, n);
    return out;
  }

  /** After the last chunk: the last record, if the input did not end with a newline. */
  end(): CsvRow[] {
    const out: CsvRow[] = [];
    if (this.state === QUOTED) {
      this.fail('unterminated_quote', 'a quoted field is never closed');
      this.endField();
      this.endRecord(out);
    } else if (this.state !== FIELD_START || this.fields.length > 0 || this.columns > 0) {
      this.endField();
      this.endRecord(out);
    }
    return out;
  }

  private fieldStart(chunk: Buffer, i: number, out: CsvRow[]): number {
    const byte = chunk[i];
    if (byte === QUOTE) {
      this.state = QUOTED;
      this.from = i + 1;
      return i + 1;
    }
    if (byte === COMMA || byte === CR || byte === LF) return this.delimiter(chunk, i, out);
    this.state = UNQUOTED;
    this.from = i;
    return i;
  }

  private unquoted(chunk: Buffer, i: number, out: CsvRow[]): number {
    for (let at = i; at < chunk.length; at++) {
      const byte = chunk[at];
      if (byte === COMMA || byte === CR || byte === LF) {
        this.keep(chunk, this.from, at);
        return this.delimiter(chunk, at, out);
      }
    }
    return chunk.length;
  }

  private quoted(chunk: Buffer, i: number): number {
    const quote = chunk.indexOf(QUOTE, i);
    const stop = quote === -1 ? chunk.length : quote;
    this.line += countNewlines(chunk, i, stop);
    if (quote === -1) return chunk.length;
    this.keep(chunk, this.from, quote);
    this.state = QUOTE_IN_QUOTED;
    return quote + 1;
  }

  private afterQuote(chunk: Buffer, i: number, out: CsvRow[]): number {
    const byte = chunk[i];
    if (byte === QUOTE) {
      // "" inside a quoted field is one quote: keep this one, go on with the field.
      this.state = QUOTED;
      this.from = i;
      return i + 1;
    }
    if (byte === COMMA || byte === CR || byte === LF) return this.delimiter(chunk, i, out);
    // Text after a closing quote is not RFC 4180; like most readers, keep it as part of the field.
    this.state = UNQUOTED;
    this.from = i;
    return i;
  }

  /** A comma ends the field; CR, LF or CRLF ends the record. */
  private delimiter(chunk: Buffer, i: number, out: CsvRow[]): number {
    const byte = chunk[i];
    this.endField();
    this.state = FIELD_START;
    if (byte === COMMA) return i + 1;
    this.endRecord(out);
    this.line++;
    if (byte === CR) {
      if (i + 1 < chunk.length) return chunk[i + 1] === LF ? i + 2 : i + 1;
      this.skipLf = true;
    }
    return i + 1;
  }

  private fail(reason: SkipReason, message: string): void {
    if (this.failure) return;
    this.failure = { reason, message };
    this.fields = [];
    this.parts = [];
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    const length = to - from;
    if (length <= 0) return;
    this.fieldBytes += length;
    this.recordBytes += length;
    if (this.failure) return;
    const { maxFieldBytes, maxRecordBytes } = this.options;
    if (this.fieldBytes > maxFieldBytes) return this.fail('field_too_large', `a field is longer than ${describeBytes(maxFieldBytes)}`);
    if (this.recordBytes > maxRecordBytes) return this.fail('record_too_large', `the record is longer than ${describeBytes(maxRecordBytes)}`);
    this.parts.push(chunk.subarray(from, to));
    this.options.gauge?.observe(this.recordBytes);
  }

  private endField(): void {
    this.columns++;
    const parts = this.parts;
    this.parts = [];
    this.fieldBytes = 0;
    if (this.failure) return;
    if (this.columns > this.options.maxColumns) return this.fail('too_many_columns', `the record has more than ${this.options.maxColumns} columns`);
    try {
      this.fields.push(parts.length === 0 ? '' : utf8.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts)));
    } catch {
      this.fail('invalid_utf8', 'the record is not valid UTF-8');
    }
  }

  private endRecord(out: CsvRow[]): void {
    const blank = !this.failure && this.columns === 1 && this.fields[0] === '';
    if (this.failure) out.push({ line: this.recordLine, skip: this.failure.reason, message: this.failure.message });
    else if (!blank) out.push({ line: this.recordLine, fields: this.fields });
    this.fields = [];
    this.columns = 0;
    this.recordBytes = 0;
    this.failure = undefined;
    this.recordLine = this.line + 1;
  }
}

export async function* readCsvRecords(input: AsyncIterable<Buffer>, options: CsvOptions): AsyncGenerator<CsvRow> {
  const scanner = new CsvScanner(options);
  for await (const chunk of input) yield* scanner.push(chunk);
  yield* scanner.end();
}
