/**
 * How many jobs of one queue a worker takes on at once. A job holds its share from the moment its message
 * is received until it ends, or until it says it no longer needs it: a run gives its share back as soon as
 * its container has exited, so the next run is received, claimed and staged while this one stores its
 * result and commits. Never more than `size` containers, and no job is taken before there is room for it.
 */
export class QueueCapacity {
  private taken = 0;
  private wake?: () => void;

  constructor(readonly size: number) {}

  get free(): number {
    return this.size - this.taken;
  }

  /** Takes one share; the returned function gives it back (calling it again does nothing). */
  take(): () => void {
    this.taken += 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.taken -= 1;
      this.wake?.();
    };
  }

  /** Resolves once a share is given back. */
  freed(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.wake;
      this.wake = () => {
        this.wake = undefined;
        previous?.();
        resolve();
      };
    });
  }
}
