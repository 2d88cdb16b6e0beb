// The outbox's SQL against a real PostgreSQL: pollers and re-senders running at once (several API
// instances) never give a job two messages.
import type { TestDatabase } from './support/database';
import { claimRun, freshDatabase, type SeededVersion, seedPublishedVersion, seedQueuedRun } from './support/database';

let db: TestDatabase;
let seeded: SeededVersion;

beforeAll(async () => {
  db = await freshDatabase();
  seeded = await seedPublishedVersion(db);
});

afterAll(async () => {
  await db?.close();
});

const RESEND_AFTER_SECONDS = 30;

async function outboxRowsOf(runId: string): Promise<Array<{ id: string; published_at: Date | null; correlation_id: string | null }>> {
  return (await db.dataSource.query(`SELECT id, published_at, correlation_id FROM outbox WHERE subject_id = $1 ORDER BY id`, [runId])) as Array<{
    id: string;
    published_at: Date | null;
    correlation_id: string | null;
  }>;
}

/** A queued run whose one message was sent `secondsAgo` (and may since have been lost by the queue). */
async function queuedRunSent(secondsAgo: number): Promise<string> {
  const runId = await seedQueuedRun(db, seeded);
  await db.dataSource.query(`INSERT INTO outbox (message_type, subject_id, correlation_id, published_at) VALUES ('run.execute', $1, 'request-1', now())`, [
    runId,
  ]);
  await db.dataSource.query(`UPDATE runs SET last_published_at = now() - make_interval(secs => $2) WHERE id = $1`, [runId, secondsAgo]);
  return runId;
}

async function resendAtOnce(instances: number): Promise<string[]> {
  const batches = await Promise.all(Array.from({ length: instances }, () => db.outbox.enqueueStaleJobs('runs', 'run.execute', RESEND_AFTER_SECONDS, 1000)));
  return batches.flat();
}

describe('re-sending the messages of jobs that may have lost theirs', () => {
  it('gives a stale job exactly one new message when several instances re-send at once, keeping its correlation id', async () => {
    const stale = await Promise.all([queuedRunSent(120), queuedRunSent(120), queuedRunSent(120)]);
    await resendAtOnce(6);
    for (const runId of stale) {
      const rows = await outboxRowsOf(runId);
      expect(rows).toHaveLength(2);
      expect(rows[1]).toMatchObject({ published_at: null, correlation_id: 'request-1' });
    }
  });

  it('re-sends a job whose message went out just past the window, and not one just inside it', async () => {
    const past = await queuedRunSent(RESEND_AFTER_SECONDS + 5);
    const inside = await queuedRunSent(RESEND_AFTER_SECONDS - 5);
    await resendAtOnce(1);
    expect(await outboxRowsOf(past)).toHaveLength(2);
    expect(await outboxRowsOf(inside)).toHaveLength(1);
  });

  it('adds nothing while a job’s message is still unsent, and nothing again once it was sent', async () => {
    const runId = await queuedRunSent(120);
    expect(await resendAtOnce(1)).toHaveLength(1);
    // Unsent (the queue is away): a second pass leaves it to the poller.
    expect(await resendAtOnce(3)).toEqual([]);
    const [, pending] = await outboxRowsOf(runId);
    await db.outbox.markSent(undefined, { id: pending!.id, message_type: 'run.execute', subject_id: runId, correlation_id: null }, 'runs');
    // Sent just now: the job's clock restarted.
    expect(await resendAtOnce(3)).toEqual([]);
    expect(await outboxRowsOf(runId)).toHaveLength(2);
  });

  it('re-sends a running job whose lease expired once, and not one whose lease holds', async () => {
    const expired = await queuedRunSent(1);
    const held = await queuedRunSent(1);
    await claimRun(db, expired, 'worker-dead');
    await claimRun(db, held, 'worker-alive');
    await db.dataSource.query(`UPDATE runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [expired]);
    await resendAtOnce(4);
    expect(await outboxRowsOf(expired)).toHaveLength(2);
    expect(await outboxRowsOf(held)).toHaveLength(1);
  });
});

describe('the poller', () => {
  it('never gives one unsent row to two pollers at once', async () => {
    const runId = await seedQueuedRun(db, seeded);
    // Only this test's rows are unsent (the suite's database is its own).
    await db.dataSource.query(`UPDATE outbox SET published_at = now() WHERE published_at IS NULL`);
    for (let n = 0; n < 5; n++) {
      await db.dataSource.query(`INSERT INTO outbox (message_type, subject_id, created_at) VALUES ('run.execute', $1, now() - interval '5 seconds')`, [runId]);
    }
    const mine = (await outboxRowsOf(runId)).map((row) => row.id);
    // Two pollers, each inside its own transaction, both holding what they took until the other has looked.
    let release!: () => void;
    const bothLooked = new Promise<void>((resolve) => (release = resolve));
    let looked = 0;
    const poll = () =>
      db.dataSource.transaction(async (manager) => {
        const rows = await db.outbox.lockPending(manager, 3);
        if (++looked === 2) release();
        await bothLooked;
        return rows.map((row) => row.id);
      });
    const [first, second] = await Promise.all([poll(), poll()]);
    // Whichever locked first took three; the other, the two left.
    expect([first!.length, second!.length].sort()).toEqual([2, 3]);
    expect(first!.filter((id) => second!.includes(id))).toEqual([]);
    expect([...first!, ...second!].sort()).toEqual([...mine].sort());
  });
});
