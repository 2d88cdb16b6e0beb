// The run's SQL that the safety story rests on, against a real PostgreSQL: claims and their fences, the
// overdue sweep, and the one writer of a run's end under concurrent callers.
import { type RunEnd, type RunVerdict } from '@lockbox/db';
import { claimRun, endRecords, freshDatabase, runRow, type SeededVersion, seedPublishedVersion, seedQueuedRun, type TestDatabase } from './support/database';

let db: TestDatabase;
let seeded: SeededVersion;

beforeAll(async () => {
  db = await freshDatabase();
  seeded = await seedPublishedVersion(db, 60);
});

afterAll(async () => {
  await db?.close();
});

const SUCCEEDED: RunVerdict = { status: 'succeeded', reason: null, message: 'All done.' };
const CANCELLED_BEFORE_START: RunVerdict = { status: 'cancelled', reason: 'by_user', message: 'You cancelled the run before it started.' };

/** Moves the run's lease into the past, as a dead or stalled worker leaves it. */
async function expireLease(runId: string): Promise<void> {
  await db.dataSource.query(`UPDATE runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [runId]);
}

describe('claims', () => {
  it('gives a run to exactly one of two workers claiming it at once', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const claims = await Promise.all([claimRun(db, runId, 'worker-a'), claimRun(db, runId, 'worker-b')]);
    const winners = claims.filter((claim) => claim !== undefined);
    expect(winners).toHaveLength(1);
    const row = await runRow(db, runId);
    expect(row).toMatchObject({ status: 'running', lease_owner: winners[0]!.workerId, attempts: 1, row_version: winners[0]!.rowVersion });
  });

  it('gives a run to exactly one of many workers claiming it at once once its lease expired', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const first = await claimRun(db, runId, 'worker-first');
    expect(first).toBeDefined();
    // Held under a live lease: nobody else gets it.
    expect(await claimRun(db, runId, 'worker-early')).toBeUndefined();
    await expireLease(runId);
    const claims = await Promise.all(Array.from({ length: 6 }, (_, n) => claimRun(db, runId, `worker-${n}`)));
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
    expect(await runRow(db, runId)).toMatchObject({ attempts: 2, lost_attempts: 1 });
  });

  it('gives a finished run to nobody', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const claim = await claimRun(db, runId, 'worker-a');
    expect(await db.terminal.end({ runId, verdict: SUCCEEDED, endedBy: { by: 'worker', claim: claim! } })).toBeDefined();
    expect(await claimRun(db, runId, 'worker-b')).toBeUndefined();
  });
});

describe('a fenced-out worker', () => {
  it('writes nothing once its lease was taken over: no start, progress, data access, outcome, event or notification', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const stale = (await claimRun(db, runId, 'worker-stale'))!;
    const run = await db.runs.loadClaimed(runId);
    await expireLease(runId);
    const current = (await claimRun(db, runId, 'worker-current'))!;
    expect(current).toBeDefined();
    const before = await runRow(db, runId);

    expect((await db.runs.markStarted(stale, run)).held).toBe(false);
    expect(await db.runs.recordProgress(stale, 0.5, 'halfway')).toBe(false);
    const access = { datasetIds: [], scopes: {}, imageId: 'sha256:image', runtime: 'runc' as const, records: {}, workerId: 'worker-stale', containerId: 'c' };
    expect(await db.runs.recordDataAccess(stale, run, access)).toBe(false);
    expect(await db.terminal.end({ runId, verdict: SUCCEEDED, endedBy: { by: 'worker', claim: stale } })).toBeUndefined();

    expect(await runRow(db, runId)).toEqual(before);
    const [{ audits }] = (await db.dataSource.query(`SELECT count(*)::int AS audits FROM audit_events WHERE target_id = $1`, [runId])) as [{ audits: number }];
    expect(audits).toBe(0);
    expect(await endRecords(db, runId)).toEqual({ events: [], notifications: [] });

    // The worker holding the claim writes all of these.
    expect((await db.runs.markStarted(current, run)).held).toBe(true);
    expect(await db.runs.recordProgress(current, 0.5, 'halfway')).toBe(true);
    expect(await db.runs.recordDataAccess(current, run, { ...access, workerId: 'worker-current' })).toBe(true);
    expect(await db.terminal.end({ runId, verdict: SUCCEEDED, endedBy: { by: 'worker', claim: current } })).toBeDefined();
    expect(await runRow(db, runId)).toMatchObject({ status: 'succeeded', progress: 1, lease_owner: null, lease_expires_at: null });
  });

  it('writes nothing once the run was handed back and claimed again at the same attempt count', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const first = (await claimRun(db, runId, 'worker-a'))!;
    await db.dataSource.query(`UPDATE runs SET status = 'queued', lease_owner = NULL, row_version = row_version + 1 WHERE id = $1`, [runId]);
    // The same worker claims again: the lease owner matches, only row_version tells the claims apart.
    const second = (await claimRun(db, runId, 'worker-a'))!;
    expect(await db.terminal.end({ runId, verdict: SUCCEEDED, endedBy: { by: 'worker', claim: first } })).toBeUndefined();
    expect(await db.terminal.end({ runId, verdict: SUCCEEDED, endedBy: { by: 'worker', claim: second } })).toBeDefined();
  });
});

describe('the start of an attempt', () => {
  const startedEvents = async (runId: string) =>
    (await db.dataSource.query(`SELECT type, payload FROM events WHERE subject_id = $1 AND type = 'run.started' ORDER BY id`, [runId])) as Array<{
      type: string;
      payload: Record<string, unknown>;
    }>;

  it('is marked with its run.started event in one statement, once per attempt however often it is replayed', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const claim = (await claimRun(db, runId, 'worker-a'))!;
    const run = await db.runs.loadClaimed(runId);

    const first = await db.runs.markStarted(claim, run);
    expect(first.held).toBe(true);
    expect(first.recorded).toEqual({
      userId: run.userId,
      event: expect.objectContaining({ type: 'run.started', subjectId: runId, payload: expect.objectContaining({ runId, attempt: 1, status: 'running' }) }),
    });
    expect((await runRow(db, runId)).started_at).not.toBeNull();

    const replay = await db.runs.markStarted(claim, run);
    expect(replay).toEqual({ held: true, recorded: undefined });
    expect(await startedEvents(runId)).toHaveLength(1);
  });

  it('records no event for a worker fenced out of the run', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const stale = (await claimRun(db, runId, 'worker-stale'))!;
    const run = await db.runs.loadClaimed(runId);
    await expireLease(runId);
    await claimRun(db, runId, 'worker-current');
    expect(await db.runs.markStarted(stale, run)).toEqual({ held: false, recorded: undefined });
    expect(await startedEvents(runId)).toEqual([]);
  });
});

describe('the overdue sweep', () => {
  async function runningSince(secondsAgo: number, timeoutSeconds: number): Promise<{ runId: string; version: SeededVersion }> {
    const version = await seedPublishedVersion(db, timeoutSeconds);
    const runId = await seedQueuedRun(db, version);
    await claimRun(db, runId, 'worker-silent');
    await db.dataSource.query(`UPDATE runs SET started_at = now() - make_interval(secs => $2) WHERE id = $1`, [runId, secondsAgo]);
    return { runId, version };
  }

  it('finds a run running past its deadline plus the grace, and not one just inside it', async () => {
    const overdue = await runningSince(100, 30); // 30 s deadline + 60 s grace < 100 s
    const inside = await runningSince(80, 30); // 30 + 60 > 80
    const found = (await db.runs.findOverdue(60, 1000)).map((row) => row.id);
    expect(found).toContain(overdue.runId);
    expect(found).not.toContain(inside.runId);
  });

  it('ends the overdue run once, timed out, and fences out its worker', async () => {
    const { runId, version } = await runningSince(1000, 30);
    const worker = (await db.dataSource.query(`SELECT lease_owner, row_version FROM runs WHERE id = $1`, [runId])) as Array<{ row_version: number }>;
    const row = (await db.runs.findOverdue(60, 1000)).find((candidate) => candidate.id === runId)!;
    expect(row).toMatchObject({ timeout_s: 30, cancel_requested: false, row_version: worker[0]!.row_version });
    const verdict: RunVerdict = { status: 'timed_out', reason: 'deadline', message: 'Out of time.' };
    const sweeps = await Promise.all([1, 2, 3].map(() => db.terminal.end({ runId, verdict, endedBy: { by: 'sweep', rowVersion: row.row_version } })));
    expect(sweeps.filter(Boolean)).toHaveLength(1);
    expect(await runRow(db, runId)).toMatchObject({ status: 'timed_out', reason: 'deadline', lease_owner: null });
    const { events, notifications } = await endRecords(db, runId);
    expect(events).toEqual([
      { type: 'run.timed_out', payload: { runId, status: 'timed_out', reason: 'deadline', message: 'Out of time.', analysis: version.slug, version: '1.0.0' } },
    ]);
    expect(notifications).toEqual([{ title: `${version.title} ran out of time`, body: 'Out of time.' }]);
    expect((await db.runs.findOverdue(60, 1000)).map((candidate) => candidate.id)).not.toContain(runId);
  });

  it('writes nothing when the worker finished the run after the sweep read it', async () => {
    const { runId } = await runningSince(1000, 30);
    const row = (await db.runs.findOverdue(60, 1000)).find((candidate) => candidate.id === runId)!;
    const [claim] = (await db.dataSource.query(`SELECT lease_owner, row_version FROM runs WHERE id = $1`, [runId])) as Array<{
      lease_owner: string;
      row_version: number;
    }>;
    const workerClaim = { id: runId, workerId: claim!.lease_owner, attempts: 1, rowVersion: claim!.row_version, lostAttempts: 0, exhausted: false };
    expect(await db.terminal.end({ runId, verdict: SUCCEEDED, endedBy: { by: 'worker', claim: workerClaim } })).toBeDefined();
    const verdict: RunVerdict = { status: 'timed_out', reason: 'deadline', message: 'Out of time.' };
    expect(await db.terminal.end({ runId, verdict, endedBy: { by: 'sweep', rowVersion: row.row_version } })).toBeUndefined();
    expect(await runRow(db, runId)).toMatchObject({ status: 'succeeded' });
    expect((await endRecords(db, runId)).events.map((event) => event.type)).toEqual(['run.succeeded']);
  });
});

describe('the one writer of a run’s end', () => {
  it('records exactly one end, one event and one notification when the owner, a suspension, and the owner again end a queued run at once', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const suspended: RunVerdict = { status: 'cancelled', reason: 'analysis_suspended', message: 'The analysis was suspended, so it did not run.' };
    const ends: RunEnd[] = [
      ...Array.from({ length: 5 }, (): RunEnd => ({ runId, verdict: CANCELLED_BEFORE_START, endedBy: { by: 'owner', userId: seeded.userId } })),
      ...Array.from({ length: 5 }, (): RunEnd => ({ runId, verdict: suspended, endedBy: { by: 'suspension' } })),
    ];
    const ended = await Promise.all(ends.map((end) => db.terminal.end(end)));
    expect(ended.filter(Boolean)).toHaveLength(1);
    const { events, notifications } = await endRecords(db, runId);
    expect(events).toHaveLength(1);
    expect(notifications).toHaveLength(1);
    const row = await runRow(db, runId);
    expect(events[0]!.payload).toMatchObject({ runId, status: 'cancelled', reason: row.reason, message: row.message });
    expect(notifications[0]!.body).toBe(row.message);
  });

  it('records exactly one end when the worker, the sweep and the attempt cap race on a running run', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const claim = (await claimRun(db, runId, 'worker-a'))!;
    const exhausted: RunVerdict = { status: 'failed', reason: 'attempts_exhausted', message: 'Tried too often.' };
    const quarantine = { job: 'run' as const, jobId: runId, lostAttempts: 3, actor: 'worker:worker-a' };
    const ended = await Promise.all([
      db.terminal.end({ runId, verdict: SUCCEEDED, endedBy: { by: 'worker', claim } }),
      db.terminal.end({ runId, verdict: exhausted, endedBy: { by: 'worker', claim }, quarantine }),
      db.terminal.end({
        runId,
        verdict: { status: 'timed_out', reason: 'deadline', message: 'Late.' },
        endedBy: { by: 'sweep', rowVersion: claim.rowVersion },
      }),
      db.terminal.end({ runId, verdict: SUCCEEDED, endedBy: { by: 'worker', claim } }),
    ]);
    expect(ended.filter(Boolean)).toHaveLength(1);
    const { events, notifications } = await endRecords(db, runId);
    expect(events).toHaveLength(1);
    expect(notifications).toHaveLength(1);
    const row = await runRow(db, runId);
    expect(events[0]!.type).toBe(`run.${String(row.status)}`);
    // The quarantine flag moves with its end only: set when (and only when) the exhausted end won.
    const [version] = (await db.dataSource.query(`SELECT quarantined_at FROM analysis_versions WHERE id = $1`, [seeded.versionId])) as Array<{
      quarantined_at: Date | null;
    }>;
    expect(version!.quarantined_at !== null).toBe(row.reason === 'attempts_exhausted');
  });

  it('cancels only the owner’s own queued run, and a running run not at all', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const stranger = await seedPublishedVersion(db);
    expect(await db.terminal.end({ runId, verdict: CANCELLED_BEFORE_START, endedBy: { by: 'owner', userId: stranger.userId } })).toBeUndefined();
    await claimRun(db, runId, 'worker-a');
    expect(await db.terminal.end({ runId, verdict: CANCELLED_BEFORE_START, endedBy: { by: 'owner', userId: seeded.userId } })).toBeUndefined();
    expect(await runRow(db, runId)).toMatchObject({ status: 'running', cancel_requested_at: null });
    expect(await endRecords(db, runId)).toEqual({ events: [], notifications: [] });
  });

  it('marks the owner’s cancel on the row, with the same words in the row, the event and the notification', async () => {
    const runId = await seedQueuedRun(db, seeded);
    const ended = await db.terminal.end({ runId, verdict: CANCELLED_BEFORE_START, endedBy: { by: 'owner', userId: seeded.userId } });
    expect(ended?.userId).toBe(seeded.userId);
    const row = await runRow(db, runId);
    expect(row).toMatchObject({ status: 'cancelled', reason: 'by_user', message: CANCELLED_BEFORE_START.message });
    expect(row.cancel_requested_at).toBeInstanceOf(Date);
    expect(row.finished_at).toBeInstanceOf(Date);
    const { events, notifications } = await endRecords(db, runId);
    expect(events).toEqual([
      {
        type: 'run.cancelled',
        payload: { runId, status: 'cancelled', reason: 'by_user', message: CANCELLED_BEFORE_START.message, analysis: seeded.slug, version: '1.0.0' },
      },
    ]);
    expect(notifications).toEqual([{ title: `${seeded.title} was cancelled`, body: CANCELLED_BEFORE_START.message }]);
  });
});
