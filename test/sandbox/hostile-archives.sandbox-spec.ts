// Hostile archives through the platform (issue 14, item 8): a ZIP bomb, an encrypted entry, overlapping
// entries, names with `..`, too many entries and archives inside the archive, each uploaded through the
// API and ingested by a real worker. Each ends with its own reason in the dataset's report, nothing
// curated (no object, no record key) when it fails, and the worker alive: the same process, still
// ingesting. On a stack of its own, with the entries cap lowered so that "too many" is a small upload.
import { ObjectStorageRepository } from '@lockbox/storage';
import { blankBomb, encryptedArchive, hostileNames, manyEntries, nestedArchives, overlappingBomb } from '../../libs/exports/test-fixtures/hostile-archives';
import { xArchive2022 } from '../../libs/exports/test-fixtures/x-archive-sample';
import { RawZipBuilder } from '../../libs/exports/test-fixtures/zip-writer';
import { FaultStack } from '../support/fault-stack';
import { api, createSession, eventually, type Session, upload } from '../support/session';

jest.setTimeout(120_000);

const MAX_ENTRIES = 1_000;

let stack: FaultStack;
let storage: ObjectStorageRepository;
let user: Session;

beforeAll(async () => {
  stack = await FaultStack.start({
    label: 'hostile-archives',
    workers: 1,
    env: { LOCKBOX_EXPORT_MAX_ENTRIES: String(MAX_ENTRIES), LOCKBOX_DATASET_UPLOAD_MAX_BYTES: String(16 * 1024 * 1024) },
  });
  storage = new ObjectStorageRepository(stack.config.s3);
  user = await createSession('user');
}, 180_000);

afterAll(async () => {
  await storage?.onApplicationShutdown();
  await stack?.stop();
});

async function ingest(archive: Buffer, format = 'auto'): Promise<any> {
  const accepted = await upload(
    '/datasets',
    [
      { name: 'format', content: format },
      { name: 'file', content: archive, filename: 'export.zip', contentType: 'application/zip' },
    ],
    { token: user.token },
  );
  expect(accepted.status).toBe(202);
  return eventually(
    async () => {
      const response = await api('GET', `/datasets/${accepted.body.id}`, { token: user.token });
      return ['ready', 'failed'].includes(response.body.status) ? response.body : undefined;
    },
    60_000,
    `ingestion of dataset ${accepted.body.id}`,
  );
}

/** What a dataset left: its curated objects (erased once its failure is recorded) and its record keys. */
async function leftBehind(dataset: any): Promise<{ objects: string[]; keys: number }> {
  const objects = async () =>
    (await storage.list(`curated/user=${user.id}/`)).map((object) => object.key).filter((key) => key.includes(`/dataset=${dataset.id}/`));
  await eventually(async () => ((await objects()).length === 0 ? true : undefined), 10_000, `the curated objects of ${dataset.id} to go`).catch(
    () => undefined,
  );
  const [row] = await stack.query<{ count: number }>(`SELECT count(*)::int AS count FROM record_keys WHERE dataset_id = $1`, [dataset.id]);
  return { objects: await objects(), keys: row!.count };
}

async function expectFailedWith(dataset: any, reason: string): Promise<void> {
  expect(dataset).toMatchObject({ status: 'failed', recordCount: 0, report: { status: 'failed', failure: { reason } } });
  expect(dataset.failureMessage).toBe(dataset.report.failure.message);
  expect(await leftBehind(dataset)).toEqual({ objects: [], keys: 0 });
}

describe('hostile archives through the platform', () => {
  let workerPid: number;

  beforeAll(() => {
    workerPid = stack.workers[0]!.pid;
  });

  it('fails a ZIP bomb (past the inflate ratio) with zip_bomb, curating nothing', async () => {
    const bomb = blankBomb(10 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expectFailedWith(await ingest(bomb), 'zip_bomb');
  });

  it('fails an archive with an encrypted entry with encrypted, and overlapping entries with overlapping_entries', async () => {
    await expectFailedWith(await ingest(encryptedArchive()), 'encrypted');
    await expectFailedWith(await ingest(overlappingBomb()), 'overlapping_entries');
  });

  it('takes exactly the entries cap and fails one entry more with too_many_entries', async () => {
    const atCap = await ingest(manyEntries(MAX_ENTRIES));
    expect(atCap).toMatchObject({ status: 'ready', recordKinds: { 'social.posts': 1 }, report: { entries: MAX_ENTRIES } });
    await expectFailedWith(await ingest(manyEntries(MAX_ENTRIES + 1)), 'too_many_entries');
  });

  it('never reads an entry whose name climbs out with .., listing it with why, and fails an archive of nothing else', async () => {
    const mixed = await ingest(hostileNames());
    expect(mixed).toMatchObject({ status: 'ready', recordKinds: { 'social.posts': 2 } });
    expect(mixed.report.notRead).toEqual(
      expect.arrayContaining([
        { name: '../../etc/tweets.js', reason: 'unsafe_name', detail: expect.stringMatching(/'\.\.' segment/) },
        { name: 'data/../../tweets.js', reason: 'unsafe_name', detail: expect.stringMatching(/'\.\.' segment/) },
      ]),
    );

    const zip = new RawZipBuilder();
    zip.add('../../data/tweets.js', Buffer.from('window.YTD.tweets.part0 = []'));
    zip.add('data/../like.js', Buffer.from('window.YTD.like.part0 = []'));
    const climbing = await ingest(zip.toBuffer(), 'x-archive');
    await expectFailedWith(climbing, 'no_records');
    expect(climbing.report.notRead.map((file: any) => [file.name, file.reason])).toEqual([
      ['../../data/tweets.js', 'unsafe_name'],
      ['data/../like.js', 'unsafe_name'],
    ]);
  });

  it('lists archives inside the archive as nested_archive and never opens them', async () => {
    const nested = await ingest(await nestedArchives());
    expect(nested).toMatchObject({ status: 'ready', recordKinds: { 'social.posts': 2 } });
    expect(nested.report.notReadCounts).toMatchObject({ nested_archive: 3 });
  });

  it('leaves the worker alive: the same process, still ingesting', async () => {
    expect(stack.workers[0]!.alive).toBe(true);
    expect(stack.workers[0]!.pid).toBe(workerPid);
    const healthy = await ingest(await xArchive2022());
    expect(healthy).toMatchObject({ status: 'ready', recordCount: 17 });
  });
});
