import type { OutputArea, OutputAreaOptions } from './output-area';
import { OutputAreaStock } from './output-area-stock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The stock's bookkeeping with areas faked: which area a run gets, what is mounted ahead, what is
// unmounted and when. The real tmpfs areas run in the sandbox and e2e suites, through the worker.

const SMALL: OutputAreaOptions = { sizeBytes: 1024, uid: 10001, gid: 10001, maxFiles: 10 };
const LARGE: OutputAreaOptions = { ...SMALL, sizeBytes: 4096 };

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
    settle: () => new Promise((resolve) => setTimeout(resolve, 20)),
  };
}

describe('OutputAreaStock', () => {
  it('mounts a kind’s first area for its run only, then from its second run keeps the next ones mounted ahead', async () => {
    const h = harness(2);
    const first = await h.stock.take('/run-1', SMALL);
    await h.settle();
    expect(h.made).toHaveLength(1); // a one-off kind mounts no stock
    const second = await h.stock.take('/run-2', SMALL);
    await h.settle();
    expect(h.made).toHaveLength(4); // the run's own, and two ahead
    const third = await h.stock.take('/run-3', SMALL);
    // One of the two mounted ahead (the three mounts of the second run finish in any order).
    const ahead = h.made.slice(1, 4).filter((area) => area !== second);
    expect(ahead).toHaveLength(2);
    expect(ahead).toContain(third);
    expect(new Set([first, second, third]).size).toBe(3);
    await h.settle();
    expect(h.made).toHaveLength(5); // one more ahead for the one taken
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

  it('stocks the four kinds asked for last and unmounts the areas of an older one, also those still being mounted', async () => {
    const h = harness(1);
    const kinds = [1, 2, 3, 4, 5].map((n) => ({ ...SMALL, sizeBytes: n * 1024 }));
    for (const kind of kinds.slice(0, 4)) {
      await h.stock.take('/run', kind);
      await h.stock.take('/run', kind);
    }
    await h.settle();
    const firstKindAhead = h.made.filter((area) => area.options === kinds[0] && !area.disposed);
    expect(firstKindAhead).toHaveLength(3); // two runs' own, one ahead
    await h.stock.take('/run', kinds[4]!);
    await h.stock.take('/run', kinds[4]!);
    await h.stock.close();
    // The first kind's area in stock left when the fifth kind came in; close() waited for every unmount.
    expect(h.made.filter((area) => area.options === kinds[0] && area.disposed)).toHaveLength(1);
    expect(h.made.filter((area) => !area.disposed)).toHaveLength(10); // the ten runs' own areas, still theirs
    h.cleanup();
  });

  it('makes its directory again when it was removed (a reaper that took the worker for dead)', async () => {
    const h = harness(1);
    await h.stock.take('/run-1', SMALL);
    h.cleanup();
    const area = await h.stock.take('/run-2', SMALL);
    expect(area).toBeDefined();
    expect(h.errors).toEqual([]);
    await h.stock.close();
    h.cleanup();
  });

  it('mounts on the spot when the area mounted ahead failed, and reports the failure', async () => {
    const h = harness(1);
    await h.stock.take('/run-1', SMALL);
    await h.stock.take('/run-2', SMALL); // from now on one SMALL area waits mounted ahead
    await h.settle();
    h.failNextMount();
    const third = await h.stock.take('/run-3', SMALL); // takes the one ahead; its refill fails
    await h.settle();
    const fourth = (await h.stock.take('/run-4', SMALL)) as FakeArea;
    expect(fourth).not.toBe(third);
    expect(fourth.disposed).toBe(false);
    expect(h.errors).toEqual([expect.objectContaining({ message: 'mount: permission denied' })]);
    await h.stock.close();
    h.cleanup();
  });

  it('never hands out an area in stock that is no longer mounted, and mounts a fresh one instead', async () => {
    const h = harness(1);
    const first = await h.stock.take('/run-1', SMALL);
    const second = await h.stock.take('/run-2', SMALL);
    await h.settle();
    // The one mounted ahead: neither run's own (the second run's two mounts finish in any order).
    const ahead = h.made.find((area) => area !== first && area !== second)!;
    expect(h.made).toHaveLength(3);
    ahead.broken = true;
    const taken = (await h.stock.take('/run-3', SMALL)) as FakeArea;
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
