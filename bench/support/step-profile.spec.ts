import { aggregatePhases, aggregateSteps, describeProfile, runTimesFromWorkerLog, stepsFromWorkerLog } from './step-profile';

describe('aggregateSteps', () => {
  it('gives each step its mean and p95 over the runs that took it, in the run order, and the total', () => {
    const runs = [
      { create: 40, start: 80, wait: 50, collect: 2 },
      { create: 60, start: 100, wait: 70 },
      ...Array.from({ length: 18 }, () => ({ create: 50, start: 90, wait: 60, collect: 4 })),
    ];
    const profile = aggregateSteps(runs);
    expect(Object.keys(profile)).toEqual(['create', 'start', 'wait', 'collect', 'total']);
    expect(profile.create).toEqual({ runs: 20, meanMs: 50, p95Ms: 50 });
    expect(profile.collect).toEqual({ runs: 19, meanMs: 3.9, p95Ms: 4 });
    // p95 of 21 values is the 20th smallest: the one slow run is above it, the 60 ms one is it.
    expect(aggregateSteps([...runs, { create: 500 }]).create!.p95Ms).toBe(60);
    expect(profile.total).toEqual({ runs: 20, meanMs: 203.7, p95Ms: 204 });
  });

  it('is empty for no runs', () => {
    expect(aggregateSteps([])).toEqual({});
  });
});

describe('describeProfile', () => {
  it('prints mean/p95 per step in whole milliseconds', () => {
    expect(describeProfile({ create: { runs: 2, meanMs: 40.6, p95Ms: 63.2 }, total: { runs: 2, meanMs: 100, p95Ms: 120 } })).toBe(
      'create 41/63 · total 100/120',
    );
  });
});

describe('stepsFromWorkerLog', () => {
  const log = [
    '{"level":30,"msg":"run 8d5f6a1e-0000-4000-8000-000000000001: phases prepare=8ms stage=12ms sandbox=300ms store=40ms commit=11ms container=45ms steps=image:2,area:4,create:41,start:80,wait:60,remove:40,unmount:5"}',
    '{"level":30,"msg":"run 8d5f6a1e-0000-4000-8000-000000000002: phases prepare=8ms stage=12ms sandbox=0ms store=0ms commit=11ms container=-ms steps=-"}',
    '{"level":30,"msg":"run 8d5f6a1e-0000-4000-8000-000000000003: phases prepare=9ms stage=10ms sandbox=310ms store=41ms commit=12ms container=47ms steps=image:3,create:50"}',
    'not a phase line',
  ].join('\n');

  it('reads the steps of the runs asked for, and leaves out a run that did not reach the sandbox', () => {
    expect(
      stepsFromWorkerLog(log, ['8d5f6a1e-0000-4000-8000-000000000001', '8d5f6a1e-0000-4000-8000-000000000002', '8d5f6a1e-0000-4000-8000-000000000009']),
    ).toEqual([{ image: 2, area: 4, create: 41, start: 80, wait: 60, remove: 40, unmount: 5 }]);
  });

  it('reads the phases of each run asked for, with its steps, whether or not it reached the sandbox', () => {
    expect(runTimesFromWorkerLog(log, ['8d5f6a1e-0000-4000-8000-000000000002', '8d5f6a1e-0000-4000-8000-000000000003'])).toEqual([
      { runId: '8d5f6a1e-0000-4000-8000-000000000002', phases: { prepare: 8, stage: 12, sandbox: 0, store: 0, commit: 11 }, steps: {} },
      {
        runId: '8d5f6a1e-0000-4000-8000-000000000003',
        phases: { prepare: 9, stage: 10, sandbox: 310, store: 41, commit: 12 },
        steps: { image: 3, create: 50 },
      },
    ]);
  });
});

describe('aggregatePhases', () => {
  it('gives each phase and the time outside them, in order, with the total', () => {
    const profile = aggregatePhases([
      { prepare: 8, stage: 12, sandbox: 300, store: 40, commit: 10, outside: 30 },
      { prepare: 12, stage: 8, sandbox: 320, store: 40, commit: 10, outside: 50 },
    ]);
    expect(Object.keys(profile)).toEqual(['prepare', 'stage', 'sandbox', 'store', 'commit', 'outside', 'total']);
    expect(profile.outside).toEqual({ runs: 2, meanMs: 40, p95Ms: 50 });
    expect(profile.total).toEqual({ runs: 2, meanMs: 420, p95Ms: 440 });
  });
});
