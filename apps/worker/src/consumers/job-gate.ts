/** Leaves the gate; calling it again does nothing. */
export type LeaveGate = () => void;

/**
 * Which jobs may share the worker. Jobs normally share it (each queue's capacity says how many); a job
 * may ask to run alone, and then it waits until every job inside has left, and no job enters until it has
 * left in turn. A worker that dies takes every job it holds with it, so this is how a crash is pinned on
 * the job that caused it (JobContext.runAlone). Waiting to run alone goes before any job waiting to enter.
 */
export class JobGate {
  private sharing = 0;
  private aloneInside = false;
  private readonly waitingAlone: Array<() => void> = [];
  private readonly waitingToEnter: Array<() => void> = [];

  /** How many jobs are inside, sharing the worker or running alone. */
  get inside(): number {
    return this.sharing + (this.aloneInside ? 1 : 0);
  }

  /** Enters to share the worker, once no job runs alone or waits to. */
  enter(): Promise<LeaveGate> {
    return new Promise((resolve) => {
      this.waitingToEnter.push(() => {
        this.sharing += 1;
        resolve(
          once(() => {
            this.sharing -= 1;
            this.admit();
          }),
        );
      });
      this.admit();
    });
  }

  /** Enters alone once every other job has left; undefined, having entered nothing, if `stop` aborts first. */
  enterAlone(stop: AbortSignal): Promise<LeaveGate | undefined> {
    if (stop.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onStop = () => {
        this.waitingAlone.splice(this.waitingAlone.indexOf(admitted), 1);
        resolve(undefined);
        // Jobs held back for this one may enter now.
        this.admit();
      };
      const admitted = () => {
        stop.removeEventListener('abort', onStop);
        this.aloneInside = true;
        resolve(
          once(() => {
            this.aloneInside = false;
            this.admit();
          }),
        );
      };
      stop.addEventListener('abort', onStop, { once: true });
      this.waitingAlone.push(admitted);
      this.admit();
    });
  }

  private admit(): void {
    if (this.aloneInside) return;
    if (this.waitingAlone.length > 0) {
      if (this.sharing === 0) this.waitingAlone.shift()!();
      return;
    }
    for (const enter of this.waitingToEnter.splice(0)) enter();
  }
}

function once(leave: () => void): LeaveGate {
  let left = false;
  return () => {
    if (left) return;
    left = true;
    leave();
  };
}
