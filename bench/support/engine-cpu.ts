// The container engine's own CPU, from /proc: user + system ticks of dockerd, containerd, the
// containerd shims and the runc processes they start, over a batch of runs.
//
// What is counted, and why this way:
// - dockerd and containerd live through the batch: the difference of their readings, their reaped
//   children included (containerd reaps the short `containerd-shim-runc-v2 start` that forks each shim).
//   A child of either is therefore never counted on its own, which would count it twice.
// - a shim lives from its container's create to its remove, and is reaped by init, so it is gone before
//   the batch ends: a sampler polls /proc while the batch runs and keeps each one's last reading. Only its
//   own ticks count: its reaped children are the runc invocations *and the analysis's own processes*.
// - runc processes (`runc`, `runc:[0:PARENT]`, …) are counted as the sampler sees them. One that lives
//   less than a polling interval can be missed, and what one does after its last reading is: the runc
//   figure is a lower bound.
import { readdir, readFile } from 'node:fs/promises';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Clock ticks (USER_HZ, 100 per second on Linux). */
  utime: number;
  stime: number;
  /** Ticks of the children this process has waited for. */
  cutime: number;
  cstime: number;
  /** Ticks since boot at which the process started: with the pid, it names one process even if the pid is reused. */
  starttime: number;
}

/** Parses `/proc/<pid>/stat`. The command name may hold spaces and parentheses: it ends at the last `)`. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields from the third (state) on; utime is the 14th field of the file, so index 11 here.
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const number = (index: number) => Number(fields[index]);
  const stat = {
    pid,
    comm: text.slice(open + 1, close),
    state: fields[0] ?? '',
    ppid: number(1),
    utime: number(11),
    stime: number(12),
    cutime: number(13),
    cstime: number(14),
    starttime: number(19),
  };
  const numbers = [stat.pid, stat.ppid, stat.utime, stat.stime, stat.cutime, stat.cstime, stat.starttime];
  return numbers.every((value) => Number.isSafeInteger(value) && value >= 0) ? stat : undefined;
}

export const ENGINE_PROCESSES = ['dockerd', 'containerd', 'shim', 'runc'] as const;
export type EngineProcess = (typeof ENGINE_PROCESSES)[number];

/** Which part of the engine a process is, by its command name (at most 15 characters: `containerd-shim`). */
export function engineProcessOf(comm: string): EngineProcess | undefined {
  if (comm === 'dockerd') return 'dockerd';
  if (comm === 'containerd') return 'containerd';
  if (comm.startsWith('containerd-shim')) return 'shim';
  if (comm === 'runc' || comm.startsWith('runc:[')) return 'runc';
  return undefined;
}

/** The ticks that count for a process (see the file's header). */
function countedTicks(kind: EngineProcess, stat: ProcStat): number {
  const own = stat.utime + stat.stime;
  return kind === 'dockerd' || kind === 'containerd' ? own + stat.cutime + stat.cstime : own;
}

interface Tracked {
  kind: EngineProcess;
  /** Counted ticks when first seen, or 0 for a process born during the batch. */
  baseline: number;
  last: number;
}

/**
 * The engine's ticks between a first reading (`begin`) and the last `observe` of each process: for a
 * process already running at `begin`, what it used since; for one started later, all it used.
 */
export class EngineTickLedger {
  private readonly processes = new Map<string, Tracked>();
  private readonly daemons = new Set<number>();
  private begun = false;

  /** The readings before the batch: what each process had already used does not count. */
  begin(stats: Iterable<ProcStat>): void {
    const all = [...stats];
    for (const stat of all) {
      const kind = engineProcessOf(stat.comm);
      if (kind === 'dockerd' || kind === 'containerd') this.daemons.add(stat.pid);
    }
    for (const stat of all) this.track(stat, true);
    this.begun = true;
  }

  observe(stat: ProcStat): void {
    this.track(stat, !this.begun);
  }

  /** Ticks per part of the engine, and in all. */
  totals(): Record<EngineProcess | 'total', number> {
    const totals = { dockerd: 0, containerd: 0, shim: 0, runc: 0, total: 0 };
    for (const process of this.processes.values()) {
      const used = Math.max(0, process.last - process.baseline);
      totals[process.kind] += used;
      totals.total += used;
    }
    return totals;
  }

