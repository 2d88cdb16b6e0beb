// An admin suspends a published version (its queued runs are cancelled, its running ones stopped, both
// with reason analysis_suspended), and a developer reads aggregate figures about their own analysis only.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '@lockbox/config';
import { buildTestAnalysisImage, publishTestAnalysis, type PublishedTestAnalysis } from '../support/analysis-images';
import { repoRoot } from '../support/launcher';
import { api, createSession, eventually, type Session, upload } from '../support/session';

jest.setTimeout(300_000);

const config = loadConfig();
const CONSENT = { scopes: { 'social.posts': ['timestamp', 'likes'] } };
const posts = [
  { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'private words', likes: 3 },
  { kind: 'social.posts', timestamp: '2026-01-06T08:00:00Z', platform: 'x', type: 'reply', text: 'more private words', likes: 1 },
];

/** Succeeds, or crashes when asked to through its params: one analysis with both outcomes. */
const MODE_SCRIPT = `if grep -q '"mode":"crash"' /input/run.json; then echo "crashing as asked" >&2; exit 3; fi
printf '{"schemaVersion":1,"summary":"secret-summary-%s","blocks":[]}\\n' "$(wc -l < /input/data/social.posts.jsonl)" > /output/result.json
`;

async function query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
  const database = new Client({ connectionString: config.database.url });
  await database.connect();
  try {
    return (await database.query(sql, parameters)).rows as T[];
  } finally {
    await database.end();
  }
}

async function uploadDataset(user: Session): Promise<string> {
  const accepted = await upload(
    '/datasets',
    [
      { name: 'format', content: 'lockbox-jsonl' },
      {
        name: 'file',
        content: Buffer.from(posts.map((post) => JSON.stringify(post)).join('\n')),
        filename: 'export.jsonl',
        contentType: 'application/x-ndjson',
      },
    ],
    { token: user.token },
  );
  expect(accepted.status).toBe(202);
  await eventually(
    async () => ((await api('GET', `/datasets/${accepted.body.id}`, { token: user.token })).body.status === 'ready' ? true : undefined),
    60_000,
    'ingestion',
  );
  return accepted.body.id;
}

async function startRun(user: Session, analysis: PublishedTestAnalysis, datasetId: string, params: Record<string, unknown> = {}): Promise<string> {
  const accepted = await api('POST', '/runs', { token: user.token, body: { analysis: analysis.slug, datasetIds: [datasetId], params, consent: CONSENT } });
  expect(accepted.status).toBe(202);
  return accepted.body.id;
}

async function runIn(user: Session, runId: string, statuses: string[], timeoutMs = 90_000): Promise<any> {
  return eventually(
    async () => {
      const response = await api('GET', `/runs/${runId}`, { token: user.token });
      return statuses.includes(response.body.status) ? response.body : undefined;
    },
    timeoutMs,
    `run ${runId} to be ${statuses.join(' or ')}`,
  );
}

