import { JobsRepository, type JobTable } from '@lockbox/db';
import { DONE, HANDED_BACK, type JobOutcome } from './job-handler';
import { type HeldLease, JobLeaseService } from './job-lease.service';

// The lease service over a faked database: which claims run alone, what becomes of a claim when the work
// hands it back or fails, and how one renewal statement covers every lease the worker holds.

const JOB_ID = '00000000-0000-4000-8000-0000000000aa';
const OTHER_ID = '00000000-0000-4000-8000-0000000000bb';

function service(claimed: { attempts: number; lost_attempts: number } | undefined) {
  const statements: string[] = [];
  /** What the renewal statement answers: the leases still held, as `table:id`. */
  let stillHeld: (parameters: unknown[]) => Array<{ id: string; job_table: JobTable }> = () => [];
  const dataSource = {
    query: jest.fn(async (sql: string, parameters: unknown[] = []) => {
      statements.push(sql.trim().split(/\s+/).slice(0, 2).join(' '));
      if (sql.includes('RETURNING attempts')) return [claimed ? [{ ...claimed, row_version: 4 }] : [], claimed ? 1 : 0];
      if (sql.trim().startsWith('WITH')) return stillHeld(parameters);
      return [[], 1];
    }),
  };
  const config = { jobs: { leaseMs: 30_000, leaseRenewMs: 10_000, maxAttempts: 3 } };
  const leases = new JobLeaseService(config as never, new JobsRepository({ manager: dataSource } as never), { id: 'worker-1' } as never);
  return { leases, statements, dataSource, renewing: (answer: typeof stillHeld) => (stillHeld = answer) };
}

function context(alone = true) {
  const abandoned = new AbortController();
  const runAlone = jest.fn(async () => alone);
  return { abandoned, runAlone, context: { abandoned: abandoned.signal, runAlone } };
}

/** Work that keeps its lease until the test lets it end with `outcome`. */
function heldWork() {
  let lease: HeldLease | undefined;
  let end!: (outcome: JobOutcome) => void;
  const work = jest.fn((held: HeldLease) => {
    lease = held;
    return new Promise<JobOutcome>((resolve) => (end = resolve));
  });
  return { work, lease: () => lease!, end: (outcome: JobOutcome) => end(outcome) };
}

describe('JobLeaseService.runClaimed', () => {
  it('shares the worker for a job that has lost no attempt, and leaves a done job as it is', async () => {
    const { leases, statements } = service({ attempts: 1, lost_attempts: 0 });
    const { runAlone, context: ctx } = context();
    const work = jest.fn(async (_lease: HeldLease) => DONE);
    expect(await leases.runClaimed('runs', JOB_ID, ctx, work)).toEqual(DONE);
    expect(work.mock.calls[0]![0].claim).toMatchObject({ attempts: 1, lostAttempts: 0, exhausted: false });
    expect(runAlone).not.toHaveBeenCalled();
    expect(statements).toEqual(['UPDATE runs']);
  });

  it('runs a job alone once it has lost an attempt, and hands it back if the worker stops meanwhile', async () => {
    const alone = service({ attempts: 2, lost_attempts: 1 });
    const allowed = context(true);
    const work = jest.fn(async (_lease: HeldLease) => DONE);
    await alone.leases.runClaimed('runs', JOB_ID, allowed.context, work);
    expect(allowed.runAlone).toHaveBeenCalledTimes(1);
    expect(work.mock.calls[0]![0].claim).toMatchObject({ attempts: 2, lostAttempts: 1, exhausted: false });

    const leaving = service({ attempts: 2, lost_attempts: 1 });
    const refused = context(false);
    const never = jest.fn(async () => DONE);
    expect(await leaving.leases.runClaimed('runs', JOB_ID, refused.context, never)).toEqual(HANDED_BACK);
    expect(never).not.toHaveBeenCalled();
    expect(leaving.statements).toEqual(['UPDATE runs', 'UPDATE runs']);
    expect(leaving.dataSource.query.mock.calls[1]![0]).toMatch(/SET status = \$4, lease_owner = NULL/);
  });

  it('neither waits nor starts an attempt when the cap is reached: the claim is exhausted', async () => {
    const { leases } = service({ attempts: 3, lost_attempts: 3 });
    const { runAlone, context: ctx } = context();
    const work = jest.fn(async (_lease: HeldLease) => DONE);
    await leases.runClaimed('analysis_versions', JOB_ID, ctx, work);
    expect(work.mock.calls[0]![0].claim).toMatchObject({ attempts: 3, lostAttempts: 3, exhausted: true });
    expect(runAlone).not.toHaveBeenCalled();
  });

  it('passes the cap to the claim, and answers done without working for a duplicate', async () => {
    const { leases, dataSource } = service(undefined);
    const work = jest.fn(async () => DONE);
    expect(await leases.runClaimed('datasets', JOB_ID, context().context, work)).toEqual(DONE);
    expect(work).not.toHaveBeenCalled();
    expect(dataSource.query.mock.calls[0]![1]).toEqual([JOB_ID, 'uploaded', 'ingesting', 'worker-1', 30, 3]);
  });

  it('releases the claim of work handed back, and of work that failed, which comes back as retry_later', async () => {
    const handedBack = service({ attempts: 1, lost_attempts: 0 });
    expect(await handedBack.leases.runClaimed('datasets', JOB_ID, context().context, async () => HANDED_BACK)).toEqual(HANDED_BACK);
    expect(handedBack.statements).toEqual(['UPDATE datasets', 'UPDATE datasets']);

    const failed = service({ attempts: 1, lost_attempts: 0 });
    const fault = new Error('storage down');
    const outcome = await failed.leases.runClaimed('datasets', JOB_ID, context().context, async () => {
      throw fault;
    });
    expect(outcome).toEqual({ kind: 'retry_later', fault });
    expect(failed.statements).toEqual(['UPDATE datasets', 'UPDATE datasets']);
  });

  it('does not release a lease already lost: the job is another worker’s', async () => {
    const { leases, statements } = service({ attempts: 1, lost_attempts: 0 });
    const { abandoned, context: ctx } = context();
    const outcome = await leases.runClaimed('runs', JOB_ID, ctx, async () => {
      abandoned.abort();
      throw new Error('late');
    });
    expect(outcome.kind).toBe('retry_later');
    expect(statements).toEqual(['UPDATE runs']);
  });
});

