// A hostile analysis through the whole platform: a developer submits it, the checks pass it (it behaves
// like any analysis: it writes a valid result), an admin approves it, and a user runs it on their data.
// Every attack it reports fails, its result and logs leak none of the platform's secrets, and the host
// keeps nothing of the run.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '@lockbox/config';
import { dockerClientFor } from '@lockbox/sandbox';
import { buildTestAnalysisImage, publishTestAnalysis } from '../support/analysis-images';
import { api, apiUrl, createSession, eventually, upload } from '../support/session';
import { ATTACK_SH } from './hostile-images';

jest.setTimeout(300_000);

const config = loadConfig();
const docker = dockerClientFor(config.docker.host);

it('runs a hostile analysis for a user: every attack fails, nothing leaks, nothing is left behind', async () => {
  const [user, developer] = await Promise.all([createSession('user'), createSession('developer')]);
  const image = await buildTestAnalysisImage('busybox', { 'attack.sh': ATTACK_SH });
  const hostile = await publishTestAnalysis({
    base: 'busybox',
    image,
    developer,
    manifest: { title: 'Totally harmless', entrypoint: ['/bin/sh', '/app/attack.sh', 'combined', new URL(apiUrl()).port] },
  });

  const record = { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'private words', likes: 3 };
  const dataset = await upload(
    '/datasets',
    [
      { name: 'format', content: 'lockbox-jsonl' },
      { name: 'file', content: Buffer.from(JSON.stringify(record)), filename: 'export.jsonl', contentType: 'application/x-ndjson' },
    ],
    { token: user.token },
  );
  expect(dataset.status).toBe(202);
  await eventually(async () => ((await api('GET', `/datasets/${dataset.body.id}`, { token: user.token })).body.status === 'ready' ? true : undefined), 60_000, 'ingestion');

  const accepted = await api('POST', '/runs', {
    token: user.token,
    body: { analysis: hostile.slug, datasetIds: [dataset.body.id], consent: { scopes: { 'social.posts': ['timestamp', 'likes'] } } },
  });
  expect(accepted.status).toBe(202);
  const runId: string = accepted.body.id;
  const run = await eventually(
    async () => {
      const response = await api('GET', `/runs/${runId}`, { token: user.token });
      return ['queued', 'running'].includes(response.body.status) ? undefined : response.body;
    },
    120_000,
    `run ${runId}`,
  );
  expect(run).toMatchObject({ status: 'succeeded', reason: null });

  const result = await api('GET', `/runs/${runId}/result`, { token: user.token });
  expect(result.status).toBe(200);
  const rows: Array<[string, string]> = result.body.blocks[0].rows;
  expect(rows.map(([attack]) => attack)).toEqual(['egress-ip', 'bridge-gateway', 'dns', 'read-shadow', 'docker-socket', 'write-root', 'write-input', 'write-app']);
  expect(rows.filter(([, outcome]) => outcome !== 'blocked')).toEqual([]);

  // The analysis printed its whole environment: none of the platform's secrets or addresses were in it.
  const logs = await api('GET', `/runs/${runId}/logs`, { token: user.token });
  expect(logs.status).toBe(200);
  const text = JSON.stringify(logs.body) + JSON.stringify(result.body);
  expect(text).toContain('HOSTNAME=analysis');
  for (const secret of [config.auth.jwtSecret, config.database.url, config.redis.url, config.s3.credentials?.secretAccessKey ?? 'S3RVER', 'postgres://', config.home]) {
    expect(text).not.toContain(secret);
  }

  // The host: no file the analysis tried to create, no container, no staging directory of the run.
  expect(existsSync('/lockbox-escape')).toBe(false);
  expect(await docker.listContainers({ all: true, filters: { label: [`lockbox.run=${runId}`] } })).toEqual([]);
  await eventually(
    async () => ((await readdir(join(config.home, 'work', 'runs')).catch(() => [])).some((name) => name.startsWith(runId)) ? undefined : true),
    30_000,
    "the run's staging directory to go",
  );
});
