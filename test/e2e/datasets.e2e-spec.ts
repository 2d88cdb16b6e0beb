import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { loadConfig } from '@lockbox/config';
import { dataSourceOptions } from '@lockbox/db';
import { QueueRepository } from '@lockbox/queue';
import { CuratedRecordsReader, ObjectStorageRepository, partitionDate } from '@lockbox/storage';
import { recordKey } from '@lockbox/exports';
import { collectIngest, ofKind } from '../../libs/exports/test-fixtures/collect-ingest';
import { facebook2024Archive } from '../../libs/exports/test-fixtures/facebook-sample';
import { takeoutGermanArchive } from '../../libs/exports/test-fixtures/google-takeout-sample';
import { redditArchive, SAMPLE_IPS } from '../../libs/exports/test-fixtures/reddit-sample';
import { xArchive2022 } from '../../libs/exports/test-fixtures/x-archive-sample';
import { TEST_STACK_ENV } from '../support/global-setup';
import { api, createSession, eventually, type Session, upload } from '../support/session';

// Objects are checked in the test stack's S3 directly: the API never shows object keys. PostgreSQL and
// SQS are used directly only to stage what a crashed worker leaves behind, and to deliver duplicates.
const config = loadConfig();
const storage = new ObjectStorageRepository(config.s3);
const curated = new CuratedRecordsReader(storage);
const dataSource = new DataSource(dataSourceOptions(config.database.url));
const queue = new QueueRepository(config.sqs);
const UPLOAD_CAP = Number(TEST_STACK_ENV.LOCKBOX_DATASET_UPLOAD_MAX_BYTES);
const MiB = 1024 * 1024;

beforeAll(() => dataSource.initialize());
afterAll(async () => {
  await storage.onApplicationShutdown();
  await queue.onApplicationShutdown();
  await dataSource.destroy();
});

const post = { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'hello', likes: 3, comments: 1, shares: 0 };
const secondPost = { kind: 'social.posts', timestamp: '2026-01-06T08:00:00+01:00', platform: 'reddit', type: 'reply' };
const comment = { kind: 'social.comments', timestamp: '2026-01-05T19:00:00Z', platform: 'facebook', text: 'nice', likes: 0 };
const message = { kind: 'social.messages', timestamp: '2026-01-05T20:00:00Z', platform: 'x', direction: 'sent' };
const reaction = { kind: 'social.reactions', timestamp: '2026-01-05T21:00:00Z', platform: 'instagram', reaction: 'love' };

