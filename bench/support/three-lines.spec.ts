import type { LatencyFigures } from '../run-latency.bench';
import type { ThroughputFigures } from '../run-throughput.bench';
import { checkTargets, describeThreeLines } from './three-lines';

function latency(
  analysis: 'busybox' | 'node',
  engineP50: number,
  runnerP50: number,
  platform: { p50Ms: number; p95Ms: number },
  engineP95 = engineP50,
): LatencyFigures {
  return {
    analysis,
    runs: 10,
    engine: { p50Ms: engineP50, p95Ms: engineP95 },
    runner: { p50Ms: runnerP50, p95Ms: runnerP50 },
    platform,
    gaps: {
      runnerMinusEngine: { p50Ms: runnerP50 - engineP50, p95Ms: runnerP50 - engineP95 },
      platformMinusEngine: { p50Ms: platform.p50Ms - engineP50, p95Ms: platform.p95Ms - engineP95 },
    },
    ratios: { runnerToEngine: runnerP50 / engineP50, platformToEngine: platform.p50Ms / engineP50 },
    profile: { runner: {}, platform: {}, engine: {} },
    platformPhases: {},
  };
}

function throughput(analysis: 'busybox' | 'node', concurrency: number, engine: number, runner: number, platform: number): ThroughputFigures {
  const cpu = { runs: 10, msPerRun: { dockerd: 0, containerd: 0, shim: 0, runc: 0, total: 0 } };
  return {
    analysis,
    concurrency,
    runs: 10,
    engine: { runsPerS: engine, engineCpu: cpu },
    runner: { runsPerS: runner, engineCpu: cpu },
    platform: { runsPerS: platform, engineCpu: cpu },
    ratios: { runnerToEngine: runner / engine, platformToEngine: platform / engine },
    profile: { runner: {}, platform: {} },
    failed: 0,
  };
}

describe('checkTargets', () => {
  it('checks the latency gaps on the busybox analysis only, each limit on both sides', () => {
    const met = checkTargets([latency('busybox', 200, 260, { p50Ms: 300, p95Ms: 450 }), latency('node', 300, 400, { p50Ms: 900, p95Ms: 2000 })], []);
    expect(met.filter((check) => check.target.startsWith('platform − engine'))).toEqual([
      { target: 'platform − engine limit, p50, busybox analysis ≤ 100 ms', measured: 100, met: true },
      { target: 'platform − engine limit, p95, busybox analysis ≤ 250 ms', measured: 250, met: true },
    ]);
    const missed = checkTargets([latency('busybox', 200, 260, { p50Ms: 300.1, p95Ms: 450.1 })], []);
    expect(missed.filter((check) => check.target.startsWith('platform − engine')).map((check) => check.met)).toEqual([false, false]);
  });

  it('checks the platform throughput ratio on the Node analysis at concurrency 1 and 2, not at 4', () => {
    const checks = checkTargets(
      [],
      [throughput('node', 1, 10, 9, 9), throughput('node', 2, 10, 9, 8.99), throughput('node', 4, 10, 9, 5), throughput('busybox', 1, 10, 9, 1)],
    );
    expect(checks.filter((check) => check.target.startsWith('platform ÷')).map(({ target, met }) => [target, met])).toEqual([
      ['platform ÷ engine limit throughput, Node analysis, c=1 ≥ 0.9', true],
      ['platform ÷ engine limit throughput, Node analysis, c=2 ≥ 0.9', false],
    ]);
  });

  it('holds the sandbox runner within 1.3× of the engine limit, for latency and for throughput', () => {
    const checks = checkTargets(
      [latency('busybox', 100, 130, { p50Ms: 1, p95Ms: 1 }), latency('node', 100, 131, { p50Ms: 1, p95Ms: 1 })],
      [throughput('node', 1, 13, 10, 10), throughput('node', 2, 13.1, 10, 10)],
    );
    expect(checks.filter((check) => check.target.startsWith('sandbox runner')).map((check) => check.met)).toEqual([true, false, true, false]);
  });
});

describe('describeThreeLines', () => {
  it('puts the three lines of each analysis side by side, then the targets', () => {
    const text = describeThreeLines([latency('busybox', 200, 260, { p50Ms: 350, p95Ms: 400 })], [throughput('busybox', 1, 4, 3, 2)]);
    expect(text).toContain('engine limit');
    expect(text).toMatch(/busybox: latency p50 \(ms\)\s+200\s+260\s+350\s+\+60 \/ \+150/);
    expect(text).toMatch(/busybox: runs\/s at c=1\s+4\s+3\s+2\s+×0\.75 \/ ×0\.5/);
    expect(text).toContain('NOT met platform − engine limit, p50, busybox analysis ≤ 100 ms: 150');
  });
});
