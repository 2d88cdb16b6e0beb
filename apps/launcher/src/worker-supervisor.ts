import { join } from 'node:path';
import { PlatformProcess } from './child-process';
import type { EchoStyle } from './terminal-echo';

/** A worker that dies is started again after this pause. */
const RESTART_DELAY_MS = 1_000;
/** A worker that exits by itself sooner than this after its start counts as failing to start... */
const MIN_UPTIME_MS = 10_000;
/**
 * ...and after this many such starts in a row the launcher gives up: a worker that refuses to start (no
 * Docker Engine, a runtime it must have is missing) says why in its log and would only refuse again. A
 * worker killed by a signal (an OOM kill, `kill -9`) is always restarted.
 */
const MAX_FAILED_STARTS = 3;

interface WorkerSlot {
  process: PlatformProcess;
  startedAt: number;
  failedStarts: number;
  restart?: NodeJS.Timeout;
}

/**
 * The launcher's workers: `count` processes, each restarted when it dies (a crash, an OOM kill, a
 * `kill -9`). Whatever a dead worker held is recovered by the platform itself — its lease expires and
 * the job is sent again — so a restart only brings the capacity back.
 */
export class WorkerSupervisor {
  private readonly slots: WorkerSlot[];
  private stopping = false;

  constructor(
    count: number,
    script: string,
    env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    echo: EchoStyle,
    private readonly log: (message: string) => void,
  ) {
    // One worker logs to logs/worker.log, as it always has; more are worker-2, worker-3, …
    this.slots = Array.from({ length: count }, (_, index) => ({
      process: new PlatformProcess(index === 0 ? 'worker' : `worker-${index + 1}`, script, env, logDir, echo),
      startedAt: 0,
      failedStarts: 0,
    }));
  }

  /** Starts every worker; `onGiveUp` is called when one keeps dying right after its start. */
  start(onGiveUp: (reason: string) => void): void {
    for (const slot of this.slots) this.startSlot(slot, onGiveUp);
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots) clearTimeout(slot.restart);
    await Promise.all(this.slots.map((slot) => slot.process.stop(graceMs)));
  }

  private startSlot(slot: WorkerSlot, onGiveUp: (reason: string) => void): void {
    slot.startedAt = Date.now();
    slot.process.start((how) => {
      if (this.stopping) return;
      const logPath = join(this.logDir, `${slot.process.name}.log`);
      const refusedToStart = how.startsWith('code') && Date.now() - slot.startedAt < MIN_UPTIME_MS;
      slot.failedStarts = refusedToStart ? slot.failedStarts + 1 : 0;
      if (slot.failedStarts >= MAX_FAILED_STARTS) {
        onGiveUp(`${slot.process.name} exited ${MAX_FAILED_STARTS} times right after starting (last: ${how}); see ${logPath}`);
        return;
      }
      this.log(`${slot.process.name} exited unexpectedly (${how}); restarting it (see ${logPath})`);
      slot.restart = setTimeout(() => this.startSlot(slot, onGiveUp), RESTART_DELAY_MS);
    });
  }
}