/** Valid and invalid lines of every sort; the comments give each line's number. */
const MIXED_FIXTURE = Buffer.concat([
  Buffer.from(`${JSON.stringify(post)}\n`), // 1
  Buffer.from('{"kind":"social.posts","timestamp":\n'), // 2: bad JSON
  Buffer.from(`${JSON.stringify(comment)}\n`), // 3
  Buffer.from(`${JSON.stringify({ ...post, kind: 'social.videos' })}\n`), // 4: unknown kind
  Buffer.from(`${JSON.stringify({ kind: 'social.posts', platform: 'x', type: 'post' })}\n`), // 5: no timestamp
  Buffer.from(`${JSON.stringify({ ...post, likes: -1 })}\n`), // 6: negative likes
  Buffer.from('\n'), // 7: blank, skipped
  Buffer.from(`${JSON.stringify(message)}\r\n`), // 8: CRLF is fine
  Buffer.concat([Buffer.from('{"kind":"social.reactions","reaction":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]), // 9: invalid UTF-8
  Buffer.from(`${JSON.stringify({ ...post, text: 'x'.repeat(MiB) })}\n`), // 10: longer than 1 MiB
  Buffer.from(`${JSON.stringify(reaction)}\n`), // 11
  Buffer.from(JSON.stringify(secondPost)), // 12: no final newline
]);

const MIXED_LINE_ERRORS = [
  { line: 2, reason: 'the line is not valid JSON' },
  {
    line: 4,
    reason:
      "unknown kind 'social.videos' (known kinds: social.posts, social.comments, social.messages, social.reactions, media.watch, search.queries, location.points, location.visits)",
  },
  { line: 5, reason: "line has no field 'timestamp'" },
  { line: 6, reason: 'likes must be a non-negative integer' },
  { line: 9, reason: 'the line is not valid UTF-8' },
  { line: 10, reason: 'the line is longer than 1 MiB' },
];

async function uploadDataset(
  user: Session,
  content: Buffer | string,
  options: { format?: string | null; name?: string; filename?: string; mapping?: string } = {},
): Promise<{ status: number; body: any }> {
  const parts = [];
  if (options.format !== null) parts.push({ name: 'format', content: options.format ?? 'lockbox-jsonl' });
  if (options.name !== undefined) parts.push({ name: 'name', content: options.name });
  if (options.mapping !== undefined) parts.push({ name: 'mapping', content: options.mapping });
  parts.push({ name: 'file', content, filename: options.filename ?? 'posts.jsonl', contentType: 'application/x-ndjson' });
  return upload('/datasets', parts, { token: user.token });
}

async function ingested(user: Session, id: string): Promise<any> {
  return eventually(
    async () => {
      const response = await api('GET', `/datasets/${id}`, { token: user.token });
      expect(response.status).toBe(200);
      return ['ready', 'failed'].includes(response.body.status) ? response.body : undefined;
    },
    60_000,
    `ingestion of dataset ${id}`,
  );
}

async function keysOf(prefix: string): Promise<string[]> {
  return (await storage.list(prefix)).map((object) => object.key);
}

async function recordsOf(dataset: any, kind: any): Promise<unknown[]> {
  const records: unknown[] = [];
  for await (const record of curated.records(dataset, kind)) records.push(record);
  return records;
}

/** A valid JSONL file of exactly `bytes` bytes (every line well under the 1 MiB line cap). */
function jsonlOfExactly(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  const line = (textLength: number): string => JSON.stringify({ ...post, text: 'a'.repeat(textLength) });
  const overhead = line(0).length + 1;
  while (bytes - size > 64 * 1024 + 2 * overhead) {
    const next = line(64 * 1024);
    lines.push(next);
    size += next.length + 1;
  }
  lines.push(line(bytes - size - overhead));
  const content = Buffer.from(`${lines.join('\n')}\n`);
  expect(content.length).toBe(bytes);
  return content;
}

describe('datasets', () => {
  let user: Session;

  beforeAll(async () => {
    user = await createSession('user');
  });

  it('ingests the valid lines into one curated object per kind and reports each bad line with its number and reason', async () => {
    const accepted = await uploadDataset(user, MIXED_FIXTURE);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      id: expect.any(String),
      name: 'posts.jsonl',
      format: 'lockbox-jsonl',
      source: 'lockbox',
      status: 'uploaded',
      sizeBytes: MIXED_FIXTURE.length,
      sha256: createHash('sha256').update(MIXED_FIXTURE).digest('hex'),
      recordCount: 0,
      ingestedAt: null,
    });
    expect(JSON.stringify(accepted.body)).not.toMatch(/raw\/|curated\/|Key|Prefix/);
    const id = accepted.body.id;

    const dataset = await ingested(user, id);
    expect(dataset).toMatchObject({
      status: 'ready',
      recordCount: 5,
      recordKinds: { 'social.posts': 2, 'social.comments': 1, 'social.messages': 1, 'social.reactions': 1 },
      errorCount: MIXED_LINE_ERRORS.length,
      lineErrors: MIXED_LINE_ERRORS,
      failureMessage: null,
      ingestedAt: expect.any(String),
    });
    expect(JSON.stringify(dataset)).not.toMatch(/raw\/|curated\/|Key|Prefix/);

    // The raw upload, byte for byte, and the curated objects, in the partitioned layout.
    const rawKey = `raw/user=${user.id}/source=lockbox/date=${partitionDate(new Date(dataset.createdAt))}/dataset=${id}/upload.jsonl`;
    expect(await keysOf(`raw/user=${user.id}/`)).toEqual([rawKey]);
    expect((await storage.getBuffer(rawKey, { maxBytes: 2 * MiB })).equals(MIXED_FIXTURE)).toBe(true);
    const prefix = `curated/user=${user.id}/source=lockbox/date=${partitionDate(new Date(dataset.ingestedAt))}/dataset=${id}/`;
    expect(await keysOf(`curated/user=${user.id}/`)).toEqual(
      ['social.comments', 'social.messages', 'social.posts', 'social.reactions'].map((kind) => `${prefix}${kind}.jsonl`),
    );

    // What the runs feature will read: exactly the valid records, per kind.
    const row = { ...dataset, curatedPrefix: prefix };
    expect(await recordsOf(row, 'social.posts')).toEqual([post, secondPost]);
    expect(await recordsOf(row, 'social.comments')).toEqual([comment]);
    expect(await recordsOf(row, 'social.messages')).toEqual([message]);
    expect(await recordsOf(row, 'social.reactions')).toEqual([reaction]);

    const notifications = await api('GET', '/notifications', { token: user.token });
    expect(notifications.body.items.filter((item: any) => item.subjectId === id)).toEqual([
      expect.objectContaining({ type: 'dataset.ready', title: 'Dataset ready', body: 'Your dataset "posts.jsonl" is ready: 5 records' }),
    ]);
  });

  it('fails a dataset without a single valid record, saying why, and stores no curated object', async () => {
    const owner = await createSession('user');
    const lines = ['not json', JSON.stringify({ ...post, platform: 'myspace' }), ''].join('\n');
    const accepted = await uploadDataset(owner, lines, { name: 'All bad' });
    expect(accepted.status).toBe(202);
    expect(accepted.body.name).toBe('All bad');

    const dataset = await ingested(owner, accepted.body.id);
    expect(dataset).toMatchObject({
      status: 'failed',
      recordCount: 0,
      recordKinds: {},
      errorCount: 2,
      lineErrors: [
        { line: 1, reason: 'the line is not valid JSON' },
        { line: 2, reason: 'platform must be one of x, facebook, instagram, reddit, google, youtube, other' },
      ],
      failureMessage: "no records: every record was skipped (2); see each file's skips, e.g. line 1: the line is not valid JSON",
      report: { status: 'failed', failure: { reason: 'no_records' }, skipped: 2 },
    });
    expect(await keysOf(`curated/user=${owner.id}/`)).toEqual([]);
    const notifications = await api('GET', '/notifications', { token: owner.token });
    expect(notifications.body.items).toEqual([
      expect.objectContaining({
        type: 'dataset.failed',
        subjectId: dataset.id,
        body: 'Your dataset "All bad" could not be ingested: no records: every record was skipped (2); see each file\'s skips, e.g. line 1: the line is not valid JSON',
      }),
    ]);
  });

  it('answers 400 for a missing or unsupported format, a missing file and an empty file, storing nothing', async () => {
    const owner = await createSession('user');
    const unsupported = await uploadDataset(owner, `${JSON.stringify(post)}\n`, { format: 'myspace' });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body).toMatchObject({
      statusCode: 400,
      message: 'Format "myspace" is not supported; supported formats: auto, x-archive, facebook, instagram, google-takeout, reddit, csv, jsonl, lockbox-jsonl',
    });

    const noFormat = await uploadDataset(owner, `${JSON.stringify(post)}\n`, { format: null });
    expect(noFormat.status).toBe(400);
    expect(noFormat.body.message).toMatch(/"format" field is required; supported formats: auto, x-archive/);

    const noMapping = await uploadDataset(owner, 'Date,Body\n2024-03-01 10:00:00,hi\n', { format: 'csv', filename: 'posts.csv' });
    expect(noMapping.status).toBe(400);
    expect(noMapping.body.message).toMatch(/^The csv format needs a "mapping" field/);
    const badMapping = await uploadDataset(owner, 'Date,Body\n2024-03-01 10:00:00,hi\n', {
      format: 'csv',
      filename: 'posts.csv',
      mapping: JSON.stringify({ kind: 'social.posts', platform: 'other', fields: { timestamp: 'Date', colour: 'Body' } }),
    });
    expect(badMapping.status).toBe(400);
    expect(badMapping.body.message).toMatch(/^The "mapping" field is not usable: .*colour/);

    const noFile = await upload('/datasets', [{ name: 'format', content: 'lockbox-jsonl' }], { token: owner.token });
    expect(noFile.status).toBe(400);
    expect(noFile.body.message).toBe('A "file" part with the dataset is required');

    const empty = await uploadDataset(owner, Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.body.message).toBe('The file is empty');

    const longName = await uploadDataset(owner, `${JSON.stringify(post)}\n`, { name: 'n'.repeat(201) });
    expect(longName.status).toBe(400);

    const notMultipart = await api('POST', '/datasets', { token: owner.token, body: { format: 'lockbox-jsonl' } });
    expect(notMultipart.status).toBe(400);

    expect(await keysOf(`raw/user=${owner.id}/`)).toEqual([]);
    expect((await api('GET', '/datasets', { token: owner.token })).body.total).toBe(0);
  });

  it(`accepts an upload of exactly the cap and answers 413 one byte over it, keeping nothing`, async () => {
    const owner = await createSession('user');
    const atCap = jsonlOfExactly(UPLOAD_CAP);
    const accepted = await uploadDataset(owner, atCap);
    expect(accepted.status).toBe(202);
    expect(accepted.body.sizeBytes).toBe(UPLOAD_CAP);

    const other = await createSession('user');
    const over = await uploadDataset(other, Buffer.concat([atCap, Buffer.from('\n')]));
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ statusCode: 413, message: `"file" is larger than the limit of ${UPLOAD_CAP} bytes` });
    expect(await keysOf(`raw/user=${other.id}/`)).toEqual([]);
    expect((await api('GET', '/datasets', { token: other.token })).body.total).toBe(0);
  });

  it('is for users only: developers get 403', async () => {
    const developer = await createSession('developer');
    const refused = await uploadDataset(developer, `${JSON.stringify(post)}\n`);
    expect(refused.status).toBe(403);
    expect((await api('GET', '/datasets', { token: developer.token })).status).toBe(403);
    expect(await keysOf(`raw/user=${developer.id}/`)).toEqual([]);
  });

  it("lists the owner's datasets newest first, paged", async () => {
    const owner = await createSession('user');
    const first = await uploadDataset(owner, `${JSON.stringify(post)}\n`, { name: 'first' });
    const second = await uploadDataset(owner, `${JSON.stringify(comment)}\n`, { name: 'second' });
    expect([first.status, second.status]).toEqual([202, 202]);

    const page = await api('GET', '/datasets?limit=1', { token: owner.token });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 2, offset: 0, limit: 1 });
    expect(page.body.items.map((item: any) => item.name)).toEqual(['second']);
    const next = await api('GET', '/datasets?limit=1&offset=1', { token: owner.token });
    expect(next.body.items.map((item: any) => item.name)).toEqual(['first']);
    expect((await api('GET', '/datasets?limit=1000', { token: owner.token })).status).toBe(400);
  });

  it("answers 404 for someone else's dataset on GET and DELETE, and their DELETE leaves it intact", async () => {
    const owner = await createSession('user');
    const stranger = await createSession('user');
    const accepted = await uploadDataset(owner, `${JSON.stringify(post)}\n`);
    const id = accepted.body.id;
    await ingested(owner, id);

    const peek = await api('GET', `/datasets/${id}`, { token: stranger.token });
    expect(peek.status).toBe(404);
    expect(peek.body).toMatchObject({ statusCode: 404, message: 'Dataset not found' });
    expect((await api('DELETE', `/datasets/${id}`, { token: stranger.token })).status).toBe(404);
    expect((await api('GET', '/datasets', { token: stranger.token })).body.items).toEqual([]);

    expect((await api('GET', `/datasets/${id}`, { token: owner.token })).body.status).toBe('ready');
    expect(await keysOf(`raw/user=${owner.id}/`)).toHaveLength(1);
    expect(await keysOf(`curated/user=${owner.id}/`)).toHaveLength(1);
  });

  it('answers 400 for an id that is not a UUID', async () => {
    expect((await api('GET', '/datasets/not-a-uuid', { token: user.token })).status).toBe(400);
    expect((await api('DELETE', '/datasets/not-a-uuid', { token: user.token })).status).toBe(400);
  });

  it('erases the raw upload and every curated object on DELETE, then answers 404', async () => {
    const owner = await createSession('user');
    const accepted = await uploadDataset(owner, [post, comment, reaction].map((record) => JSON.stringify(record)).join('\n'));
    const id = accepted.body.id;
    expect((await ingested(owner, id)).status).toBe('ready');
    expect(await keysOf(`raw/user=${owner.id}/`)).toHaveLength(1);
    expect(await keysOf(`curated/user=${owner.id}/`)).toHaveLength(3);

    const deleted = await api('DELETE', `/datasets/${id}`, { token: owner.token });
    expect(deleted.status).toBe(204);
    expect(await keysOf(`raw/user=${owner.id}/`)).toEqual([]);
    expect(await keysOf(`curated/user=${owner.id}/`)).toEqual([]);
    expect((await api('GET', `/datasets/${id}`, { token: owner.token })).status).toBe(404);
    expect((await api('DELETE', `/datasets/${id}`, { token: owner.token })).status).toBe(404);
    expect((await api('GET', '/datasets', { token: owner.token })).body.total).toBe(0);
  });

  it('re-ingests after a crashed attempt by overwriting its curated objects, once, whatever the duplicate deliveries', async () => {
    const owner = await createSession('user');
    const content = [post, reaction, secondPost].map((record) => JSON.stringify(record)).join('\n');
    const id = (await uploadDataset(owner, content)).body.id;
    const first = await ingested(owner, id);
    expect(first.status).toBe('ready');
    const objects = await keysOf(`curated/user=${owner.id}/`);
    expect(objects).toHaveLength(2);
    const prefix = objects[0]!.slice(0, objects[0]!.lastIndexOf('/') + 1);

    // What a worker that died mid-ingestion leaves: the job active under an expired lease, nothing
    // committed (no outcome, event or notification), a posts object cut short and an object of a kind
    // this dataset does not even have.
    await dataSource.query(
      `UPDATE datasets SET status = 'ingesting', lease_owner = 'crashed-worker', lease_expires_at = now() - interval '1 second',
              record_count = 0, record_kinds = '{}', error_count = 0, line_errors = '[]', ingested_at = NULL, row_version = row_version + 1
        WHERE id = $1`,
      [id],
    );
    await dataSource.query(`DELETE FROM notifications WHERE subject_id = $1`, [id]);
    await dataSource.query(`DELETE FROM events WHERE subject_id = $1`, [id]);
    await storage.putBuffer(`${prefix}social.posts.jsonl`, Buffer.from(`${JSON.stringify(post)}\n`));
    await storage.putBuffer(`${prefix}social.messages.jsonl`, Buffer.from(`${JSON.stringify(message)}\n`));

    // The queue redelivers, twice: one delivery claims the job, the other finds nothing to claim.
    await queue.send({ type: 'dataset.ingest', id });
    await queue.send({ type: 'dataset.ingest', id });
    const again = await ingested(owner, id);
    expect(again).toMatchObject({ status: 'ready', recordCount: 3, recordKinds: { 'social.posts': 2, 'social.reactions': 1 }, errorCount: 0 });

    expect(await keysOf(`curated/user=${owner.id}/`)).toEqual(objects);
    const row = { ...again, curatedPrefix: prefix };
    expect(await recordsOf(row, 'social.posts')).toEqual([post, secondPost]);
    expect(await recordsOf(row, 'social.reactions')).toEqual([reaction]);
    const notifications = await api('GET', '/notifications', { token: owner.token });
    expect(notifications.body.items.map((item: any) => item.type)).toEqual(['dataset.ready']);
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM events WHERE subject_id = $1`, [id]);
    expect(count).toBe(1);
  });
});

/** The curated folder of an exported archive: under the format asked for (`auto` until it is read). */
function curatedFolder(owner: Session, dataset: any): string {
  return `curated/user=${owner.id}/source=${dataset.source}/date=${partitionDate(new Date(dataset.ingestedAt))}/dataset=${dataset.id}/`;
}

async function curatedRecords(owner: Session, dataset: any): Promise<Record<string, unknown[]>> {
  const row = { ...dataset, curatedPrefix: curatedFolder(owner, dataset) };
  const byKind: Record<string, unknown[]> = {};
  for (const kind of Object.keys(dataset.recordKinds)) byKind[kind] = await recordsOf(row, kind);
  return byKind;
}

describe('datasets from platform exports', () => {
  it('ingests an X archive (auto) to the exact counts per kind, with its report, the same records as the library reads', async () => {
    const owner = await createSession('user');
    const archive = await xArchive2022();
    const accepted = await uploadDataset(owner, archive, { format: 'auto', filename: 'twitter-2026-01-05.zip' });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ format: 'auto', source: 'auto', report: null });

    const dataset = await ingested(owner, accepted.body.id);
    expect(dataset).toMatchObject({
      status: 'ready',
      recordCount: 17,
      recordKinds: { 'social.posts': 8, 'social.reactions': 4, 'social.messages': 5 },
      errorCount: 0,
      lineErrors: [],
      report: {
        status: 'ready',
        requestedFormat: 'auto',
        format: 'x-archive',
        detected: 'data/manifest.js and data/tweets.js: an X archive (2022+ layout)',
        archive: true,
        records: { 'social.posts': 8, 'social.reactions': 4, 'social.messages': 5 },
        recordCount: 17,
        alreadyPresent: 0,
      },
    });
    expect(dataset.report.files.map((file: any) => [file.name, file.records])).toEqual([
      ['data/account.js', {}],
      ['data/tweets.js', { 'social.posts': 5 }],
      ['data/tweets-part1.js', { 'social.posts': 3 }],
      ['data/like.js', { 'social.reactions': 4 }],
      ['data/direct-messages.js', { 'social.messages': 3 }],
      ['data/direct-messages-group.js', { 'social.messages': 2 }],
    ]);
    expect(dataset.report.notRead.map((file: any) => file.name)).toContain('data/deleted-tweets.js');

    // Entities unescaped, t.co links expanded, counts as numbers, likes without a time: as the library reads them.
    const { records } = await collectIngest(archive, { format: 'auto' });
    const curated = await curatedRecords(owner, dataset);
    for (const kind of ['social.posts', 'social.reactions', 'social.messages'] as const) expect(curated[kind]).toEqual(ofKind(records, kind));
    expect(curated['social.reactions']!.every((reaction: any) => reaction.timestamp === undefined)).toBe(true);
    // The raw zone keeps the archive as received.
    const [rawKey] = await keysOf(`raw/user=${owner.id}/`);
    expect((await storage.getBuffer(rawKey!, { maxBytes: 4 * MiB })).equals(archive)).toBe(true);

    const listed = await api('GET', '/datasets', { token: owner.token });
    expect(listed.body.items[0].report).toBeUndefined();
  });

  it('ingests a Reddit data request to the exact counts, never curating the ip column', async () => {
    const owner = await createSession('user');
    const archive = await redditArchive();
    const dataset = await ingested(owner, (await uploadDataset(owner, archive, { format: 'reddit', filename: 'export.zip' })).body.id);
    expect(dataset).toMatchObject({
      status: 'ready',
      source: 'reddit',
      recordCount: 13,
      recordKinds: { 'social.posts': 2, 'social.comments': 3, 'social.reactions': 8 },
      report: { status: 'ready', format: 'reddit', records: { 'social.posts': 2, 'social.comments': 3, 'social.reactions': 8 } },
    });
    const curatedText = JSON.stringify(await curatedRecords(owner, dataset));
    for (const ip of SAMPLE_IPS) expect(curatedText).not.toContain(ip);
    const raw = await storage.getBuffer((await keysOf(`raw/user=${owner.id}/`))[0]!, { maxBytes: 4 * MiB });
    expect(raw.equals(archive)).toBe(true);
  });

  /** What the library reads from an archive, each stable key once: what the dataset must curate, per kind. */
  async function expectedCurated(archive: Buffer): Promise<Record<string, unknown[]>> {
    const { records } = await collectIngest(archive, { format: 'auto' });
    const seen = new Set<string>();
    const byKind: Record<string, unknown[]> = {};
    for (const record of records) {
      const key = recordKey(record);
      if (seen.has(key)) continue;
      seen.add(key);
      (byKind[record.kind] ??= []).push(record);
    }
    return byKind;
  }

  it('ingests a Facebook export with its mojibake repaired (Danish, German, emoji)', async () => {
    const owner = await createSession('user');
    const archive = await facebook2024Archive();
    const dataset = await ingested(owner, (await uploadDataset(owner, archive, { format: 'auto', filename: 'facebook.zip' })).body.id);
    expect(dataset).toMatchObject({
      status: 'ready',
      recordKinds: { 'social.posts': 4, 'social.comments': 3, 'social.reactions': 4, 'social.messages': 4 },
      report: { format: 'facebook', recordCount: 15 },
    });
    const curated = await curatedRecords(owner, dataset);
    expect(curated).toEqual(await expectedCurated(archive));
    const texts = curated['social.posts']!.map((post: any) => post.text);
    expect(texts).toEqual(expect.arrayContaining(['Smørrebrød på Nørrebro med gamle venner 🥪🇩🇰', 'Grüße aus München! Die Brezn sind größer als gedacht 🥨']));
  });

  it('ingests a German Google Takeout, its localized folders found, a removed video kept as removed', async () => {
    const owner = await createSession('user');
    const archive = await takeoutGermanArchive();
    const dataset = await ingested(owner, (await uploadDataset(owner, archive, { format: 'auto', filename: 'takeout.zip' })).body.id);
    expect(dataset).toMatchObject({ status: 'ready', report: { format: 'google-takeout', status: 'ready' } });
    const expected = await expectedCurated(archive);
    expect(dataset.recordKinds).toEqual(Object.fromEntries(Object.entries(expected).map(([kind, records]) => [kind, records.length])));
    expect(Object.keys(dataset.recordKinds).sort()).toEqual(['location.points', 'location.visits', 'media.watch', 'search.queries']);
    const curated = await curatedRecords(owner, dataset);
    expect(curated).toEqual(expected);
    expect(curated['media.watch']).toEqual(expect.arrayContaining([expect.objectContaining({ removed: true })]));
  });

  it('reads a CSV with the mapping given at upload', async () => {
    const owner = await createSession('user');
    const csv = 'Date,Body,Hearts\n2024-03-01 10:00:00,first,3\nnot a date,second,1\n2024-03-02 11:30:00,third,\n';
    const mapping = {
      kind: 'social.posts',
      platform: 'other',
      fields: { timestamp: 'Date', text: 'Body', likes: 'Hearts' },
      values: { type: 'post' },
      timestampFormat: 'utc-datetime',
    };
    const dataset = await ingested(
      owner,
      (await uploadDataset(owner, csv, { format: 'csv', filename: 'posts.csv', mapping: JSON.stringify(mapping) })).body.id,
    );
    expect(dataset).toMatchObject({ status: 'ready', recordCount: 2, errorCount: 1, lineErrors: [{ line: 3, reason: expect.any(String) }] });
    expect((await curatedRecords(owner, dataset))['social.posts']).toEqual([
      { kind: 'social.posts', timestamp: '2024-03-01T10:00:00Z', platform: 'other', type: 'post', text: 'first', likes: 3 },
      { kind: 'social.posts', timestamp: '2024-03-02T11:30:00Z', platform: 'other', type: 'post', text: 'third' },
    ]);
  });

  it('keeps every record of the same archive uploaded twice, says the second had them all already, and deleting the first leaves the second complete', async () => {
    const owner = await createSession('user');
    const archive = await xArchive2022();
    const first = await ingested(owner, (await uploadDataset(owner, archive, { format: 'x-archive', name: 'first' })).body.id);
    const second = await ingested(owner, (await uploadDataset(owner, archive, { format: 'x-archive', name: 'second' })).body.id);
    expect(first.report.alreadyPresent).toBe(0);
    expect(second).toMatchObject({ status: 'ready', recordCount: 17, report: { alreadyPresent: 17 } });
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM record_keys WHERE user_id = $1`, [owner.id]);
    expect(count).toBe(34);

    const before = await curatedRecords(owner, second);
    expect((await api('DELETE', `/datasets/${first.id}`, { token: owner.token })).status).toBe(204);
    expect(await curatedRecords(owner, second)).toEqual(before);
    const keys = await dataSource.query(`SELECT dataset_id FROM record_keys WHERE user_id = $1`, [owner.id]);
    expect(keys).toHaveLength(17);
    expect(keys.every((row: any) => row.dataset_id === second.id)).toBe(true);
  });
});
