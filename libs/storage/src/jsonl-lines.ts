/** Lines longer than this are refused: one record is small, and a line is held in memory whole. */
export const MAX_JSONL_LINE_BYTES = 1024 * 1024;

/** One line of a JSONL stream: its text, or why it cannot be read. Numbers start at 1. */
export type JsonlLine = { number: number; text: string; error?: undefined } | { number: number; error: string; text?: undefined };

export interface JsonlLineOptions {
  maxLineBytes?: number;
}

function describeBytes(bytes: number): string {
  const MiB = 1024 * 1024;
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}

/**
 * Splits a byte stream into lines without ever holding more than one line: chunks are cut at "\n", a
 * trailing "\r" is dropped, and a line past `maxLineBytes` is skipped to its end and reported rather
 * than buffered. Each line is decoded strictly, so invalid UTF-8 is reported instead of being replaced.
 * A last line without a newline counts; blank lines are yielded as they are (the caller decides).
 */
export async function* readJsonlLines(source: AsyncIterable<Uint8Array | string>, options: JsonlLineOptions = {}): AsyncGenerator<JsonlLine> {
  const maxLineBytes = options.maxLineBytes ?? MAX_JSONL_LINE_BYTES;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  let number = 0;

  const append = (piece: Buffer): void => {
    if (tooLong || piece.length === 0) return;
    if (length + piece.length > maxLineBytes) {
      tooLong = true;
      parts = [];
      length = 0;
      return;
    }
    parts.push(piece);
    length += piece.length;
  };

  const complete = (): JsonlLine => {
    number++;
    if (tooLong) {
      tooLong = false;
      return { number, error: `line is longer than ${describeBytes(maxLineBytes)}` };
    }
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    try {
      return { number, text: decoder.decode(bytes) };
    } catch {
      return { number, error: 'line is not valid UTF-8' };
    }
  };

  for await (const received of source) {
    const chunk = typeof received === 'string' ? Buffer.from(received) : Buffer.from(received.buffer, received.byteOffset, received.byteLength);
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      append(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) break;
      yield complete();
      start = newline + 1;
    }
  }
  if (length > 0 || tooLong) yield complete();
}
