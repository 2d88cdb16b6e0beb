import type { OutputArea, OutputAreaOptions } from './output-area';
import { OutputAreaStock } from './output-area-stock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The stock's bookkeeping with areas faked: which area a run gets, what is mounted ahead, what is
// unmounted and when. The real tmpfs areas run in the sandbox and e2e suites, through the worker.

const SMALL: OutputAreaOptions = { sizeBytes: 1024, uid: 10001, gid: 10001, maxFiles: 10 };
const LARGE: OutputAreaOptions = { ...SMALL, sizeBytes: 4096 };
const OTHER: OutputAreaOptions = { ...SMALL, maxFiles: 20 };

interface FakeArea extends OutputArea {
  options: OutputAreaOptions;
  disposed: boolean;
  /** Unmounted behind the stock's back. */
  broken: boolean;
}

function harness(depth = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'stock-spec-'));
  const made: FakeArea[] = [];
  const errors: unknown[] = [];
  let failNext = false;
  const create = jest.fn(async (parentDir: string, options: OutputAreaOptions): Promise<OutputArea> => {
    if (failNext) {
      failNext = false;
      throw new Error('mount: permission denied');
    }
    const area: FakeArea = {
      path: join(parentDir, `output-${made.length}`),
      kind: 'tmpfs',
      options,
      disposed: false,
      broken: false,
      fullness: async () => undefined,
      intact: async () => !area.disposed && !area.broken,
      dispose: async () => {
        area.disposed = true;
      },
    };
    made.push(area);
    return area;
  });
  const stock = new OutputAreaStock(dir, { depth, onError: (error) => errors.push(error), create });
  return {
    stock,
    made,
    errors,
    create,
    failNextMount: () => (failNext = true),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    /** Lets the background mounts and unmounts run. */
    settle: () => new Promise((resolve) => setImmediate(resolve)),
  };
}

describe('OutputAreaStock', () => {
  it('mounts the first area of a kind for its run, then keeps the next ones mounted ahead', async () => {
    const h = harness(2);
    const first = await h.stock.take('/run-1', SMALL);
    await h.settle();
    expect(h.made).toHaveLength(3); // the run's own, and two ahead
    const second = await h.stock.take('/run-2', SMALL);
    expect(second).toBe(h.made[1]);
    expect(second).not.toBe(first);
    await h.settle();
    expect(h.made).toHaveLength(4); // one more ahead for the one taken
    expect(h.made.every((area) => area.options === SMALL)).toBe(true);
    await h.stock.close();
    h.cleanup();
  });

  it('never gives one area to two runs, and unmounts each given back', async () => {
    const h = harness(1);
    const taken = await Promise.all([1, 2, 3, 4].map((n) => h.stock.take(`/run-${n}`, SMALL)));
    expect(new Set(taken).size).toBe(4);
    for (const area of taken) await h.stock.giveBack(area);
    await h.settle();
    expect(taken.every((area) => (area as FakeArea).disposed)).toBe(true);
    await h.stock.close();
    h.cleanup();
  });

  it('gives a run an area with its own caps, whatever is in stock', async () => {
    const h = harness(1);
    await h.stock.take('/run-1', SMALL);
    const large = (await h.stock.take('/run-2', LARGE)) as FakeArea;
    expect(large.options).toBe(LARGE);
    await h.stock.close();
    h.cleanup();
  });

  it('stocks the two kinds asked for last and unmounts the areas of an older one', async () => {
    const h = harness(1);
    await h.stock.take('/run-1', SMALL);
    await h.stock.take('/run-2', LARGE);
    await h.settle();
    const smallAhead = h.made.filter((area) => area.options === SMALL && !area.disposed);
    expect(smallAhead).toHaveLength(2);
    await h.stock.take('/run-3', OTHER);
    await h.settle();
    await h.settle();
    // The one SMALL area left in stock is gone; the one run-1 holds is its own.
    expect(h.made.filter((area) => area.options === SMALL && area.disposed)).toHaveLength(1);
    await h.stock.close();
    h.cleanup();
  });

  it('mounts on the spot when the area mounted ahead failed, and reports the failure', async () => {
    const h = harness(1);
    await h.stock.take('/run-1', SMALL);
    // The background refill of run-1 already ran; the next refill fails.
    await h.settle();
    h.failNextMount();
    const second = await h.stock.take('/run-2', SMALL); // takes the good one, the refill fails
    await h.settle();
    const third = (await h.stock.take('/run-3', SMALL)) as FakeArea;
    expect(third).not.toBe(second);
    expect(third.disposed).toBe(false);
    expect(h.errors).toEqual([expect.objectContaining({ message: 'mount: permission denied' })]);
    await h.stock.close();
    h.cleanup();
  });

  it('never hands out an area in stock that is no longer mounted, and mounts a fresh one instead', async () => {
    const h = harness(1);
    await h.stock.take('/run-1', SMALL);
    await h.settle();
    const ahead = h.made[1]!;
    ahead.broken = true;
    const taken = (await h.stock.take('/run-2', SMALL)) as FakeArea;
    expect(taken).not.toBe(ahead);
    expect(taken.broken).toBe(false);
    await h.settle();
    expect(ahead.disposed).toBe(true);
    await h.stock.close();
    h.cleanup();
  });

  it('unmounts everything in stock on close, waits for what was given back, and works without a stock after', async () => {
    const h = harness(2);
    const run = await h.stock.take('/run-1', SMALL);
    await h.settle();
    await h.stock.giveBack(run);
    await h.stock.close();
    expect(h.made.every((area) => area.disposed)).toBe(true);
    const late = (await h.stock.take('/run-2', SMALL)) as FakeArea;
    await h.settle();
    expect(h.made.filter((area) => !area.disposed)).toEqual([late]);
    await h.stock.giveBack(late);
    expect(late.disposed).toBe(true);
    h.cleanup();
  });
});
