import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineTickLedger, engineCpuPerRun, engineProcessOf, findDaemons, parseProcStat, readDaemonTicks, readEngineStats } from './engine-cpu';

// `/proc/<pid>/stat` lines as Linux 6.18 writes them (dockerd's taken from this machine); only the
// fields the ledger reads differ between them: pid, comm, ppid, utime, stime, cutime, cstime, starttime.
function statLine(pid: number, comm: string, ticks: { utime: number; stime: number; cutime?: number; cstime?: number }, starttime = 1000, ppid = 1): string {
  const { utime, stime, cutime = 0, cstime = 0 } = ticks;
  return `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194304 27584 1775217 19 188 ${utime} ${stime} ${cutime} ${cstime} 20 0 28 0 ${starttime} 2048626688 22102 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`;
}

const DOCKERD =
  '29535 (dockerd) S 1 29535 29535 0 -1 4194304 27584 1775217 19 188 1668 1864 3774 3661 20 0 28 0 1351896 2048626688 22102 18446744073709551615 94434828423168 94434855670229 140737356143696 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0 94434861324560 94434885870200 94435225006080 140737356144519 140737356144537 140737356144537 140737356144614 0\n';

describe('parseProcStat', () => {
  it('reads the ticks, the parent and the start time of a real line', () => {
    expect(parseProcStat(DOCKERD)).toEqual({
      pid: 29535,
      comm: 'dockerd',
      state: 'S',
      ppid: 1,
      utime: 1668,
      stime: 1864,
      cutime: 3774,
      cstime: 3661,
      starttime: 1351896,
    });
  });

  it('takes the command name up to the last parenthesis, spaces and brackets included', () => {
    const stat = parseProcStat(statLine(812, 'runc:[2:INIT]) (x', { utime: 3, stime: 4 }));
    expect(stat).toMatchObject({ pid: 812, comm: 'runc:[2:INIT]) (x', utime: 3, stime: 4 });
  });

  it('refuses a truncated or garbled line rather than reading zeros', () => {
    expect(parseProcStat('29535 (dockerd) S 1 29535')).toBeUndefined();
    expect(parseProcStat('29535 dockerd S 1')).toBeUndefined();
    expect(parseProcStat('')).toBeUndefined();
  });
});