  private track(stat: ProcStat, atBegin: boolean): void {
    const key = `${stat.pid}:${stat.starttime}`;
    const kind = engineProcessOf(stat.comm);
    const known = this.processes.get(key);
    // A runc child that has exec'd into the analysis is no longer the engine: its last reading as runc stands.
    if (!kind) return;
    // Reaped by its daemon, so already in the daemon's children's ticks.
    if (this.daemons.has(stat.ppid) && !this.daemons.has(stat.pid)) return;
    const ticks = countedTicks(kind, stat);
    if (known) {
      // A forked shim that became runc (or the reverse) keeps its baseline; it is counted under its latest name.
      known.kind = kind;
      known.last = Math.max(known.last, ticks);
    } else {
      this.processes.set(key, { kind, baseline: atBegin ? ticks : 0, last: ticks });
    }
  }
}

/** Every engine process now; `skip` holds pids known not to be the engine, and gets the new ones. */
export async function readEngineStats(skip = new Set<number>(), procRoot = '/proc'): Promise<ProcStat[]> {
  const stats: ProcStat[] = [];
  for (const name of await readdir(procRoot)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || skip.has(pid)) continue;
    const text = await readFile(`${procRoot}/${name}/stat`, 'utf8').catch(() => undefined); // it exited meanwhile
    const stat = text === undefined ? undefined : parseProcStat(text);
    if (!stat) continue;
    if (engineProcessOf(stat.comm)) stats.push(stat);
    // A process is only skipped once it is neither the engine nor one of its fresh forks (named after it until it execs).
    else skip.add(pid);
  }
  return stats;
}

/** USER_HZ: what /proc's ticks are counted in on Linux. */
export const TICKS_PER_SECOND = 100;

export interface EngineCpu {
  runs: number;
  /** Milliseconds of CPU per run, per part of the engine and in all. */
  msPerRun: Record<EngineProcess | 'total', number>;
}

/**
 * Samples the engine's processes every `intervalMs` while `work` runs, and returns the engine's CPU per
 * run over it. The sampler costs the machine well under 1 % of a core at 20 ms.
 */
export async function measureEngineCpu<T>(runs: number, work: () => Promise<T>, intervalMs = 20): Promise<{ result: T; cpu: EngineCpu }> {
  const skip = new Set<number>([process.pid]);
  const ledger = new EngineTickLedger();
  ledger.begin(await readEngineStats(skip));
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const stat of await readEngineStats(skip)) ledger.observe(stat);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  let result: T;
  try {
    result = await work();
  } finally {
    sampling = false;
    await sampler;
  }
  for (const stat of await readEngineStats(skip)) ledger.observe(stat);
  return { result, cpu: engineCpuPerRun(ledger.totals(), runs) };
}

export function engineCpuPerRun(ticks: Record<EngineProcess | 'total', number>, runs: number): EngineCpu {
  const perRun = (value: number) => Math.round(((value * 1000) / TICKS_PER_SECOND / Math.max(1, runs)) * 10) / 10;
  return {
    runs,
    msPerRun: {
      dockerd: perRun(ticks.dockerd),
      containerd: perRun(ticks.containerd),
      shim: perRun(ticks.shim),
      runc: perRun(ticks.runc),
      total: perRun(ticks.total),
    },
  };
}

/** dockerd's and containerd's ticks now (self and reaped children): cheap enough to read between two steps of a run. */
export async function readDaemonTicks(pids: { dockerd: number; containerd: number }, procRoot = '/proc'): Promise<number> {
  let ticks = 0;
  for (const pid of [pids.dockerd, pids.containerd]) {
    const stat = parseProcStat(await readFile(`${procRoot}/${pid}/stat`, 'utf8'));
    if (!stat) throw new Error(`cannot read /proc/${pid}/stat`);
    ticks += stat.utime + stat.stime + stat.cutime + stat.cstime;
  }
  return ticks;
}

/** The pids of dockerd and containerd, or undefined if either is not running on this host (a remote engine). */
export async function findDaemons(procRoot = '/proc'): Promise<{ dockerd: number; containerd: number } | undefined> {
  const stats = await readEngineStats(new Set(), procRoot);
  const dockerd = stats.find((stat) => stat.comm === 'dockerd')?.pid;
  const containerd = stats.find((stat) => stat.comm === 'containerd')?.pid;
  return dockerd !== undefined && containerd !== undefined ? { dockerd, containerd } : undefined;
}
