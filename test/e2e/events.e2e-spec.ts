import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { loadConfig } from '@lockbox/config';
import { dataSourceOptions } from '@lockbox/db';
import { type LiveEvent, PlatformEventsService, RedisRepository, userEventsChannel } from '@lockbox/events';
import { api, createSession, eventually, type Session, upload } from '../support/session';
import { type EventStreamClient, EventStreamRefused, openEventStream, type SseEvent } from '../support/sse';

// Events are produced the way the platform produces them: PlatformEventsService writes the row (and the
// notification) in a transaction against the test stack's PostgreSQL, then publishes to its Redis.
const config = loadConfig();
const dataSource = new DataSource(dataSourceOptions(config.database.url));
const redis = new RedisRepository(config.redis);
const platformEvents = new PlatformEventsService(redis);
const redisAdmin = new Redis(config.redis.url);

async function emit(user: Session, type: string, payload: Record<string, unknown> = {}, notification?: { title: string; body: string }): Promise<LiveEvent> {
  const recorded = await dataSource.transaction((manager) =>
    platformEvents.record(manager, { userId: user.id, type, subjectId: randomUUID(), payload, dedupeKey: `test:${randomUUID()}`, notification }),
  );
  if (!recorded) throw new Error('the event was not recorded');
  await platformEvents.publish(recorded);
  return recorded.event;
}

async function subscribers(user: Session): Promise<number> {
  const [, count] = (await redisAdmin.pubsub('NUMSUB', userEventsChannel(user.id))) as [string, number];
  return Number(count);
}

const ofType =
  (type: string) =>
  (event: SseEvent): boolean =>
    event.event === type;

async function expectRefused(stream: Promise<EventStreamClient>, status: number): Promise<void> {
  const error = await stream.then(
    (client) => {
      client.close();
      return undefined;
    },
    (refused: unknown) => refused,
  );
  expect(error).toBeInstanceOf(EventStreamRefused);
  expect((error as EventStreamRefused).status).toBe(status);
}

const open: EventStreamClient[] = [];
async function connect(options: Parameters<typeof openEventStream>[0]): Promise<EventStreamClient> {
  const client = await openEventStream(options);
  open.push(client);
  return client;
}

beforeAll(async () => {
  await dataSource.initialize();
});

afterEach(() => {
  for (const client of open.splice(0)) client.close();
});

afterAll(async () => {
  await dataSource.destroy();
  await redis.close();
  redisAdmin.disconnect();
});

