import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '@lockbox/config';
import { QueueRepository } from '@lockbox/queue';
import { dockerClientFor } from '@lockbox/sandbox';
import { ObjectStorageRepository } from '@lockbox/storage';
import { buildTestAnalysisImage, publishTestAnalysis, type PublishedTestAnalysis, removeLocalImage } from '../support/analysis-images';
import { api, createSession, eventually, type Session, upload } from '../support/session';

// The stack's own Docker Engine, S3, SQS and PostgreSQL: to look at containers, audit rows and staging
// directories, to take an image away and to deliver a message twice. The API shows none of these.
const config = loadConfig();
const docker = dockerClientFor(config.docker.host);
const storage = new ObjectStorageRepository(config.s3);
const queues = new QueueRepository(config.sqs);

afterAll(async () => {
  await storage.onApplicationShutdown();
  await queues.onApplicationShutdown();
});

async function query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
  const database = new Client({ connectionString: config.database.url });
  await database.connect();
  try {
    return (await database.query(sql, parameters)).rows as T[];
  } finally {
    await database.end();
  }
}

const post = { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'private words', likes: 3, comments: 1, shares: 0 };
const reply = { kind: 'social.posts', timestamp: '2026-01-06T08:00:00Z', platform: 'reddit', type: 'reply', text: 'more private words', likes: 0 };
const comment = { kind: 'social.comments', timestamp: '2026-01-05T19:00:00Z', platform: 'facebook', text: 'not consented', likes: 2 };
const CONSENT = { scopes: { 'social.posts': ['timestamp', 'likes'] } };

/**
 * Prints its uid, its run.json and every key of every record it is given, and reports them in its result:
 * what it sees is what the platform staged.
 */
const PROBE_SCRIPT = `set -e
echo "uid=$(id -u)"
cat /input/run.json
echo '{"progress":0.5,"message":"reading records"}' >&2
keys=$( (cat /input/data/*.jsonl 2>/dev/null || true) | grep -o '"[A-Za-z_]*":' | tr -d '":' | sort -u | tr '\\n' ',' | sed 's/,$//')
files=$(ls /input/data | tr '\\n' ' ' | sed 's/ $//')
echo "keys seen: $keys"
printf '{"schemaVersion":1,"summary":"keys: %s","blocks":[{"type":"markdown","text":"files: %s"}]}\\n' "$keys" "$files" > /output/result.json
`;

/** Says whose kernel it runs on: gVisor's dmesg is its own, and unprivileged; the host's is not readable. */
const KERNEL_SCRIPT = `if dmesg 2>/dev/null | grep -q gVisor; then kernel=gVisor; else kernel=host; fi
printf '{"schemaVersion":1,"summary":"kernel: %s","blocks":[]}\\n' "$kernel" > /output/result.json
`;

async function uploadDataset(user: Session, records: object[]): Promise<string> {
  const content = records.map((record) => JSON.stringify(record)).join('\n');
  const accepted = await upload(
    '/datasets',
    [
      { name: 'format', content: 'lockbox-jsonl' },
      { name: 'file', content: Buffer.from(content), filename: 'export.jsonl', contentType: 'application/x-ndjson' },
    ],
    { token: user.token },
  );
  expect(accepted.status).toBe(202);
  await eventually(
    async () => {
      const response = await api('GET', `/datasets/${accepted.body.id}`, { token: user.token });
      return ['ready', 'failed'].includes(response.body.status) ? response.body.status : undefined;
    },
    60_000,
    'dataset ingestion',
  );
  return accepted.body.id;
}

function runRequest(analysis: PublishedTestAnalysis, datasetIds: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { analysis: analysis.slug, datasetIds, consent: CONSENT, ...extra };
}

async function finished(user: Session, runId: string, timeoutMs = 90_000): Promise<any> {
  return eventually(
    async () => {
      const response = await api('GET', `/runs/${runId}`, { token: user.token });
      expect(response.status).toBe(200);
      return ['queued', 'running'].includes(response.body.status) ? undefined : response.body;
    },
    timeoutMs,
    `run ${runId} to finish`,
  );
}

