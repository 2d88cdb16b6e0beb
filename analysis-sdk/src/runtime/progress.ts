// Progress lines on stderr: `{"progress":0.4,"message":"…"}` (ARCHITECTURE §4).
import type { ProgressLine } from '../container-contract';
import { toPlainLine } from '../plain-text';

/** Progress messages longer than this are cut: a progress line is a status, not a log. */
export const MAX_PROGRESS_MESSAGE_CHARS = 200;
/** At most one progress line per this many milliseconds, apart from the first and the final one. */
export const PROGRESS_MIN_INTERVAL_MS = 250;

export interface ProgressReporterOptions {
  /** Where lines go; stderr by default. */
  write?: (line: string) => void;
  /** The clock, in milliseconds; injectable for tests. */
  now?: () => number;
  minIntervalMs?: number;
}

/**
 * Writes progress lines, at most one per `minIntervalMs`, so a loop that reports on every record
 * cannot flood the run's capped log. The first report and the first report of completion (1) always
 * go out; the others in between are dropped, not queued.
 */
export class ProgressReporter {
  private readonly write: (line: string) => void;
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private lastWrittenAt: number | undefined;
  private completed = false;

  constructor(options: ProgressReporterOptions = {}) {
    this.write = options.write ?? ((line) => process.stderr.write(line));
    this.now = options.now ?? Date.now;
    this.minIntervalMs = options.minIntervalMs ?? PROGRESS_MIN_INTERVAL_MS;
  }

  /**
   * Reports `fraction` (clamped to 0..1) with an optional message. The message is made one line of plain
   * text, as the platform shows it: ANSI escape sequences, control, bidi and invisible characters are
   * dropped, line breaks become spaces, and it is cut at MAX_PROGRESS_MESSAGE_CHARS. Returns whether a
   * line was written.
   */
  report(fraction: number, message?: string): boolean {
    if (typeof fraction !== 'number' || Number.isNaN(fraction)) return false;
    const progress = Math.min(1, Math.max(0, fraction));
    const now = this.now();
    const isCompletion = progress === 1 && !this.completed;
    const due = this.lastWrittenAt === undefined || now - this.lastWrittenAt >= this.minIntervalMs;
    if (!due && !isCompletion) return false;
    const line: ProgressLine = { progress };
    const text = message === undefined ? '' : toPlainLine(String(message), MAX_PROGRESS_MESSAGE_CHARS);
    if (text !== '') line.message = text;
    // One report is always exactly one line: the message has no line breaks left, and JSON.stringify escapes the rest.
    this.write(`${JSON.stringify(line)}\n`);
    this.lastWrittenAt = now;
    if (progress === 1) this.completed = true;
    return true;
  }
}

let defaultReporter: ProgressReporter | undefined;

/** Reports progress on stderr (0..1, rate-limited); see ProgressReporter. */
export function progress(fraction: number, message?: string): void {
  defaultReporter ??= new ProgressReporter();
  defaultReporter.report(fraction, message);
}
