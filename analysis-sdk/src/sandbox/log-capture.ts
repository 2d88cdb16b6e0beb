// Captures an analysis' stdout/stderr from the engine's attach stream (ARCHITECTURE §4, §8): keeps
// the first bytes, counts the rest, says when the run has written too much, and turns stderr lines
// such as {"progress":0.4,"message":"Reading posts"} into progress reports.
import { toPlainLine } from '../plain-text';

/** A progress report parsed from a stderr line. */
export interface RunProgress {
  /** From 0 to 1. */
  progress: number;
  /** One line of plain text (toPlainLine): no control, escape, bidi or invisible characters. */
  message: string;
}

export interface LogCaptureOptions {
  /** Bytes of combined stdout/stderr kept (`runLogKeptBytes`); later bytes are only counted. */
  keptBytes: number;
  /** `onLimit` is called once when the total goes past this (`runLogKillBytes`). */
  killBytes: number;
  onLimit?: () => void;
  onProgress?: (progress: RunProgress) => void;
}

/** A stderr line longer than this is never a progress line; its bytes are not buffered. */
export const PROGRESS_LINE_MAX_BYTES = 4096;
// The same cut as the runtime library's ProgressReporter (MAX_PROGRESS_MESSAGE_CHARS).
const PROGRESS_MESSAGE_MAX_CHARS = 200;

// Engine stream framing (Tty off): [stream type, 0, 0, 0, payload size as uint32 big-endian], payload.
const FRAME_HEADER_BYTES = 8;
const STDERR = 2;
const NEWLINE = 0x0a;

export class LogCapture {
  private readonly kept: Buffer[] = [];
  private keptLength = 0;
  private total = 0;
  private limitReached = false;
  private error: Error | undefined;

  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerLength = 0;
  private frameStream = 0;
  private frameRemaining = 0;

  private line: Buffer[] = [];
  private lineLength = 0;
  private lineOverflowed = false;

  constructor(private readonly options: LogCaptureOptions) {}

  /** The kept bytes: the first `keptBytes` of stdout and stderr, interleaved as they arrived. */
  get logs(): Buffer {
    return Buffer.concat(this.kept, this.keptLength);
  }

  /** Every payload byte seen, kept or not. */
  get totalBytes(): number {
    return this.total;
  }

  get limitExceeded(): boolean {
    return this.limitReached;
  }

  /** Set when the stream failed before it ended; the logs are then incomplete. */
  get streamError(): Error | undefined {
    return this.error;
  }

  /** Feeds bytes of the multiplexed stream; frames may be split anywhere across calls. */
  write(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.frameRemaining === 0) {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerLength, chunk.length - offset);
        chunk.copy(this.header, this.headerLength, offset, offset + take);
        this.headerLength += take;
        offset += take;
        if (this.headerLength === FRAME_HEADER_BYTES) {
          this.frameStream = this.header[0]!;
          this.frameRemaining = this.header.readUInt32BE(4);
          this.headerLength = 0;
        }
        continue;
      }
      const take = Math.min(this.frameRemaining, chunk.length - offset);
      this.payload(this.frameStream, chunk.subarray(offset, offset + take));
      this.frameRemaining -= take;
      offset += take;
    }
  }

  /** Reads a stream until it ends, closes or fails; never rejects (a failure is in `streamError`). */
  consume(stream: NodeJS.ReadableStream): Promise<void> {
    return new Promise((resolve) => {
      stream.on('data', (chunk: Buffer | string) => this.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
      stream.once('end', () => resolve());
      stream.once('close', () => resolve());
      stream.once('error', (error: Error) => {
        this.error = error;
        resolve();
      });
    });
  }

  private payload(stream: number, bytes: Buffer): void {
    this.total += bytes.length;
    const room = this.options.keptBytes - this.keptLength;
    if (room > 0) {
      // A copy, so a kept slice never pins a large chunk of the stream in memory.
      const keep = Buffer.from(bytes.subarray(0, room));
      this.kept.push(keep);
      this.keptLength += keep.length;
    }
    if (this.limitReached) return;
    if (stream === STDERR) this.scanLines(bytes);
    if (this.total > this.options.killBytes) {
      this.limitReached = true;
      this.options.onLimit?.();
    }
  }

  private scanLines(bytes: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, start);
      this.appendToLine(bytes.subarray(start, newline === -1 ? bytes.length : newline));
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  }

  private appendToLine(part: Buffer): void {
    if (this.lineOverflowed || part.length === 0) return;
    if (this.lineLength + part.length > PROGRESS_LINE_MAX_BYTES) {
      // A flood without newlines: drop it, and skip everything up to the next newline.
      this.lineOverflowed = true;
      this.line = [];
      this.lineLength = 0;
      return;
    }
    this.line.push(Buffer.from(part));
    this.lineLength += part.length;
  }

  private endLine(): void {
    if (!this.lineOverflowed && this.lineLength > 0) {
      const progress = parseProgressLine(Buffer.concat(this.line, this.lineLength).toString('utf8'));
      if (progress) {
        try {
          this.options.onProgress?.(progress);
        } catch {
          // A failing listener must not break log capture.
        }
      }
    }
    this.line = [];
    this.lineLength = 0;
    this.lineOverflowed = false;
  }
}

/** Parses `{"progress":0.4,"message":"…"}`; anything else (including progress outside 0–1) is just a log line. */
export function parseProgressLine(line: string): RunProgress | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { progress, message } = value as Record<string, unknown>;
  if (typeof progress !== 'number' || !Number.isFinite(progress) || progress < 0 || progress > 1) return undefined;
  // Shown to the user as it comes (in the run, on the live channel, in the CLI): it is transient, so what
  // could colour a terminal, reorder or hide text is dropped rather than failing the run.
  return { progress, message: typeof message === 'string' ? toPlainLine(message, PROGRESS_MESSAGE_MAX_CHARS) : '' };
}