describe('GET /events', () => {
  it('answers 401 without a token or with a bad one', async () => {
    await expectRefused(openEventStream({}), 401);
    await expectRefused(openEventStream({ token: 'garbage' }), 401);
  });

  it('streams the owner’s live events with id, type and data, after retry and the newest id', async () => {
    const owner = await createSession('user');
    const earlier = await emit(owner, 'test.earlier');
    const stream = await connect({ token: owner.token });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toMatch(/no-cache/);
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    // The newest id arrives without data, so a reconnect would resume from it; the earlier event is not replayed.
    await eventually(async () => (stream.lastEventId === earlier.id ? true : undefined), 10_000, 'the newest id');
    expect(stream.retryMs).toBeGreaterThan(0);

    const first = await emit(owner, 'test.first', { n: 1 });
    const second = await emit(owner, 'test.second', { n: 2 });
    const received = [await stream.next(), await stream.next()];
    expect(received.map((event) => [event.id, event.event])).toEqual([
      [first.id, 'test.first'],
      [second.id, 'test.second'],
    ]);
    expect(received[1]?.json).toEqual({ id: second.id, type: 'test.second', subjectId: second.subjectId, payload: { n: 2 }, createdAt: second.createdAt });
    expect(stream.events.map((event) => event.event)).not.toContain('test.earlier');
  });

  it('never carries another user’s events', async () => {
    const owner = await createSession('user');
    const other = await createSession('user');
    const ownerStream = await connect({ token: owner.token });
    const otherStream = await connect({ token: other.token });

    const secret = await emit(owner, 'test.private', { secret: true });
    await ownerStream.next((event) => event.id === secret.id);
    // Redis delivers in order: had the owner's event leaked, it would arrive before this one.
    const sentinel = await emit(other, 'test.sentinel');
    await otherStream.next((event) => event.id === sentinel.id);
    expect(otherStream.events.map((event) => event.id)).toEqual([sentinel.id]);

    // Nor does replay: the other user's history is only the sentinel.
    const replay = await connect({ token: other.token, lastEventId: '0' });
    await replay.next((event) => event.id === sentinel.id);
    expect(replay.events.map((event) => event.id)).toEqual([sentinel.id]);
  });

  it('sends transient events without an id, so they never move Last-Event-ID', async () => {
    const owner = await createSession('user');
    const stream = await connect({ token: owner.token });
    const stored = await emit(owner, 'test.stored');
    await stream.next((event) => event.id === stored.id);
    const subjectId = randomUUID();
    await platformEvents.publishTransient(owner.id, 'run.progress', subjectId, { progress: 0.4 });
    const progress = await stream.next(ofType('run.progress'));
    expect(progress.id).toBeUndefined();
    expect(progress.json).toMatchObject({ id: '', type: 'run.progress', subjectId, payload: { progress: 0.4 } });
    expect(stream.lastEventId).toBe(stored.id);
  });

  it('replays exactly the missed events, in order, when reconnecting with Last-Event-ID, then goes on live', async () => {
    const owner = await createSession('user');
    const first = await connect({ token: owner.token });
    const seen = await emit(owner, 'test.seen');
    await first.next((event) => event.id === seen.id);
    first.close();

    const missed = [await emit(owner, 'test.missed', { n: 1 }), await emit(owner, 'test.missed', { n: 2 }), await emit(owner, 'test.missed', { n: 3 })];
    const resumed = await connect({ token: owner.token, lastEventId: first.lastEventId });
    for (const event of missed) expect((await resumed.next()).id).toBe(event.id);
    const live = await emit(owner, 'test.live');
    expect((await resumed.next()).id).toBe(live.id);
    expect(resumed.events.map((event) => event.id)).toEqual([...missed.map((event) => event.id), live.id]);
  });

  it('resumes a fresh connection that saw nothing from the newest id it was given', async () => {
    const owner = await createSession('user');
    await emit(owner, 'test.before');
    const first = await connect({ token: owner.token });
    await eventually(async () => (first.lastEventId !== '' ? true : undefined), 10_000, 'the newest id');
    first.close();
    const missed = await emit(owner, 'test.missed');
    const resumed = await connect({ token: owner.token, lastEventId: first.lastEventId });
    expect((await resumed.next()).id).toBe(missed.id);
    expect(resumed.events.map((event) => event.event)).toEqual(['test.missed']);
  });

  it('takes Last-Event-ID from the query for a new EventSource, and rejects a malformed one with 400', async () => {
    const owner = await createSession('user');
    const skipped = await emit(owner, 'test.skipped');
    const wanted = await emit(owner, 'test.wanted');
    const stream = await connect({ token: owner.token, lastEventId: skipped.id, lastEventIdIn: 'query' });
    expect((await stream.next()).id).toBe(wanted.id);

    await expectRefused(openEventStream({ token: owner.token, lastEventId: 'abc' }), 400);
    await expectRefused(openEventStream({ token: owner.token, lastEventId: '-1', lastEventIdIn: 'query' }), 400);
  });

  it('drops the Redis subscription when the client disconnects', async () => {
    const owner = await createSession('user');
    expect(await subscribers(owner)).toBe(0);
    const first = await connect({ token: owner.token });
    const second = await connect({ token: owner.token });
    expect(await subscribers(owner)).toBe(1);
    first.close();
    // The other connection keeps the channel.
    const stillLive = await emit(owner, 'test.still-live');
    await second.next((event) => event.id === stillLive.id);
    expect(await subscribers(owner)).toBe(1);
    second.close();
    await eventually(async () => ((await subscribers(owner)) === 0 ? true : undefined), 10_000, 'the unsubscribe');
  });

  it('delivers a real dataset.ready event from an upload, and its notification', async () => {
    const owner = await createSession('user');
    const stream = await connect({ token: owner.token });
    const records = [
      { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'hello', likes: 3, comments: 1, shares: 0 },
      { kind: 'social.posts', timestamp: '2026-01-06T09:00:00Z', platform: 'x', type: 'post', text: 'again', likes: 1, comments: 0, shares: 2 },
    ];
    const uploaded = await upload(
      '/datasets',
      [
        { name: 'format', content: 'lockbox-jsonl' },
        { name: 'file', content: records.map((record) => JSON.stringify(record)).join('\n') + '\n', filename: 'posts.jsonl' },
      ],
      { token: owner.token },
    );
    expect(uploaded.status).toBe(202);
    const ready = await stream.next((event) => event.event === 'dataset.ready' && event.json?.subjectId === uploaded.body.id, 60_000);
    expect(ready.id).toMatch(/^\d+$/);
    expect(ready.json.payload).toMatchObject({ datasetId: uploaded.body.id, recordCount: 2 });
    const notifications = await api('GET', '/notifications', { token: owner.token });
    expect(notifications.body.items).toEqual([expect.objectContaining({ type: 'dataset.ready', subjectId: uploaded.body.id, readAt: null })]);
  });
});