describe('JobLeaseService.renewAll', () => {
  it('renews every lease the worker holds in one statement, each fenced by its attempt, and reports the one not renewed as lost', async () => {
    const { leases, statements, dataSource, renewing } = service({ attempts: 1, lost_attempts: 0 });
    const run = heldWork();
    const check = heldWork();
    const running = leases.runClaimed('runs', JOB_ID, context().context, run.work);
    const checking = leases.runClaimed('analysis_versions', OTHER_ID, context().context, check.work);
    await new Promise((resolve) => setImmediate(resolve));

    renewing(() => [{ id: JOB_ID, job_table: 'runs' }]);
    await leases.renewAll();
    expect(statements.filter((statement) => statement.startsWith('WITH'))).toHaveLength(1);
    const parameters = dataSource.query.mock.calls.find(([sql]) => sql.trim().startsWith('WITH'))![1];
    // Worker, lease length, then per table: ids, row versions, active status.
    expect(parameters).toEqual(['worker-1', 30, [JOB_ID], [4], 'running', [], [], 'ingesting', [OTHER_ID], [4], 'checking']);
    expect(run.lease().lost.aborted).toBe(false);
    expect(check.lease().lost.aborted).toBe(true);

    // The lost one is renewed no more.
    await leases.renewAll();
    expect(dataSource.query.mock.calls.filter(([sql]) => sql.trim().startsWith('WITH')).at(-1)![1]).toEqual([
      'worker-1',
      30,
      [JOB_ID],
      [4],
      'running',
      [],
      [],
      'ingesting',
      [],
      [],
      'checking',
    ]);
    run.end(DONE);
    check.end(DONE);
    await Promise.all([running, checking]);
  });

  it('stops renewing a lease whose job overran its deadline, and reports it lost; with no lease held, no statement at all', async () => {
    const { leases, statements, renewing } = service({ attempts: 1, lost_attempts: 0 });
    renewing(() => [{ id: JOB_ID, job_table: 'datasets' }]);
    const { abandoned, context: ctx } = context();
    const ingest = heldWork();
    const ingesting = leases.runClaimed('datasets', JOB_ID, ctx, ingest.work);
    await new Promise((resolve) => setImmediate(resolve));
    await leases.renewAll();
    expect(statements).toEqual(['UPDATE datasets', 'WITH runs_renewed']);
    abandoned.abort();
    expect(ingest.lease().lost.aborted).toBe(true);
    await leases.renewAll();
    expect(statements).toHaveLength(2);
    ingest.end(DONE);
    await ingesting;
  });
});
