// Where a run's output area comes from, and where it goes after the run (docs/performance.md).
//
// Mounting a tmpfs and unmounting it again cost a sequential run about a tenth of its sandbox phase, and
// much more when runs overlap, since every mount goes through the one mount helper and the kernel's
// mount lock that runc's own mounts also take. A worker therefore keeps a stock: areas mounted ahead
// of the runs that will take them, and areas given back unmounted behind them, off the run's path.
// An area is still never used twice: each run takes a fresh, empty tmpfs mounted for it with its own
// caps, and the one it gives back is unmounted and removed, never wiped and handed out again (a wipe
// would have to prove that nothing of one person's run, not even an xattr or a timestamp, reaches the next).
import { mkdir } from 'node:fs/promises';
import { createOutputArea, type OutputArea, type OutputAreaOptions } from './output-area';

/** Where the runner gets a run's output area and gives it back. */
export interface OutputAreaSource {
  /** A fresh, empty area with exactly these caps, for one run. `workDir` is the run's own directory. */
  take(workDir: string, options: OutputAreaOptions): Promise<OutputArea>;
  /** The run is over and its container gone: the area is unmounted and removed, now or in the background. */
  giveBack(area: OutputArea): Promise<void>;
}

/** One area per run, mounted in the run's directory when it starts and unmounted when it ends (`lockbox run`). */
export const AREA_PER_RUN: OutputAreaSource = {
  take: (workDir, options) => createOutputArea(workDir, options),
  giveBack: (area) => area.dispose(),
};

export interface OutputAreaStockOptions {
  /** How many areas of each kind to keep mounted ahead: the worker's run concurrency. */
  depth: number;
  /** A background mount or unmount failed (a taken area is then mounted on the spot; the reaper removes what is left). */
  onError(error: unknown): void;
  /** How an area is made; a test passes its own. */
  create?: (parentDir: string, options: OutputAreaOptions) => Promise<OutputArea>;
}

/** The kinds of area stocked at once: the caps of the analyses that ran last. Older kinds are unmounted. */
const STOCKED_KINDS = 4;
/** Kinds remembered as asked for once: a kind is stocked from its second run on, so one-off caps mount no stock. */
const KINDS_REMEMBERED = 16;

function kindOf(options: OutputAreaOptions): string {
  return `${options.sizeBytes}:${options.maxFiles}:${options.uid}:${options.gid}`;
}

/**
 * Output areas mounted ahead, in a directory of the worker's own (so a run's directory, removed when the
 * run ends, never holds a mount). The stock fills on demand: the first run of a kind of area mounts its
 * own, and from the second on `depth` areas of that kind wait mounted for the next runs. Idle tmpfs mounts
 * hold no memory. After `close()` every area is mounted and unmounted on the run's path, as without a stock.
 */
export class OutputAreaStock implements OutputAreaSource {
  /** Areas being mounted or mounted, by kind; the kinds in the order they were last asked for. */
  private readonly ready = new Map<string, Array<Promise<OutputArea | undefined>>>();
  /** Kinds asked for, most recent last, whether stocked or not. */
  private readonly seen: string[] = [];
  /** Areas being unmounted (given back, or leaving the stock), which close() waits for. */
  private readonly disposals = new Set<Promise<void>>();
  private readonly makeArea: (parentDir: string, options: OutputAreaOptions) => Promise<OutputArea>;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly options: OutputAreaStockOptions,
  ) {
    this.makeArea = options.create ?? createOutputArea;
  }

  async take(_workDir: string, options: OutputAreaOptions): Promise<OutputArea> {
    if (this.closed) return this.create(options);
    const kind = kindOf(options);
    const stocked = this.ready.get(kind)?.shift();
    // None in stock: the run's own mount goes first, the stock's after it.
    const own = stocked ? undefined : this.create(options);
    if (this.askedBefore(kind)) this.refill(kind, options);
    if (own) return own;
    // Mounted ahead, or still being mounted (waiting for it is still sooner than mounting another). One no
    // longer mounted (a reaper that took this worker for dead) is never handed out: it would not cap the output.
    const area = await stocked;
    if (area && (await area.intact())) return area;
    if (area) this.disposeLater(Promise.resolve(area));
    return this.create(options);
  }

  async giveBack(area: OutputArea): Promise<void> {
    if (this.closed) return area.dispose();
    this.disposeLater(Promise.resolve(area));
  }

  /** Unmounts every area in stock, and waits for those being unmounted. Taking still works afterwards, without a stock. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of [...this.ready.values()].flat()) this.disposeLater(pending);
    this.ready.clear();
    while (this.disposals.size > 0) await Promise.all(this.disposals);
  }

  /** An area made in the stock's directory, made again if it went (a reaper removes a worker's it took for dead). */
  private async create(options: OutputAreaOptions): Promise<OutputArea> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return this.makeArea(this.dir, options);
  }

  /** Records that `kind` was asked for; true when it had been before. */
  private askedBefore(kind: string): boolean {
    const index = this.seen.indexOf(kind);
    if (index !== -1) this.seen.splice(index, 1);
    this.seen.push(kind);
    if (this.seen.length > KINDS_REMEMBERED) this.seen.shift();
    return index !== -1;
  }

  private refill(kind: string, options: OutputAreaOptions): void {
    const areas = this.ready.get(kind) ?? [];
    // The kind asked for last goes to the end; the oldest kinds beyond STOCKED_KINDS leave the stock.
    this.ready.delete(kind);
    this.ready.set(kind, areas);
    for (const [oldKind, oldAreas] of [...this.ready].slice(0, Math.max(0, this.ready.size - STOCKED_KINDS))) {
      this.ready.delete(oldKind);
      for (const pending of oldAreas) this.disposeLater(pending);
    }
    while (areas.length < this.options.depth) {
      areas.push(
        this.create(options).catch((error: unknown) => {
          this.options.onError(error);
          return undefined;
        }),
      );
    }
  }

  /** Unmounts the area once it is mounted (at once if it is), tracked until done. */
  private disposeLater(pending: Promise<OutputArea | undefined>): void {
    const disposal: Promise<void> = pending
      .then((area) => area?.dispose())
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => this.disposals.delete(disposal));
    this.disposals.add(disposal);
  }
}
