import type { SkipReason } from '../faults';
import { describeBytes } from '../limits';
import type { BufferGauge } from './buffer-gauge';

/** One line (from 1): its text, or why it cannot be read. */
export type TextLine = { line: number; text: string } | { line: number; skip: SkipReason; message: string };

export interface LineOptions {
  maxLineBytes: number;
  gauge?: BufferGauge;
}

const LF = 0x0a;
const CR = 0x0d;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits a byte stream into lines, holding at most one line: a line past `maxLineBytes` is read to its
 * end without being kept and reported. A trailing CR is dropped, a UTF-8 BOM before the first line too;
 * each line is decoded strictly.
 */
export async function* readLines(input: AsyncIterable<Buffer>, options: LineOptions): AsyncGenerator<TextLine> {
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  let line = 0;
  let first = true;

  const keep = (piece: Buffer): void => {
    if (tooLong || piece.length === 0) return;
    if (length + piece.length > options.maxLineBytes) {
      tooLong = true;
      parts = [];
      return;
    }
    parts.push(piece);
    length += piece.length;
    options.gauge?.observe(length);
  };

  const complete = (): TextLine => {
    line++;
    if (tooLong) {
      tooLong = false;
      length = 0;
      return { line, skip: 'line_too_long', message: `the line is longer than ${describeBytes(options.maxLineBytes)}` };
    }
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    if (line === 1 && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    try {
      return { line, text: utf8.decode(bytes) };
    } catch {
      return { line, skip: 'invalid_utf8', message: 'the line is not valid UTF-8' };
    }
  };

  for await (const chunk of input) {
    first = false;
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(LF, start);
      keep(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) break;
      yield complete();
      start = newline + 1;
    }
  }
  if (!first && (length > 0 || tooLong)) yield complete();
}