describe('engineProcessOf', () => {
  it('names the engine processes by their 15-character command names, and nothing else', () => {
    expect(['dockerd', 'containerd', 'containerd-shim', 'runc', 'runc:[0:PARENT]', 'runc:[2:INIT]'].map(engineProcessOf)).toEqual([
      'dockerd',
      'containerd',
      'shim',
      'runc',
      'runc',
      'runc',
    ]);
    expect(['docker-init', 'node', 'sh', 'containerd-foo', 'dockerd2', 'xrunc'].map(engineProcessOf)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('EngineTickLedger', () => {
  it('counts what a running daemon used since the beginning, with its reaped children', () => {
    const ledger = new EngineTickLedger();
    ledger.begin([parseProcStat(statLine(10, 'dockerd', { utime: 100, stime: 50, cutime: 5, cstime: 5 }))!]);
    ledger.observe(parseProcStat(statLine(10, 'dockerd', { utime: 130, stime: 60, cutime: 7, cstime: 8 }))!);
    expect(ledger.totals()).toEqual({ dockerd: 45, containerd: 0, shim: 0, runc: 0, total: 45 });
  });

  it('counts all of a shim born during the batch, its own ticks only (its children include the analysis)', () => {
    const ledger = new EngineTickLedger();
    ledger.begin([]);
    ledger.observe(parseProcStat(statLine(20, 'containerd-shim', { utime: 1, stime: 1, cutime: 40, cstime: 30 }, 5000))!);
    ledger.observe(parseProcStat(statLine(20, 'containerd-shim', { utime: 3, stime: 4, cutime: 90, cstime: 60 }, 5000))!);
    expect(ledger.totals()).toMatchObject({ shim: 7, total: 7 });
  });

  it('keeps the last reading of a process that exits, and of a runc child once it has exec’d into the analysis', () => {
    const ledger = new EngineTickLedger();
    ledger.begin([]);
    ledger.observe(parseProcStat(statLine(30, 'runc:[2:INIT]', { utime: 2, stime: 3 }, 6000))!);
    ledger.observe(parseProcStat(statLine(30, 'node', { utime: 80, stime: 20 }, 6000))!);
    ledger.observe(parseProcStat(statLine(31, 'runc', { utime: 4, stime: 2 }, 6001))!);
    expect(ledger.totals()).toMatchObject({ runc: 11, total: 11 });
  });

  it('tells a reused pid from the process it replaced by the start time', () => {
    const ledger = new EngineTickLedger();
    ledger.begin([parseProcStat(statLine(40, 'containerd-shim', { utime: 50, stime: 50 }, 100))!]);
    ledger.observe(parseProcStat(statLine(40, 'containerd-shim', { utime: 2, stime: 1 }, 9000))!);
    expect(ledger.totals()).toMatchObject({ shim: 3, total: 3 });
  });

  it('leaves a daemon’s own children to its children’s ticks, so they are not counted twice', () => {
    const ledger = new EngineTickLedger();
    ledger.begin([
      parseProcStat(statLine(10, 'dockerd', { utime: 100, stime: 50 }))!,
      parseProcStat(statLine(11, 'containerd', { utime: 30, stime: 20 }, 1000, 10))!,
    ]);
    // `containerd-shim-runc-v2 start`, forked by containerd; then containerd has reaped it.
    ledger.observe(parseProcStat(statLine(60, 'containerd-shim', { utime: 3, stime: 2 }, 7000, 11))!);
    ledger.observe(parseProcStat(statLine(11, 'containerd', { utime: 31, stime: 21, cutime: 3, cstime: 2 }, 1000, 10))!);
    expect(ledger.totals()).toMatchObject({ containerd: 7, shim: 0, total: 7 });
  });

  it('ignores processes that are not the engine', () => {
    const ledger = new EngineTickLedger();
    ledger.begin([]);
    ledger.observe(parseProcStat(statLine(50, 'postgres', { utime: 500, stime: 500 }))!);
    expect(ledger.totals().total).toBe(0);
  });
});

describe('engineCpuPerRun', () => {
  it('turns ticks (100 a second) into milliseconds per run', () => {
    expect(engineCpuPerRun({ dockerd: 40, containerd: 20, shim: 8, runc: 12, total: 80 }, 8).msPerRun).toEqual({
      dockerd: 50,
      containerd: 25,
      shim: 10,
      runc: 15,
      total: 100,
    });
  });
});

describe('reading a /proc tree', () => {
  let proc: string;
  beforeAll(async () => {
    proc = await mkdtemp(join(tmpdir(), 'lockbox-proc-'));
    const processes: Array<[number, string]> = [
      [1, statLine(1, 'init', { utime: 9, stime: 9 })],
      [10, statLine(10, 'dockerd', { utime: 100, stime: 50, cutime: 5, cstime: 5 })],
      [11, statLine(11, 'containerd', { utime: 30, stime: 20 }, 1000, 10)],
      [20, statLine(20, 'containerd-shim', { utime: 1, stime: 2 })],
      [21, 'garbage'],
    ];
    for (const [pid, text] of processes) {
      await mkdir(join(proc, String(pid)));
      await writeFile(join(proc, String(pid), 'stat'), text);
    }
    await mkdir(join(proc, 'self'));
  });
  afterAll(async () => {
    await rm(proc, { recursive: true, force: true });
  });

  it('finds the engine processes, and remembers which pids are not the engine', async () => {
    const skip = new Set<number>();
    const stats = await readEngineStats(skip, proc);
    expect(stats.map((stat) => stat.comm).sort()).toEqual(['containerd', 'containerd-shim', 'dockerd']);
    expect([...skip]).toEqual([1]);
  });

  it('reads the two daemons’ ticks with their reaped children', async () => {
    const daemons = await findDaemons(proc);
    expect(daemons).toEqual({ dockerd: 10, containerd: 11 });
    await expect(readDaemonTicks(daemons!, proc)).resolves.toBe(160 + 50);
  });
});
