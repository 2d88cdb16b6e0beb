// Platform events and notifications against a real PostgreSQL: recorded once per dedupe key, and
// replayed to their owner only, in order.
import { randomUUID } from 'node:crypto';
import { freshDatabase, type SeededVersion, seedPublishedVersion, type TestDatabase } from './support/database';

let db: TestDatabase;
let seeded: SeededVersion;

beforeAll(async () => {
  db = await freshDatabase();
  seeded = await seedPublishedVersion(db);
});

afterAll(async () => {
  await db?.close();
});

async function record(userId: string, dedupeKey?: string) {
  const runId = randomUUID();
  return db.dataSource.transaction((manager) =>
    db.events.record(manager, {
      userId,
      type: 'run.queued',
      subjectId: runId,
      payload: { runId, status: 'queued', analysis: seeded.slug, version: '1.0.0' },
      dedupeKey,
      notification: { title: 'Queued', body: 'Your run is queued.' },
    }),
  );
}

describe('recording an event', () => {
  it('records an event and its notification once per dedupe key, however often its writer is replayed', async () => {
    const key = `test:${randomUUID()}`;
    const recorded = await Promise.all([record(seeded.userId, key), record(seeded.userId, key), record(seeded.userId, key)]);
    expect(recorded.filter(Boolean)).toHaveLength(1);
    const [{ notifications }] = (await db.dataSource.query(`SELECT count(*)::int AS notifications FROM notifications WHERE dedupe_key = $1`, [key])) as [
      { notifications: number },
    ];
    expect(notifications).toBe(1);
  });
});

describe('replaying a user’s events', () => {
  it('replays the owner’s events after an id, oldest first, and nobody else’s', async () => {
    const owner = (await seedPublishedVersion(db)).userId;
    const other = (await seedPublishedVersion(db)).userId;
    const first = (await record(owner))!;
    const second = (await record(owner))!;
    await record(other);
    const third = (await record(owner))!;

    const replayed = await db.events.pageForUserAfter(owner, first.event.id, 10);
    expect(replayed.map((event) => event.id)).toEqual([second.event.id, third.event.id]);
    expect(replayed[0]).toMatchObject({ type: 'run.queued', subjectId: second.event.subjectId, payload: second.event.payload });
    expect(await db.events.pageForUserAfter(owner, first.event.id, 1)).toHaveLength(1);
    expect(await db.events.latestIdForUser(owner)).toBe(third.event.id);
  });

  it('gives a user without events the id 0', async () => {
    const newcomer = (await seedPublishedVersion(db)).userId;
    expect(await db.events.latestIdForUser(newcomer)).toBe('0');
    expect(await db.events.pageForUserAfter(newcomer, '0', 10)).toEqual([]);
  });
});
