import { isAttemptHeld, type LeaseView, mountPointsUnder, outputAreaStockOf, stagingDirAttempt, stagingDirOf } from './orphan-reaper';

const RUN = '6f1c1f4e-0000-4000-8000-000000000001';
const VERSION = '6f1c1f4e-0000-4000-8000-00000000000a';

function view(deadWorkers: string[] = []): LeaseView {
  return {
    leases: new Map([
      [RUN, { owner: 'worker-a', attempts: 2 }],
      [`check-${VERSION}`, { owner: 'worker-b', attempts: 1 }],
    ]),
    deadWorkers: new Set(deadWorkers),
  };
}

describe('isAttemptHeld', () => {
  it('keeps the current attempt of a live lease holder', () => {
    expect(isAttemptHeld(view(), { jobKey: RUN, attempt: 2, workerId: 'worker-a' })).toBe(true);
    // A worker that has not written its first heartbeat yet is starting, not dead.
    expect(isAttemptHeld(view(['someone-else']), { jobKey: `check-${VERSION}`, attempt: 1 })).toBe(true);
  });

  it('reaps an earlier attempt, a job without a lease, another worker’s container, and anything of a dead worker', () => {
    expect(isAttemptHeld(view(), { jobKey: RUN, attempt: 1 })).toBe(false);
    expect(isAttemptHeld(view(), { jobKey: '6f1c1f4e-0000-4000-8000-0000000000ff', attempt: 1 })).toBe(false);
    expect(isAttemptHeld(view(), { jobKey: RUN, attempt: 2, workerId: 'worker-z' })).toBe(false);
    expect(isAttemptHeld(view(['worker-a']), { jobKey: RUN, attempt: 2, workerId: 'worker-a' })).toBe(false);
  });
});

describe('stagingDirAttempt', () => {
  it('reads the attempt from the names the run and check handlers make', () => {
    expect(stagingDirAttempt('runs', `${RUN}-3`)).toEqual({ jobKey: RUN, attempt: 3 });
    expect(stagingDirAttempt('checks', `${VERSION}-2-0a1b2c3d`)).toEqual({ jobKey: `check-${VERSION}`, attempt: 2 });
  });

  it('leaves alone any name the platform does not make', () => {
    expect(stagingDirAttempt('runs', 'notes')).toBeUndefined();
    expect(stagingDirAttempt('runs', `${RUN}-3/../..`)).toBeUndefined();
    expect(stagingDirAttempt('checks', `${VERSION}-2`)).toBeUndefined();
  });
});

describe('mountPointsUnder and stagingDirOf', () => {
  const mounts = [
    'overlay / overlay rw 0 0',
    `tmpfs /home/lb/work/runs/${RUN}-1/output-AbC123 tmpfs rw,nosuid,nodev,noexec 0 0`,
    'tmpfs /home/lb/work tmpfs rw 0 0',
    'tmpfs /home/lb/work-other/runs/x tmpfs rw 0 0',
    'tmpfs /home/with\\040space/work/runs/y tmpfs rw 0 0',
  ].join('\n');

  it('finds the mounts strictly inside the work root, decoding escaped paths', () => {
    expect(mountPointsUnder(mounts, '/home/lb/work')).toEqual([`/home/lb/work/runs/${RUN}-1/output-AbC123`]);
    expect(mountPointsUnder(mounts, '/home/with space/work')).toEqual(['/home/with space/work/runs/y']);
  });

  it('maps a path to its staging directory', () => {
    expect(stagingDirOf('/home/lb/work', `/home/lb/work/runs/${RUN}-1/output-AbC123`)).toEqual({
      kind: 'runs',
      name: `${RUN}-1`,
      dir: `/home/lb/work/runs/${RUN}-1`,
    });
    expect(stagingDirOf('/home/lb/work', '/home/lb/work/datasets/x')).toBeUndefined();
  });
});

describe('outputAreaStockOf', () => {
  it('maps an area in stock to the worker whose stock it is', () => {
    expect(outputAreaStockOf('/home/lb/work', '/home/lb/work/output-areas/vm-12-abcd1234/output-XyZ')).toEqual({
      workerId: 'vm-12-abcd1234',
      dir: '/home/lb/work/output-areas/vm-12-abcd1234',
    });
  });

  it('leaves alone what is not in a worker’s stock', () => {
    expect(outputAreaStockOf('/home/lb/work', `/home/lb/work/runs/${RUN}-1/output-AbC123`)).toBeUndefined();
    expect(outputAreaStockOf('/home/lb/work', '/home/lb/work/output-areas')).toBeUndefined();
    expect(outputAreaStockOf('/home/lb/work', '/home/lb/other/output-areas/x')).toBeUndefined();
  });
});