async function runningRun(user: Session, runId: string): Promise<any> {
  return eventually(
    async () => {
      const response = await api('GET', `/runs/${runId}`, { token: user.token });
      return response.body.status === 'running' ? response.body : undefined;
    },
    90_000,
    `run ${runId} to start`,
  );
}

async function notificationsAbout(user: Session, runId: string): Promise<any[]> {
  const response = await api('GET', '/notifications?limit=100', { token: user.token });
  expect(response.status).toBe(200);
  return response.body.items.filter((notification: any) => notification.subjectId === runId);
}

async function runCount(user: Session): Promise<number> {
  return (await api('GET', '/runs', { token: user.token })).body.total;
}

describe('runs', () => {
  let user: Session;
  let stranger: Session;
  let probe: PublishedTestAnalysis;
  let slow: PublishedTestAnalysis;
  let crash: PublishedTestAnalysis;
  let datasetId: string;
  let image: Awaited<ReturnType<typeof buildTestAnalysisImage>>;
  const leftRunning = new Set<string>();

  beforeAll(async () => {
    [user, stranger] = await Promise.all([createSession('user'), createSession('user')]);
    // One image, three analyses: each manifest gives the same image another entrypoint.
    image = await buildTestAnalysisImage('busybox', { 'probe.sh': PROBE_SCRIPT, 'kernel.sh': KERNEL_SCRIPT });
    const developer = await createSession('developer');
    probe = await publishTestAnalysis({
      base: 'busybox',
      image,
      developer,
      manifest: {
        title: 'Key probe',
        entrypoint: ['/bin/sh', '/app/probe.sh'],
        params: { type: 'object', additionalProperties: false, properties: { greeting: { type: 'string', maxLength: 20 } } },
      },
    });
    slow = await publishTestAnalysis({
      base: 'busybox',
      image,
      developer,
      manifest: {
        title: 'Slow sleeper',
        entrypoint: ['/bin/sh', '-c', `echo started; echo '{"progress":0.25,"message":"waiting"}' >&2; sleep 300`],
        resources: { memory: '128m', cpu: 0.25, timeout: 600, output: '1m' },
      },
    });
    crash = await publishTestAnalysis({
      base: 'busybox',
      image,
      developer,
      manifest: { title: 'Crasher', entrypoint: ['/bin/sh', '-c', 'echo "about to crash"; echo "something broke" >&2; exit 3'] },
    });
    // The checks left the image in this engine; without it, the first run must load it from S3.
    await removeLocalImage(image.imageId);
    datasetId = await uploadDataset(user, [post, comment, reply]);
  }, 300_000);

  afterAll(async () => {
    for (const runId of leftRunning) await api('POST', `/runs/${runId}/cancel`, { token: user.token });
    if (image) await removeLocalImage(image.imageId);
  });

  it('runs an analysis on the consented fields only, and keeps its result, logs and one notification', async () => {
    const accepted = await api('POST', '/runs', { token: user.token, body: runRequest(probe, [datasetId], { params: { greeting: 'hello' } }) });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      status: 'queued',
      reason: null,
      analysis: { slug: probe.slug, version: '1.0.0', title: 'Key probe' },
      datasetIds: [datasetId],
      params: { greeting: 'hello' },
      consent: { scopes: CONSENT.scopes, imageId: probe.imageId, grantedAt: expect.any(String) },
      finishedAt: null,
      queuePosition: expect.any(Number),
      runningForSeconds: null,
    });
    const runId = accepted.body.id;

    const run = await finished(user, runId);
    expect(run).toMatchObject({
      status: 'succeeded',
      reason: null,
      message: 'keys: kind,likes,timestamp',
      resultSummary: 'keys: kind,likes,timestamp',
      attempts: 1,
      progress: 1,
      hasResult: true,
      hasLogs: true,
    });
    expect(run.containerMs).toEqual(expect.any(Number));
    // Where a run is only shows while it is queued or running.
    expect(run).toMatchObject({ queuePosition: null, runningForSeconds: null });
    expect(new Date(run.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(run.queuedAt).getTime());
    expect(new Date(run.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(run.startedAt).getTime());

    // Only kind + the consented fields, and only the consented kind's file.
    const result = await api('GET', `/runs/${runId}/result`, { token: user.token });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      schemaVersion: 1,
      summary: 'keys: kind,likes,timestamp',
      blocks: [{ type: 'markdown', text: 'files: social.posts.jsonl' }],
    });

    const logs = await api('GET', `/runs/${runId}/logs`, { token: user.token });
    expect(logs.status).toBe(200);
    expect(logs.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(logs.body).toContain('uid=10001');
    expect(logs.body).toContain('keys seen: kind,likes,timestamp');
    expect(logs.body).not.toContain('private words');
    const runJson = JSON.parse(
      String(logs.body)
        .split('\n')
        .find((line: string) => line.startsWith('{"runId"'))!,
    );
    expect(runJson).toEqual({ runId, analysis: probe.slug, version: '1.0.0', params: { greeting: 'hello' }, scopes: CONSENT.scopes });

    const notifications = await notificationsAbout(user, runId);
    expect(notifications).toEqual([expect.objectContaining({ type: 'run.succeeded', title: 'Key probe is ready', body: 'keys: kind,likes,timestamp' })]);

    const listed = await api('GET', '/runs?limit=100', { token: user.token });
    expect(listed.body.items.map((item: any) => item.id)).toContain(runId);

    // The audit trail says which data the analysis was given; the staging directory is gone.
    const audits = await query<{ actor: string; detail: any }>(`SELECT actor, detail FROM audit_events WHERE target_id = $1 AND action = 'run.data_accessed'`, [
      runId,
    ]);
    expect(audits).toEqual([
      {
        actor: `analysis:${probe.slug}@1.0.0`,
        detail: expect.objectContaining({
          datasetIds: [datasetId],
          scopes: CONSENT.scopes,
          imageId: probe.imageId,
          runtime: 'runc',
          records: { 'social.posts': 2 },
        }),
      },
    ]);
    // The worker removes it just after it commits the outcome, so it may still be going when the run shows finished.
    await eventually(
      async () => ((await readdir(join(config.home, 'work', 'runs')).catch(() => [] as string[])).some((name) => name.startsWith(runId)) ? undefined : true),
      30_000,
      "the run's staging directory to go",
    );

    // A delivery of the same message after the outcome is committed finds nothing to claim.
    await queues.send({ type: 'run.execute', id: runId });
    await eventually(async () => ((await queues.approximateDepth('runs')) === 0 ? true : undefined), 30_000, 'the runs queue to drain');
    const after = await api('GET', `/runs/${runId}`, { token: user.token });
    expect(after.body).toEqual(run);
    expect(await notificationsAbout(user, runId)).toHaveLength(1);
  });

  it('refuses requests that do not fit the analysis, the consent or the datasets, and changes nothing', async () => {
    const failedDatasetId = await uploadDataset(user, [{ kind: 'social.posts', platform: 'x' }]);
    const strangersDatasetId = await uploadDataset(stranger, [post]);
    const before = await runCount(user);
    const attempt = (body: Record<string, unknown>) => api('POST', '/runs', { token: user.token, body });

    const narrower = await attempt(runRequest(probe, [datasetId], { consent: { scopes: { 'social.posts': ['timestamp'] } } }));
    expect(narrower.status).toBe(400);
    expect(narrower.body.message).toBe('consent must grant exactly: social.posts: timestamp, likes');
    const wider = await attempt(runRequest(probe, [datasetId], { consent: { scopes: { 'social.posts': ['timestamp', 'likes', 'text'] } } }));
    expect(wider.status).toBe(400);
    const otherKind = await attempt(
      runRequest(probe, [datasetId], { consent: { scopes: { 'social.posts': ['timestamp', 'likes'], 'social.comments': ['text'] } } }),
    );
    expect(otherKind.status).toBe(400);

    const badParam = await attempt(runRequest(probe, [datasetId], { params: { greeting: 5 } }));
    expect(badParam.status).toBe(400);
    expect(badParam.body.message).toMatch(/params\.greeting/);
    expect((await attempt(runRequest(probe, [datasetId], { params: { unknown: true } }))).status).toBe(400);

    expect((await attempt({ ...runRequest(probe, [datasetId]), analysis: 'no-such-analysis' })).status).toBe(404);
    const unpublishedVersion = await attempt(runRequest(probe, [datasetId], { version: '9.9.9' }));
    expect(unpublishedVersion.status).toBe(404);

    const unknownField = await attempt({ ...runRequest(probe, [datasetId]), priority: 'high' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/priority/)]));
    expect((await attempt({ ...runRequest(probe, [datasetId]), consent: { scopes: CONSENT.scopes, forever: true } })).status).toBe(400);
    expect((await attempt(runRequest(probe, []))).status).toBe(400);
    expect((await attempt(runRequest(probe, ['not-a-uuid']))).status).toBe(400);

    const strangers = await attempt(runRequest(probe, [datasetId, strangersDatasetId]));
    expect(strangers.status).toBe(404);
    expect(strangers.body.message).toContain(strangersDatasetId);
    expect((await attempt(runRequest(probe, ['00000000-0000-4000-8000-000000000000']))).status).toBe(404);
    const notReady = await attempt(runRequest(probe, [failedDatasetId]));
    expect(notReady.status).toBe(409);

    // Only users run analyses.
    expect((await api('POST', '/runs', { token: probe.developer.token, body: runRequest(probe, [datasetId]) })).status).toBe(403);
    expect(await runCount(user)).toBe(before);
  });

  it("answers someone else's run, result, logs and cancel with 404", async () => {
    const accepted = await api('POST', '/runs', { token: user.token, body: runRequest(probe, [datasetId]) });
    expect(accepted.status).toBe(202);
    const runId = accepted.body.id;
    await finished(user, runId);

    for (const path of [`/runs/${runId}`, `/runs/${runId}/result`, `/runs/${runId}/logs`]) {
      expect((await api('GET', path, { token: stranger.token })).status).toBe(404);
    }
    expect((await api('POST', `/runs/${runId}/cancel`, { token: stranger.token })).status).toBe(404);
    const listed = await api('GET', '/runs', { token: stranger.token });
    expect(listed.body.items.map((item: any) => item.id)).not.toContain(runId);
    // The owner still sees it, unchanged.
    expect((await api('GET', `/runs/${runId}`, { token: user.token })).body.status).toBe('succeeded');
    expect((await api('POST', `/runs/${runId}/cancel`, { token: user.token })).status).toBe(409);
  });

  it("keeps a run's artifacts and serves each to its owner only, as a typed download that is never rendered", async () => {
    // Static drawing: an SVG with a script is refused at collection (test/sandbox/hostile-analysis.sandbox-spec.ts).
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10" fill="#4c78a8"/></svg>';
    const script = [
      'mkdir -p /output/artifacts/charts',
      "printf 'hour,posts\\n18,1\\n' > /output/artifacts/by-hour.csv",
      `printf '%s' '${svg}' > /output/artifacts/charts/week.svg`,
      `printf '{"schemaVersion":1,"summary":"charted","blocks":[]}' > /output/result.json`,
    ].join('\n');
    const charter = await publishTestAnalysis({ base: 'busybox', image, manifest: { title: 'Charter', entrypoint: ['/bin/sh', '-c', script] } });
    const accepted = await api('POST', '/runs', { token: user.token, body: runRequest(charter, [datasetId]) });
    expect(accepted.status).toBe(202);
    const run = await finished(user, accepted.body.id);
    expect(run).toMatchObject({ status: 'succeeded', resultSummary: 'charted' });
    expect(run.artifacts).toEqual([
      { name: 'by-hour.csv', bytes: 16, contentType: 'text/csv; charset=utf-8' },
      { name: 'charts/week.svg', bytes: svg.length, contentType: 'image/svg+xml' },
    ]);

    const csv = await api('GET', `/runs/${run.id}/artifacts/by-hour.csv`, { token: user.token });
    expect(csv).toMatchObject({ status: 200, body: 'hour,posts\n18,1\n' });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const chart = await api('GET', `/runs/${run.id}/artifacts/${encodeURIComponent('charts/week.svg')}`, { token: user.token });
    expect(chart).toMatchObject({ status: 200, body: svg });
    expect(chart.headers.get('content-type')).toBe('image/svg+xml');
    expect(chart.headers.get('content-disposition')).toBe('attachment; filename="week.svg"');
    expect(chart.headers.get('x-content-type-options')).toBe('nosniff');
    expect(chart.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");

    for (const name of ['missing.csv', 'result.json', encodeURIComponent('../result.json'), 'week.svg']) {
      expect((await api('GET', `/runs/${run.id}/artifacts/${name}`, { token: user.token })).status).toBe(404);
    }
    expect((await api('GET', `/runs/${run.id}/artifacts/by-hour.csv`, { token: stranger.token })).status).toBe(404);
  });

  it('records a crash as failed/exit_code, with its logs and no result', async () => {
    const accepted = await api('POST', '/runs', { token: user.token, body: runRequest(crash, [datasetId]) });
    expect(accepted.status).toBe(202);
    const run = await finished(user, accepted.body.id);
    expect(run).toMatchObject({ status: 'failed', reason: 'exit_code', hasResult: false, hasLogs: true, resultSummary: null, artifacts: [] });
    expect(run.message).toMatch(/code 3/);

    const logs = await api('GET', `/runs/${run.id}/logs`, { token: user.token });
    expect(logs.status).toBe(200);
    expect(logs.body).toContain('about to crash');
    expect(logs.body).toContain('something broke');
    const result = await api('GET', `/runs/${run.id}/result`, { token: user.token });
    expect(result.status).toBe(409);

    const notifications = await notificationsAbout(user, run.id);
    expect(notifications).toEqual([expect.objectContaining({ type: 'run.failed', title: 'Crasher failed', body: run.message })]);
  });

  it('runs each analysis in a locked-down container, reports progress, and cancels queued and running runs', async () => {
    // Fill every run slot of the worker with slow runs, so one more run has to wait in the queue.
    const slots = config.worker.concurrency.runs;
    const running: string[] = [];
    for (let slot = 0; slot < slots; slot++) {
      const accepted = await api('POST', '/runs', { token: user.token, body: runRequest(slow, [datasetId]) });
      expect(accepted.status).toBe(202);
      running.push(accepted.body.id);
      leftRunning.add(accepted.body.id);
    }
    for (const runId of running) await runningRun(user, runId);

    const queued = await api('POST', '/runs', { token: user.token, body: runRequest(slow, [datasetId]) });
    expect(queued.status).toBe(202);
    leftRunning.add(queued.body.id);
    const cancelledAtOnce = await api('POST', `/runs/${queued.body.id}/cancel`, { token: user.token });
    expect(cancelledAtOnce.status).toBe(200);
    expect(cancelledAtOnce.body).toMatchObject({ status: 'cancelled', reason: 'by_user', containerMs: null, hasLogs: false });
    expect((await api('POST', `/runs/${queued.body.id}/cancel`, { token: user.token })).status).toBe(409);

    const [watched] = running;
    const progressed = await eventually(
      async () => {
        const response = await api('GET', `/runs/${watched}`, { token: user.token });
        return response.body.progress === 0.25 ? response.body : undefined;
      },
      30_000,
      'progress to be recorded',
    );
    expect(progressed.progressMessage).toBe('waiting');

    const [listed] = await eventually(
      async () => {
        const containers = await docker.listContainers({ filters: { label: [`lockbox.run=${watched}`] } });
        return containers.length > 0 ? containers : undefined;
      },
      30_000,
      'the run container',
    );
    const container = await docker.getContainer(listed!.Id).inspect();
    expect(container.Config.Labels).toMatchObject({ 'lockbox.run': watched, 'lockbox.instance': config.instanceId, 'lockbox.attempt': '1' });
    expect(container.HostConfig.NetworkMode).toBe('none');
    expect(container.HostConfig.ReadonlyRootfs).toBe(true);
    expect(container.HostConfig.CapDrop).toEqual(['ALL']);
    expect(container.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    expect(container.Config.User).toBe('10001:10001');
    expect(container.HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect(container.HostConfig.MemorySwap).toBe(container.HostConfig.Memory);
    expect(container.HostConfig.PidsLimit).toBe(config.limits.containerPidsLimit);
    const mounts = container.Mounts.map((mount) => ({ destination: mount.Destination, writable: mount.RW }));
    expect(mounts).toEqual(
      expect.arrayContaining([
        { destination: '/input', writable: false },
        { destination: '/output', writable: true },
      ]),
    );
    expect(container.Mounts).toHaveLength(2);
    expect(JSON.stringify(container.Mounts)).not.toContain('docker.sock');
    expect(container.Config.Env.filter((entry: string) => !entry.startsWith('LOCKBOX_') && !entry.startsWith('PATH='))).toEqual([]);

    for (const runId of running) {
      const requested = await api('POST', `/runs/${runId}/cancel`, { token: user.token });
      expect(requested.status).toBe(202);
      expect(requested.body).toMatchObject({ status: 'running', cancelRequestedAt: expect.any(String) });
    }
    for (const runId of running) {
      const run = await finished(user, runId, 60_000);
      expect(run).toMatchObject({ status: 'cancelled', reason: 'by_user', hasResult: false, hasLogs: true });
      const logs = await api('GET', `/runs/${runId}/logs`, { token: user.token });
      expect(logs.body).toContain('started');
      leftRunning.delete(runId);
    }
    const remaining = await docker.listContainers({ all: true, filters: { label: [`lockbox.run=${watched}`] } });
    expect(remaining).toEqual([]);

    for (const runId of [...running, queued.body.id]) {
      const notifications = await notificationsAbout(user, runId);
      expect(notifications).toEqual([expect.objectContaining({ type: 'run.cancelled', title: 'Slow sleeper was cancelled' })]);
    }
  });

  it('runs under gVisor when the manifest asks for it and the worker has it', async () => {
    const gvisor = await publishTestAnalysis({
      base: 'busybox',
      image,
      manifest: { title: 'Kernel probe', entrypoint: ['/bin/sh', '/app/kernel.sh'], runtime: 'runsc' },
    });
    const health = await api('GET', '/health/details', { token: (await createSession('admin')).token });
    const workerHasRunsc = health.body.workers.every((worker: any) => worker.runtimes.includes('runsc'));

    const accepted = await api('POST', '/runs', { token: user.token, body: runRequest(gvisor, [datasetId]) });
    expect(accepted.status).toBe(202);
    const run = await finished(user, accepted.body.id);
    expect(run).toMatchObject({ status: 'succeeded', resultSummary: workerHasRunsc ? 'kernel: gVisor' : 'kernel: host' });
    const [audit] = await query<{ detail: any }>(`SELECT detail FROM audit_events WHERE target_id = $1 AND action = 'run.data_accessed'`, [run.id]);
    expect(audit!.detail.runtime).toBe(workerHasRunsc ? 'runsc' : 'runc');
  });

  it('fails a run as image_unavailable when its image is gone from the engine and from storage', async () => {
    const gone = await publishTestAnalysis({ base: 'busybox', manifest: { title: 'Vanished', entrypoint: ['/bin/sh', '-c', 'echo never'] } });
    const [version] = await query<{ image_key: string }>('SELECT image_key FROM analysis_versions WHERE id = $1', [gone.submissionId]);
    await storage.delete(version!.image_key);
    await removeLocalImage(gone.imageId);

    const accepted = await api('POST', '/runs', { token: user.token, body: runRequest(gone, [datasetId]) });
    expect(accepted.status).toBe(202);
    const run = await finished(user, accepted.body.id);
    expect(run).toMatchObject({ status: 'failed', reason: 'image_unavailable', hasLogs: false, containerMs: null });
    const notifications = await notificationsAbout(user, run.id);
    expect(notifications).toEqual([expect.objectContaining({ type: 'run.failed', title: 'Vanished failed' })]);
  });
});
