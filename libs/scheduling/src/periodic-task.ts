/** Where a pass's failure is told: a Nest Logger fits. */
export interface PassLogger {
  warn(message: string): void;
}

export interface PeriodicTaskOptions {
  /** Names the task in the log line of a failed pass, e.g. `renewing leases` → "renewing leases failed: …". */
  name: string;
  /** The wait between the end of one pass and the start of the next. */
  intervalMs: number;
  logger: PassLogger;
  /** The wait between passes does not keep the process alive (a task that only matters while other work does). */
  unref?: boolean;
}

/**
 * Runs `pass` again and again, waiting `intervalMs` after each pass has finished, so two passes never
 * overlap however long one takes (a `setInterval` would start the next on time and pile them up behind a
 * slow database). A pass that throws is logged and the next one comes as usual. `stop` ends it, waiting
 * for a pass under way, so a process shutting down never closes what a pass still uses.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly options: PeriodicTaskOptions,
    private readonly pass: () => Promise<void>,
  ) {}

  /** The first pass starts now when `runNow`, otherwise after one interval. Starting twice, or after stop, does nothing. */
  start({ runNow = false }: { runNow?: boolean } = {}): void {
    if (this.stopped || this.timer !== undefined || this.inFlight !== undefined) return;
    if (runNow) this.runPass();
    else this.schedule();
  }

  /** No pass starts after this; resolves once the pass under way, if any, has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runPass();
    }, this.options.intervalMs);
    if (this.options.unref) this.timer.unref();
  }

  private runPass(): void {
    this.inFlight = this.passLogged().finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
  }

  private async passLogged(): Promise<void> {
    try {
      await this.pass();
    } catch (error) {
      this.options.logger.warn(`${this.options.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