describe('event tickets', () => {
  it('opens the stream once, and only the stream', async () => {
    const owner = await createSession('user');
    const issued = await api('POST', '/events/ticket', { token: owner.token });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({ ticket: expect.any(String), expiresIn: 60 });
    const { ticket } = issued.body as { ticket: string };

    // Not a bearer token anywhere, /events included.
    expect((await api('GET', '/me', { token: ticket })).status).toBe(401);
    expect((await api('POST', '/events/ticket', { token: ticket })).status).toBe(401);
    await expectRefused(openEventStream({ token: ticket }), 401);

    const stream = await connect({ ticket });
    const event = await emit(owner, 'test.via-ticket');
    expect((await stream.next()).id).toBe(event.id);

    // Single use.
    await expectRefused(openEventStream({ ticket }), 401);
  });

  it('refuses expired, forged and garbage tickets, and access tokens passed as tickets', async () => {
    const owner = await createSession('user');
    const signer = new JwtService({ secret: config.auth.jwtSecret });
    const expired = signer.sign({ sub: owner.id, typ: 'sse', jti: randomUUID(), exp: Math.floor(Date.now() / 1000) - 10 });
    const forged = new JwtService({ secret: 'x'.repeat(64) }).sign({ sub: owner.id, typ: 'sse', jti: randomUUID() }, { expiresIn: 60 });
    const wrongKind = signer.sign({ sub: owner.id, typ: 'access', jti: randomUUID() }, { expiresIn: 60 });
    for (const ticket of [expired, forged, wrongKind, owner.token, 'garbage', '']) {
      await expectRefused(openEventStream({ ticket }), 401);
    }
    // The control: the same signer with the right claims works, so the refusals above are about the claims.
    await connect({ ticket: signer.sign({ sub: owner.id, typ: 'sse', jti: randomUUID() }, { expiresIn: 60 }) });
  });

  it('needs a token to be issued', async () => {
    expect((await api('POST', '/events/ticket')).status).toBe(401);
  });
});

describe('notifications', () => {
  it('lists the caller’s own, newest first, with an unread filter and count', async () => {
    const owner = await createSession('user');
    const other = await createSession('user');
    for (const n of [1, 2, 3]) await emit(owner, 'test.note', { n }, { title: `Note ${n}`, body: `Body ${n}` });
    await emit(other, 'test.note', {}, { title: 'Not yours', body: 'Other' });
    await emit(owner, 'test.silent');

    const list = await api('GET', '/notifications', { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 3, unreadCount: 3, offset: 0, limit: 20 });
    expect(list.body.items.map((item: any) => item.title)).toEqual(['Note 3', 'Note 2', 'Note 1']);
    expect(list.body.items[0]).toEqual({
      id: expect.any(String),
      type: 'test.note',
      title: 'Note 3',
      body: 'Body 3',
      subjectId: expect.any(String),
      readAt: null,
      createdAt: expect.any(String),
    });

    const paged = await api('GET', '/notifications?offset=1&limit=1', { token: owner.token });
    expect(paged.body.items.map((item: any) => item.title)).toEqual(['Note 2']);
    expect(paged.body.total).toBe(3);

    expect((await api('GET', '/notifications?unread=maybe', { token: owner.token })).status).toBe(400);
    expect((await api('GET', '/notifications?limit=1000', { token: owner.token })).status).toBe(400);
    expect((await api('GET', '/notifications')).status).toBe(401);
  });

  it('marks one read (owner only; someone else’s is 404) and then all', async () => {
    const owner = await createSession('user');
    const other = await createSession('user');
    for (const n of [1, 2, 3]) await emit(owner, 'test.note', { n }, { title: `Note ${n}`, body: `Body ${n}` });
    await emit(other, 'test.note', {}, { title: 'Theirs', body: 'Other' });
    const mine = (await api('GET', '/notifications', { token: owner.token })).body.items as any[];
    const theirs = (await api('GET', '/notifications', { token: other.token })).body.items as any[];

    const read = await api('POST', `/notifications/${mine[1].id}/read`, { token: owner.token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: mine[1].id, readAt: expect.any(String) });
    const again = await api('POST', `/notifications/${mine[1].id}/read`, { token: owner.token });
    expect(again.body.readAt).toBe(read.body.readAt);

    const unread = await api('GET', '/notifications?unread=true', { token: owner.token });
    expect(unread.body).toMatchObject({ total: 2, unreadCount: 2 });
    expect(unread.body.items.map((item: any) => item.id)).toEqual([mine[0].id, mine[2].id]);

    const foreign = await api('POST', `/notifications/${theirs[0].id}/read`, { token: owner.token });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect((await api('POST', `/notifications/${randomUUID()}/read`, { token: owner.token })).status).toBe(404);
    expect((await api('POST', '/notifications/not-a-uuid/read', { token: owner.token })).status).toBe(400);

    const all = await api('POST', '/notifications/read-all', { token: owner.token });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ updated: 2 });
    expect((await api('GET', '/notifications?unread=true', { token: owner.token })).body).toMatchObject({ items: [], total: 0, unreadCount: 0 });

    // Nothing of the other user's changed.
    const theirsAfter = await api('GET', '/notifications?unread=true', { token: other.token });
    expect(theirsAfter.body).toMatchObject({ total: 1, unreadCount: 1 });
    expect(theirsAfter.body.items[0]).toMatchObject({ id: theirs[0].id, readAt: null });
  });
});
