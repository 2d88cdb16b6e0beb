// A dataset's ingest outcome and its one writer against a real PostgreSQL: fenced by the ingest's
// claim, written once under concurrent callers with one event and one notification, and a failure
// leaves none of the dataset's record keys.
import { randomUUID } from 'node:crypto';
import { claimJob, type DatasetIngestOutcome, type JobClaim } from '@lockbox/db';
import { freshDatabase, type TestDatabase } from './support/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
});

afterAll(async () => {
  await db?.close();
});

const READY: DatasetIngestOutcome = {
  status: 'ready',
  recordCount: 2,
  recordKinds: { 'social.posts': 2 },
  errorCount: 0,
  lineErrors: [],
  failureMessage: null,
  report: null,
};
/** A record key as the ingestion makes them: a SHA-256, in hex. */
const key = (n: number): string => n.toString(16).padStart(64, '0');

const FAILED: DatasetIngestOutcome = { ...READY, status: 'failed', recordCount: 0, recordKinds: {}, failureMessage: 'the archive is not a ZIP file' };

/** A person's uploaded dataset, as an upload records it. */
async function uploadedDataset(): Promise<{ id: string; userId: string; name: string }> {
  const [user] = (await db.dataSource.query(`INSERT INTO users (email, password_hash, role) VALUES ($1, 'x', 'user') RETURNING id`, [
    `person-${randomUUID()}@test.local`,
  ])) as Array<{ id: string }>;
  const id = randomUUID();
  const dataset = await db.dataSource.transaction((manager) =>
    db.datasets.createUploaded(manager, {
      id,
      userId: user!.id,
      name: 'my export',
      format: 'lockbox-jsonl',
      source: 'upload',
      mapping: null,
      sizeBytes: 10,
      sha256: 'sha',
      rawKey: `raw/${id}`,
    }),
  );
  expect(dataset.status).toBe('uploaded');
  return { id, userId: user!.id, name: dataset.name };
}

async function claim(id: string, workerId: string): Promise<JobClaim> {
  const claimed = await claimJob(db.dataSource.manager, 'datasets', id, workerId, 60_000, 3);
  if (!claimed) throw new Error(`no claim on ${id}`);
  return claimed;
}

async function recordsOf(id: string): Promise<{ status: string; events: string[]; notifications: string[]; audits: string[]; keys: number }> {
  const [{ status }] = (await db.dataSource.query(`SELECT status FROM datasets WHERE id = $1`, [id])) as [{ status: string }];
  const events = (await db.dataSource.query(`SELECT type FROM events WHERE subject_id = $1 ORDER BY id`, [id])) as Array<{ type: string }>;
  const notifications = (await db.dataSource.query(`SELECT body FROM notifications WHERE subject_id = $1`, [id])) as Array<{ body: string }>;
  const audits = (await db.dataSource.query(`SELECT action FROM audit_events WHERE target_id = $1 AND action = 'dataset.ingested'`, [id])) as Array<{
    action: string;
  }>;
  const [{ keys }] = (await db.dataSource.query(`SELECT count(*)::int AS keys FROM record_keys WHERE dataset_id = $1`, [id])) as [{ keys: number }];
  return { status, events: events.map((row) => row.type), notifications: notifications.map((row) => row.body), audits: audits.map((row) => row.action), keys };
}

describe('a dataset’s ingest outcome', () => {
  it('is written by the worker holding the ingest, and by no worker fenced out of it', async () => {
    const dataset = await uploadedDataset();
    const stale = await claim(dataset.id, 'worker-stale');
    await db.dataSource.query(`UPDATE datasets SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [dataset.id]);
    const current = await claim(dataset.id, 'worker-current');

    expect(await db.datasetStates.ingested({ claim: stale, dataset, outcome: READY, actor: 'worker:stale' })).toBe(false);
    expect(await recordsOf(dataset.id)).toEqual({ status: 'ingesting', events: [], notifications: [], audits: [], keys: 0 });

    expect(await db.datasetStates.ingested({ claim: current, dataset, outcome: READY, actor: 'worker:current' })).not.toBe(false);
    expect(await recordsOf(dataset.id)).toEqual({
      status: 'ready',
      events: ['dataset.ready'],
      notifications: ['Your dataset "my export" is ready: 2 records'],
      audits: ['dataset.ingested'],
      keys: 0,
    });
  });

  it('is written once with one event and one notification when callers holding the same claim race', async () => {
    const dataset = await uploadedDataset();
    const held = await claim(dataset.id, 'worker-a');
    const answers = await Promise.all(Array.from({ length: 8 }, () => db.datasetStates.ingested({ claim: held, dataset, outcome: READY, actor: 'worker:a' })));

    expect(answers.filter((answer) => answer !== false)).toHaveLength(1);
    const records = await recordsOf(dataset.id);
    expect(records.events).toEqual(['dataset.ready']);
    expect(records.notifications).toHaveLength(1);
    expect(records.audits).toEqual(['dataset.ingested']);
  });

  it('fails with the reason in its owner’s words and keeps none of the record keys the attempt added', async () => {
    const dataset = await uploadedDataset();
    const held = await claim(dataset.id, 'worker-a');
    expect(await db.recordKeys.addForClaim(held, [key(1), key(2)])).toEqual(new Set([key(1), key(2)]));

    expect(await db.datasetStates.ingested({ claim: held, dataset, outcome: FAILED, actor: 'worker:a', reason: 'attempts_exhausted' })).not.toBe(false);
    expect(await recordsOf(dataset.id)).toEqual({
      status: 'failed',
      events: ['dataset.failed'],
      notifications: ['Your dataset "my export" could not be ingested: the archive is not a ZIP file'],
      audits: ['dataset.ingested'],
      keys: 0,
    });
    const [audit] = (await db.dataSource.query(`SELECT detail FROM audit_events WHERE target_id = $1 AND action = 'dataset.ingested'`, [dataset.id])) as Array<{
      detail: Record<string, unknown>;
    }>;
    expect(audit!.detail).toEqual({ status: 'failed', recordCount: 0, errorCount: 0, reason: 'attempts_exhausted' });
  });

  it('is not written for a dataset its owner deleted meanwhile, and the deletion takes its keys', async () => {
    const dataset = await uploadedDataset();
    const held = await claim(dataset.id, 'worker-a');
    await db.recordKeys.addForClaim(held, [key(3)]);
    await db.dataSource.transaction((manager) => db.datasets.deleteOwned(manager, dataset.userId, dataset.id));

    expect(await db.datasetStates.ingested({ claim: held, dataset, outcome: READY, actor: 'worker:a' })).toBe(false);
    const [{ keys }] = (await db.dataSource.query(`SELECT count(*)::int AS keys FROM record_keys WHERE dataset_id = $1`, [dataset.id])) as [{ keys: number }];
    expect(keys).toBe(0);
    await expect(db.recordKeys.addForClaim(held, [key(4)])).rejects.toThrow(/the ingest claim no longer holds/);
  });

  it('is never a deletion of someone else’s dataset', async () => {
    const dataset = await uploadedDataset();
    const stranger = await uploadedDataset();
    expect(await db.dataSource.transaction((manager) => db.datasets.deleteOwned(manager, stranger.userId, dataset.id))).toBeUndefined();
    expect(await db.datasets.findOwned(dataset.userId, dataset.id)).not.toBeNull();
    expect(await db.datasets.findOwned(stranger.userId, dataset.id)).toBeNull();
  });
});
