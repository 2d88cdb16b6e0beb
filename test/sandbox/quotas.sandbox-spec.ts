// Per-user quotas: one account cannot hold or queue without bound. Each quota is tested on both sides on
// a stack of its own with small limits (the shared test stack keeps the defaults), and with requests at
// once, which must not both take the last slot. A request over a quota is answered 429 with the quota,
// its limit and what the caller has in use, and changes nothing.
import { join } from 'node:path';
import { ObjectStorageRepository } from '@lockbox/storage';
// The plan of the very SQL GET /runs sends is what shows it scans the queue once: no alias reaches an app.
// eslint-disable-next-line no-restricted-imports
import { QUEUE_POSITIONS_SQL, RUN_PAGE_SQL } from '../../apps/api/src/runs/run.view';
import { publishTestAnalysis, type PublishedTestAnalysis, testManifest } from '../support/analysis-images';
import { FaultStack } from '../support/fault-stack';
import { fieldPart, fileHead, RawConnection } from '../support/raw-http';
import { openS3rverUploads } from '../support/s3rver-uploads';
import { api, createSession, eventually, type Session, upload } from '../support/session';
import { SLEEPER_CONSENT, readyDataset } from '../support/sleeper-analysis';
import { EventStreamRefused, openEventStream } from '../support/sse';

jest.setTimeout(120_000);

const KiB = 1024;
const QUOTAS = { activeRuns: 3, datasets: 3, datasetBytes: 1024 * KiB, pendingSubmissions: 2, sseConnections: 2 };

let stack: FaultStack;
let storage: ObjectStorageRepository;
/** Published while the stack had a worker for checks and ingestion; no worker runs anything after that. */
let analysis: PublishedTestAnalysis;
let runner: Session;
let runnerDataset: string;
/** Another user with a ready dataset, whose run queues behind the runner's. */
let other: Session;
let otherDataset: string;

beforeAll(async () => {
  stack = await FaultStack.start({
    label: 'quotas',
    workers: 1,
    env: {
      LOCKBOX_QUOTA_ACTIVE_RUNS: String(QUOTAS.activeRuns),
      LOCKBOX_QUOTA_DATASETS: String(QUOTAS.datasets),
      LOCKBOX_QUOTA_DATASET_BYTES: String(QUOTAS.datasetBytes),
      LOCKBOX_QUOTA_PENDING_SUBMISSIONS: String(QUOTAS.pendingSubmissions),
      LOCKBOX_QUOTA_SSE_CONNECTIONS: String(QUOTAS.sseConnections),
      // The worker checks the analysis and ingests a dataset, but never takes a run: runs stay queued.
      LOCKBOX_WORKER_QUEUES: 'checks,ingest',
    },
  });
  storage = new ObjectStorageRepository(stack.config.s3);
  [runner, other] = await Promise.all([createSession('user'), createSession('user')]);
  [analysis, runnerDataset, otherDataset] = await Promise.all([
    publishTestAnalysis({ base: 'busybox', manifest: { title: 'Quota probe', entrypoint: ['/bin/true'], scopes: SLEEPER_CONSENT.scopes } }),
    readyDataset(runner),
    readyDataset(other),
  ]);
  // From here on submissions stay pending: nothing checks them.
  await Promise.all(stack.workers.map((worker) => worker.kill('SIGKILL')));
}, 300_000);

afterAll(async () => {
  await storage?.onApplicationShutdown();
  await stack?.stop();
});

