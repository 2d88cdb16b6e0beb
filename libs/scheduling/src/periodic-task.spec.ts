import { PeriodicTask } from './periodic-task';

// Fake timers: what is asserted is how many passes ran and when each could start, never how long anything took.

/** A pass that stays under way until the test ends it. */
function heldPasses() {
  const ends: Array<() => void> = [];
  const pass = jest.fn(() => new Promise<void>((resolve) => ends.push(resolve)));
  return { pass, endLatest: () => ends.at(-1)!() };
}

function taskOf(pass: () => Promise<void>, intervalMs = 1_000) {
  const warnings: string[] = [];
  const task = new PeriodicTask({ name: 'sweeping', intervalMs, logger: { warn: (message) => warnings.push(message) } }, pass);
  return { task, warnings };
}

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('never starts a pass while one is under way, and waits the whole interval after a pass ends', async () => {
    const { pass, endLatest } = heldPasses();
    const { task } = taskOf(pass);
    task.start();
    await jest.advanceTimersByTimeAsync(999);
    expect(pass).toHaveBeenCalledTimes(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(pass).toHaveBeenCalledTimes(1);

    // A pass ten intervals long: no second pass piles up behind it.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(pass).toHaveBeenCalledTimes(1);
    endLatest();
    await jest.advanceTimersByTimeAsync(999);
    expect(pass).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(pass).toHaveBeenCalledTimes(2);
    endLatest();
    await task.stop();
  });

  it('runs the first pass at once when asked to', async () => {
    const pass = jest.fn(async () => undefined);
    const { task } = taskOf(pass);
    task.start({ runNow: true });
    await jest.advanceTimersByTimeAsync(0);
    expect(pass).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(pass).toHaveBeenCalledTimes(2);
    await task.stop();
  });

  it('logs a failed pass and goes on with the next', async () => {
    const pass = jest.fn().mockRejectedValueOnce(new Error('database down')).mockResolvedValue(undefined);
    const { task, warnings } = taskOf(pass);
    task.start({ runNow: true });
    await jest.advanceTimersByTimeAsync(0);
    expect(warnings).toEqual(['sweeping failed: database down']);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(pass).toHaveBeenCalledTimes(2);
    expect(warnings).toHaveLength(1);
    await task.stop();
  });

  it('stops: waits for the pass under way, and starts no other', async () => {
    const { pass, endLatest } = heldPasses();
    const { task } = taskOf(pass);
    task.start({ runNow: true });
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(5_000);
    expect(stopped).toBe(false);
    endLatest();
    await stopping;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(pass).toHaveBeenCalledTimes(1);
    // Stopped for good: starting again does nothing.
    task.start({ runNow: true });
    expect(pass).toHaveBeenCalledTimes(1);
  });

  it('stops between passes without waiting an interval, and a second start does not double the passes', async () => {
    const pass = jest.fn(async () => undefined);
    const { task } = taskOf(pass);
    task.start();
    task.start();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(pass).toHaveBeenCalledTimes(1);
    await task.stop();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(pass).toHaveBeenCalledTimes(1);
  });
});
