import { JobsRepository } from '@lockbox/db';
import { JobLeaseService } from './job-lease.service';

// The lease service over a faked database: which claims run alone, and what a deadline does to a lease.

const JOB_ID = '00000000-0000-4000-8000-0000000000aa';

function service(claimed: { attempts: number; lost_attempts: number } | undefined) {
  const statements: string[] = [];
  const dataSource = {
    query: jest.fn(async (sql: string, _parameters?: unknown[]) => {
      statements.push(sql.trim().split(/\s+/).slice(0, 2).join(' '));
      if (sql.includes('RETURNING attempts')) return [claimed ? [{ ...claimed, row_version: 4 }] : [], claimed ? 1 : 0];
      return [[], 1];
    }),
  };
  const config = { jobs: { leaseMs: 30_000, leaseRenewMs: 10, maxAttempts: 3 } };
  const leases = new JobLeaseService(config as never, new JobsRepository({ manager: dataSource } as never), { id: 'worker-1' } as never);
  return { leases, statements, dataSource };
}

function context(alone = true) {
  const abandoned = new AbortController();
  const runAlone = jest.fn(async () => alone);
  return { abandoned, runAlone, context: { abandoned: abandoned.signal, runAlone } };
}

describe('JobLeaseService.claim', () => {
  it('shares the worker for a job that has lost no attempt', async () => {
    const { leases } = service({ attempts: 1, lost_attempts: 0 });
    const { runAlone, context: ctx } = context();
    const lease = await leases.claim('runs', JOB_ID, ctx);
    lease!.stop();
    expect(lease!.claim).toMatchObject({ attempts: 1, lostAttempts: 0, exhausted: false });
    expect(runAlone).not.toHaveBeenCalled();
  });

  it('runs a job alone once it has lost an attempt, and hands it back if the worker stops meanwhile', async () => {
    const alone = service({ attempts: 2, lost_attempts: 1 });
    const allowed = context(true);
    const lease = await alone.leases.claim('runs', JOB_ID, allowed.context);
    lease!.stop();
    expect(allowed.runAlone).toHaveBeenCalledTimes(1);
    expect(lease!.claim).toMatchObject({ attempts: 2, lostAttempts: 1, exhausted: false });

    const leaving = service({ attempts: 2, lost_attempts: 1 });
    const refused = context(false);
    expect(await leaving.leases.claim('runs', JOB_ID, refused.context)).toBeUndefined();
    expect(leaving.statements).toEqual(['UPDATE runs', 'UPDATE runs']);
    expect(leaving.dataSource.query.mock.calls[1]![0]).toMatch(/SET status = \$4, lease_owner = NULL/);
  });

  it('neither waits nor starts an attempt when the cap is reached: the claim is exhausted', async () => {
    const { leases } = service({ attempts: 3, lost_attempts: 3 });
    const { runAlone, context: ctx } = context();
    const lease = await leases.claim('analysis_versions', JOB_ID, ctx);
    lease!.stop();
    expect(lease!.claim).toMatchObject({ attempts: 3, lostAttempts: 3, exhausted: true });
    expect(runAlone).not.toHaveBeenCalled();
  });

  it('passes the cap to the claim, and answers undefined for a duplicate', async () => {
    const { leases, dataSource } = service(undefined);
    expect(await leases.claim('datasets', JOB_ID, context().context)).toBeUndefined();
    expect(dataSource.query.mock.calls[0]![1]).toEqual([JOB_ID, 'uploaded', 'ingesting', 'worker-1', 30, 3]);
  });

  it('stops renewing a lease whose job overran its deadline, and reports it lost', async () => {
    const { leases, statements } = service({ attempts: 1, lost_attempts: 0 });
    const { abandoned, context: ctx } = context();
    const lease = await leases.claim('datasets', JOB_ID, ctx);
    await new Promise((resolve) => setTimeout(resolve, 35));
    const renewals = statements.length - 1;
    expect(renewals).toBeGreaterThan(0);
    abandoned.abort();
    expect(lease!.lost.aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 35));
    expect(statements.length - 1).toBe(renewals);
    lease!.stop();
  });
});
