import { JobGate } from './job-gate';

/** Lets every promise callback that is ready run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('JobGate', () => {
  it('lets jobs share the worker', async () => {
    const gate = new JobGate();
    await gate.enter();
    await gate.enter();
    expect(gate.inside).toBe(2);
  });

  it('lets a job in alone only once the others have left, and holds new ones back until it leaves', async () => {
    const gate = new JobGate();
    const leaveFirst = await gate.enter();
    const leaveSecond = await gate.enter();
    let alone: (() => void) | undefined;
    void gate.enterAlone(new AbortController().signal).then((leave) => (alone = leave));
    let late: (() => void) | undefined;
    void gate.enter().then((leave) => (late = leave));
    await settle();
    expect(alone).toBeUndefined();

    leaveFirst();
    leaveFirst();
    await settle();
    // One job still inside: leaving twice counts once.
    expect(alone).toBeUndefined();
    leaveSecond();
    await settle();
    expect(alone).toBeInstanceOf(Function);
    expect(gate.inside).toBe(1);
    expect(late).toBeUndefined();

    alone!();
    await settle();
    expect(late).toBeInstanceOf(Function);
    expect(gate.inside).toBe(1);
  });

  it('lets jobs waiting to run alone in one at a time', async () => {
    const gate = new JobGate();
    const first = await gate.enterAlone(new AbortController().signal);
    let second: (() => void) | undefined;
    void gate.enterAlone(new AbortController().signal).then((leave) => (second = leave));
    await settle();
    expect(second).toBeUndefined();
    first!();
    await settle();
    expect(second).toBeInstanceOf(Function);
    expect(gate.inside).toBe(1);
  });

  it('gives up waiting to run alone when told to stop, and lets the jobs it held back in', async () => {
    const gate = new JobGate();
    const leave = await gate.enter();
    const stop = new AbortController();
    const waiting = gate.enterAlone(stop.signal);
    let late: (() => void) | undefined;
    void gate.enter().then((entered) => (late = entered));
    await settle();
    expect(late).toBeUndefined();

    stop.abort();
    await expect(waiting).resolves.toBeUndefined();
    await settle();
    expect(late).toBeInstanceOf(Function);
    expect(gate.inside).toBe(2);
    leave();
    expect(gate.inside).toBe(1);
    await expect(gate.enterAlone(stop.signal)).resolves.toBeUndefined();
  });
});
