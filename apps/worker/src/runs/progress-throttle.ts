import type { RunProgress } from '@lockbox/analysis-sdk/sandbox';

/**
 * Passes on an analysis' progress reports at most once per interval, always ending with the latest:
 * an analysis may report thousands of times a second, and each report costs a database write and a
 * Redis publish. Reports never overlap; a failing flush is the caller's to log, not to stop the run.
 */
export class ProgressThrottle {
  private latest?: RunProgress;
  private lastFlushAt = -Infinity;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly flush: (progress: RunProgress) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  report(progress: RunProgress): void {
    if (this.closed) return;
    this.latest = progress;
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlushAt + this.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushLatest();
    }, wait);
  }

  /** Drops anything not yet passed on (the final write supersedes it) and waits for a flush in flight. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
  }

  private flushLatest(): void {
    const progress = this.latest;
    if (!progress || this.closed) return;
    this.latest = undefined;
    this.lastFlushAt = this.now();
    this.flushing = this.flushing.then(() => this.flush(progress)).catch(() => undefined);
  }
}