function jsonl(bytes: number): Buffer {
  const record = JSON.stringify({ kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', likes: 1, text: '' });
  const line = (text: string) => `${record.slice(0, -3)}"${text}"}\n`;
  const padding = bytes - line('').length;
  if (padding < 0) throw new Error(`a dataset of ${bytes} bytes is too small for one record`);
  return Buffer.from(line('x'.repeat(padding)));
}

async function uploadDataset(user: Session, bytes = 200): Promise<{ status: number; body: any }> {
  return upload(
    '/datasets',
    [
      { name: 'format', content: 'lockbox-jsonl' },
      { name: 'file', content: jsonl(bytes), filename: 'export.jsonl', contentType: 'application/x-ndjson' },
    ],
    { token: user.token },
  );
}

async function rawObjects(user: Session): Promise<number[]> {
  return (await storage.list(`raw/user=${user.id}/`)).map((object) => object.size).sort((a, b) => a - b);
}

function statuses(answers: Array<{ status: number }>): number[] {
  return answers.map((answer) => answer.status).sort();
}

describe('per-user quotas', () => {
  it('keeps a user to LOCKBOX_QUOTA_DATASETS datasets: the last slot goes to one of three uploads at once, and deleting one frees it', async () => {
    const user = await createSession('user');
    for (let n = 0; n < QUOTAS.datasets - 1; n++) expect((await uploadDataset(user)).status).toBe(202);
    const racing = await Promise.all([uploadDataset(user), uploadDataset(user), uploadDataset(user)]);
    expect(statuses(racing)).toEqual([202, 429, 429]);
    for (const refused of racing.filter((answer) => answer.status === 429)) {
      expect(refused.body).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `You have ${QUOTAS.datasets} datasets, the most allowed (${QUOTAS.datasets}); delete one to upload another`,
        quota: 'datasets',
        limit: QUOTAS.datasets,
        inUse: QUOTAS.datasets,
        correlationId: expect.any(String),
      });
    }
    const listed = await api('GET', '/datasets', { token: user.token });
    expect(listed.body.total).toBe(QUOTAS.datasets);
    expect(await rawObjects(user)).toHaveLength(QUOTAS.datasets);

    expect((await api('DELETE', `/datasets/${listed.body.items[0].id}`, { token: user.token })).status).toBe(204);
    expect((await uploadDataset(user)).status).toBe(202);
  });

  it("keeps the bytes of a user's datasets to LOCKBOX_QUOTA_DATASET_BYTES: exactly the limit is taken, a byte more is not, nor the second of two at once", async () => {
    const user = await createSession('user');
    const first = 600 * KiB;
    expect((await uploadDataset(user, first)).status).toBe(202);
    const tooMuch = await uploadDataset(user, 600 * KiB);
    expect(tooMuch).toMatchObject({ status: 429, body: { quota: 'dataset_bytes', limit: QUOTAS.datasetBytes, inUse: first } });
    expect(await rawObjects(user)).toEqual([first]);
    // One byte over what is left, then exactly what is left.
    expect(await uploadDataset(user, QUOTAS.datasetBytes - first + 1)).toMatchObject({ status: 429, body: { quota: 'dataset_bytes', inUse: first } });
    expect((await uploadDataset(user, QUOTAS.datasetBytes - first)).status).toBe(202);
    // Full: refused before a byte of the upload is read.
    expect(await uploadDataset(user, 200)).toMatchObject({ status: 429, body: { quota: 'dataset_bytes', inUse: QUOTAS.datasetBytes } });
    expect(await rawObjects(user)).toEqual([QUOTAS.datasetBytes - first, first].sort((a, b) => a - b));

    // Each fits alone, not both: both stream, the transaction that records them lets one in.
    const racer = await createSession('user');
    const racing = await Promise.all([uploadDataset(racer, 600 * KiB), uploadDataset(racer, 600 * KiB)]);
    expect(statuses(racing)).toEqual([202, 429]);
    expect(await rawObjects(racer)).toEqual([600 * KiB]);
    expect((await api('GET', '/datasets', { token: racer.token })).body.total).toBe(1);
  });

  it('keeps a user to LOCKBOX_QUOTA_ACTIVE_RUNS runs queued or running: three of five at once, one more once one is cancelled', async () => {
    const request = () =>
      api('POST', '/runs', { token: runner.token, body: { analysis: analysis.slug, datasetIds: [runnerDataset], consent: SLEEPER_CONSENT } });
    const racing = await Promise.all(Array.from({ length: 5 }, request));
    expect(statuses(racing)).toEqual([202, 202, 202, 429, 429]);
    expect(racing.find((answer) => answer.status === 429)!.body).toMatchObject({
      quota: 'active_runs',
      limit: QUOTAS.activeRuns,
      inUse: QUOTAS.activeRuns,
      message: `You have ${QUOTAS.activeRuns} runs queued or running, the most allowed at once (${QUOTAS.activeRuns}); wait for some to finish, or cancel some`,
    });
    expect((await api('GET', '/runs', { token: runner.token })).body.total).toBe(QUOTAS.activeRuns);

    const cancelled = racing.find((answer) => answer.status === 202)!.body.id;
    expect((await api('POST', `/runs/${cancelled}/cancel`, { token: runner.token })).status).toBe(200);
    expect((await request()).status).toBe(202);
    expect((await request()).status).toBe(429);
  });

  it('shows queued runs their place in the whole queue, found in one pass over it rather than one per row', async () => {
    // The runner's three queued runs (previous test) come first; another user's run is behind them all.
    const behind = await api('POST', '/runs', { token: other.token, body: { analysis: analysis.slug, datasetIds: [otherDataset], consent: SLEEPER_CONSENT } });
    expect(behind.body.queuePosition).toBe(QUOTAS.activeRuns);

    const page = await api('GET', '/runs?limit=100', { token: runner.token });
    const queued = page.body.items.filter((run: any) => run.status === 'queued');
    expect(queued.map((run: any) => run.queuePosition).sort()).toEqual([0, 1, 2]);
    expect(page.body.items.filter((run: any) => run.status !== 'queued').every((run: any) => run.queuePosition === null)).toBe(true);
    for (const run of queued) expect((await api('GET', `/runs/${run.id}`, { token: runner.token })).body.queuePosition).toBe(run.queuePosition);

    // What GET /runs asks PostgreSQL, as it plans and runs it: the page without any subquery, then the
    // positions of all its queued runs with each scan of the runs table done once.
    const plan = async (sql: string, parameters: unknown[]) =>
      (await stack.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, parameters))[0]!['QUERY PLAN'][0]!.Plan;
    const pagePlan = await plan(RUN_PAGE_SQL, [runner.id, 100, 0]);
    expect(nodesOf(pagePlan).filter((node) => node['Parent Relationship'] === 'SubPlan')).toEqual([]);
    const positionsPlan = await plan(QUEUE_POSITIONS_SQL, [queued.map((run: any) => run.id)]);
    const runScans = nodesOf(positionsPlan).filter((node) => node['Relation Name'] === 'runs');
    expect(runScans.length).toBeGreaterThan(0);
    expect(runScans.map((node) => node['Actual Loops'])).toEqual(runScans.map(() => 1));
  });

  it('keeps a developer to LOCKBOX_QUOTA_PENDING_SUBMISSIONS submissions waiting for a verdict, storing nothing of one refused', async () => {
    const developer = await createSession('developer');
    const manifests = Array.from({ length: 3 }, () => testManifest({ entrypoint: ['/bin/true'] }));
    const image = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(64 * KiB)]);
    const submit = (manifest: (typeof manifests)[number]) =>
      upload(
        '/submissions',
        [
          { name: 'manifest', content: JSON.stringify(manifest) },
          { name: 'image', content: image, filename: 'image.tar', contentType: 'application/x-tar' },
        ],
        { token: developer.token },
      );
    const racing = await Promise.all(manifests.map(submit));
    expect(statuses(racing)).toEqual([202, 202, 429]);
    expect(racing.find((answer) => answer.status === 429)!.body).toMatchObject({
      quota: 'pending_submissions',
      limit: QUOTAS.pendingSubmissions,
      inUse: QUOTAS.pendingSubmissions,
    });
    const refused = manifests[racing.findIndex((answer) => answer.status === 429)]!;
    expect(await storage.list(`submissions/${refused.name}/`)).toEqual([]);
    expect(openS3rverUploads(join(stack.home, 's3'), stack.config.s3.bucket, `submissions/${refused.name}/`)).toEqual([]);
    expect((await api('GET', '/submissions', { token: developer.token })).body.total).toBe(QUOTAS.pendingSubmissions);

    // At the quota, a submission is answered before its body is read: the image is never sent.
    const early = await RawConnection.open(stack.apiUrl);
    try {
      await early.startMultipart('/submissions', developer.token, 100 * 1024 * KiB);
      await early.write(Buffer.concat([fieldPart('manifest', JSON.stringify(testManifest({ entrypoint: ['/bin/true'] }))), fileHead('image')]));
      expect(await early.answer()).toMatchObject({ status: 429, body: { quota: 'pending_submissions' } });
    } finally {
      early.destroy();
    }
  });

  it('keeps a user to LOCKBOX_QUOTA_SSE_CONNECTIONS event streams at once, and a closed one frees its slot', async () => {
    const user = await createSession('user');
    const open = Array.from({ length: QUOTAS.sseConnections }, () => openEventStream({ token: user.token }));
    const streams = await Promise.all(open);
    const refused = await openEventStream({ token: user.token }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EventStreamRefused);
    expect((refused as EventStreamRefused).status).toBe(429);
    expect(JSON.parse((refused as EventStreamRefused).body)).toMatchObject({
      quota: 'sse_connections',
      limit: QUOTAS.sseConnections,
      inUse: QUOTAS.sseConnections,
    });
    // Another user's streams are theirs alone.
    const stranger = await openEventStream({ token: (await createSession('user')).token });
    stranger.close();

    streams[0]!.close();
    const reopened = await eventually(() => openEventStream({ token: user.token }).catch(() => undefined), 10_000, 'a freed event-stream slot');
    expect(reopened.status).toBe(200);
    for (const stream of [...streams.slice(1), reopened]) stream.close();
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Parent Relationship'?: string;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}