describe('analysis operations', () => {
  let user: Session;
  let admin: Session;
  let developer: Session;
  let datasetId: string;
  let image: Awaited<ReturnType<typeof buildTestAnalysisImage>>;

  beforeAll(async () => {
    [user, admin, developer] = await Promise.all([createSession('user'), createSession('admin'), createSession('developer')]);
    image = await buildTestAnalysisImage('busybox', { 'mode.sh': MODE_SCRIPT });
    datasetId = await uploadDataset(user);
  }, 180_000);

  it('has every sample analysis published by the launcher, each having passed its smoke run', async () => {
    const samples = readdirSync(join(repoRoot, 'sample-analyses')).filter((name) => existsSync(join(repoRoot, 'sample-analyses', name, 'build.sh')));
    expect(samples).toEqual(expect.arrayContaining(['personality-traits', 'social-engagement', 'writing-patterns']));
    // The launcher publishes them in the background once the stack answers, so early suites may not see them yet.
    for (const slug of samples) {
      const detail = await eventually(
        async () => {
          const response = await api('GET', `/analyses/${slug}`, { token: user.token });
          return response.status === 200 ? response.body : undefined;
        },
        400_000,
        `the sample analysis ${slug} in the catalogue`,
      );
      expect(detail.versions.map((version: { version: string }) => version.version)).toContain('1.0.0');
    }
    const reports = await query<{ slug: string; smoke: any }>(
      `SELECT a.slug, v.check_report -> 'smokeRun' AS smoke FROM analysis_versions v JOIN analyses a ON a.id = v.analysis_id WHERE a.slug = ANY($1) AND v.status = 'published'`,
      [samples],
    );
    for (const slug of samples)
      expect(reports.find((report) => report.slug === slug)?.smoke).toMatchObject({ status: 'succeeded', records: expect.any(Object) });
  });

  describe('GET /analyses/:slug/stats', () => {
    it('gives the owner closed weeks only (none for an analysis of this week), admins the exact counts, success rate, median duration and failure reasons, and nobody else anything', async () => {
      const analysis = await publishTestAnalysis({
        base: 'busybox',
        image,
        developer,
        manifest: {
          entrypoint: ['/bin/sh', '/app/mode.sh'],
          params: { type: 'object', additionalProperties: false, properties: { mode: { type: 'string', enum: ['ok', 'crash'], default: 'ok' } } },
        },
      });
      const runIds = [
        await startRun(user, analysis, datasetId),
        await startRun(user, analysis, datasetId),
        await startRun(user, analysis, datasetId, { mode: 'crash' }),
      ];
      const runs = [];
      for (const id of runIds) runs.push(await runIn(user, id, ['succeeded', 'failed', 'timed_out', 'cancelled']));
      expect(runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'failed']);
      expect(runs[2].reason).toBe('exit_code');
      const durations = runs.map((run) => run.containerMs as number).sort((a, b) => a - b);

      // The week in progress is never shown to the developer (the side channel: test/sandbox/developer-figures.sandbox-spec.ts).
      const stats = await api('GET', `/analyses/${analysis.slug}/stats`, { token: developer.token });
      expect(stats.status).toBe(200);
      expect(stats.body).toEqual({
        analysis: analysis.slug,
        method: {
          weeks: 'ISO 8601 weeks, UTC, by the time each run was requested',
          minPeople: config.stats.minPeople,
          roundTo: config.stats.roundTo,
          runsPerPerson: config.stats.runsPerPerson,
          publishDelayHours: config.stats.publishDelayHours,
          durationBuckets: ['under1s', 'from1to10s', 'from10to60s', 'over60s'],
        },
        weeks: [],
      });

      const exact = await api('GET', `/analyses/${analysis.slug}/stats`, { token: admin.token });
      expect(exact.status).toBe(200);
      expect(exact.body).toMatchObject({ analysis: analysis.slug, weeks: [] });
      expect(exact.body.exact).toEqual({
        runs: 3,
        byStatus: { queued: 0, running: 0, succeeded: 2, failed: 1, timed_out: 0, cancelled: 0 },
        successRate: 2 / 3,
        medianContainerMs: durations[1],
        failureReasons: { exit_code: 1 },
        byVersion: [{ version: '1.0.0', runs: 3, succeeded: 2 }],
      });
      // Aggregates only: no user, dataset, run, result or log in them.
      const text = JSON.stringify(exact.body);
      for (const secret of [user.id, datasetId, ...runIds, 'secret-summary', 'crashing as asked']) expect(text).not.toContain(secret);

      const rival = await createSession('developer');
      expect((await api('GET', `/analyses/${analysis.slug}/stats`, { token: rival.token })).status).toBe(404);
      expect((await api('GET', `/analyses/${analysis.slug}/stats`, { token: user.token })).status).toBe(403);
      expect((await api('GET', `/analyses/no-such-analysis-here/stats`, { token: developer.token })).status).toBe(404);
    });
  });

  describe('POST /analyses/:slug/versions/:version/suspend', () => {
    it('takes the version off the catalogue, cancels its queued runs and stops its running ones, notifying everyone once', async () => {
      const slow = await publishTestAnalysis({
        base: 'busybox',
        image,
        developer,
        manifest: {
          title: 'Slow to suspend',
          entrypoint: ['/bin/sh', '-c', 'echo started; sleep 300'],
          resources: { memory: '128m', cpu: 0.25, timeout: 600, output: '1m' },
        },
      });
      const running: string[] = [];
      for (let slot = 0; slot < config.worker.concurrency.runs; slot++) running.push(await startRun(user, slow, datasetId));
      for (const id of running) await runIn(user, id, ['running']);
      // Every slot is busy, so this one waits in the queue.
      const queued = await startRun(user, slow, datasetId);
      expect((await api('GET', `/runs/${queued}`, { token: user.token })).body.status).toBe('queued');

      const path = `/analyses/${slow.slug}/versions/${slow.version}/suspend`;
      expect((await api('POST', path, { token: developer.token, body: { reason: 'mine' } })).status).toBe(403);
      expect((await api('POST', path, { token: admin.token, body: {} })).status).toBe(400);
      expect((await api('POST', path, { token: admin.token, body: { reason: '   ' } })).status).toBe(400);
      expect((await api('POST', `/analyses/${slow.slug}/versions/9.9.9/suspend`, { token: admin.token, body: { reason: 'x' } })).status).toBe(404);

      const suspended = await api('POST', path, { token: admin.token, body: { reason: 'Reads more than it says' } });
      expect(suspended.status).toBe(200);
      expect(suspended.body).toMatchObject({
        slug: slow.slug,
        version: '1.0.0',
        status: 'suspended',
        reason: 'Reads more than it says',
        cancelledRuns: 1,
        stopRequestedRuns: running.length,
      });
      expect((await api('POST', path, { token: admin.token, body: { reason: 'again' } })).status).toBe(409);

      expect((await api('GET', `/runs/${queued}`, { token: user.token })).body).toMatchObject({
        status: 'cancelled',
        reason: 'analysis_suspended',
        containerMs: null,
      });
      for (const id of running)
        expect(await runIn(user, id, ['succeeded', 'failed', 'timed_out', 'cancelled'], 60_000)).toMatchObject({
          status: 'cancelled',
          reason: 'analysis_suspended',
        });

      // Off the catalogue, and no new runs.
      expect((await api('GET', `/analyses/${slow.slug}`, { token: user.token })).status).toBe(404);
      const catalogue = await api('GET', `/analyses?q=${slow.slug}`, { token: user.token });
      expect(catalogue.body.items).toEqual([]);
      const refused = await api('POST', '/runs', { token: user.token, body: { analysis: slow.slug, datasetIds: [datasetId], params: {}, consent: CONSENT } });
      expect(refused.status).toBe(404);

      const notifications = (await api('GET', '/notifications?limit=100', { token: user.token })).body.items;
      for (const id of [...running, queued]) {
        expect(notifications.filter((item: any) => item.subjectId === id)).toEqual([
          expect.objectContaining({ type: 'run.cancelled', title: 'Slow to suspend was cancelled' }),
        ]);
      }
      const developerNotes = (await api('GET', '/notifications?limit=100', { token: developer.token })).body.items;
      expect(developerNotes.filter((item: any) => item.type === 'analysis.suspended')).toEqual([
        expect.objectContaining({ title: 'Slow to suspend 1.0.0 was suspended', body: expect.stringContaining('Reads more than it says') }),
      ]);
      const audit = await query<{ actor_id: string; detail: any }>(
        `SELECT actor_id, detail FROM audit_events WHERE action = 'analysis.version_suspended' AND target_id = $1`,
        [slow.submissionId],
      );
      expect(audit).toEqual([{ actor_id: admin.id, detail: expect.objectContaining({ reason: 'Reads more than it says', cancelledRuns: 1 }) }]);

      // The suspended version's runs are still counted (exactly, for admins).
      const stats = await api('GET', `/analyses/${slow.slug}/stats`, { token: admin.token });
      expect(stats.body.exact).toMatchObject({
        runs: running.length + 1,
        byStatus: { cancelled: running.length + 1 },
        successRate: null,
        failureReasons: { analysis_suspended: running.length + 1 },
      });
    });
  });
});
