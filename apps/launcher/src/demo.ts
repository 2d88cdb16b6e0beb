import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ResultDocument } from '@lockbox/analysis-sdk';
import { LockboxClient, type SubmissionView } from '@lockbox/analysis-sdk/client';
import { DEMO_DEVELOPER, DEMO_USER, isLoopbackHost } from '@lockbox/accounts';
import { defaultHome, loadConfig, readRuntimeFile } from '@lockbox/config';
import { dockerClientFor } from '@lockbox/sandbox';
import { operatorSession } from './operator-session';
import { approveWhenChecked, buildSampleTarball, findSampleAnalyses } from './sample-analyses';

const repoRoot = resolve(__dirname, '../../../..');
const SAMPLE = 'social-engagement';

function step(message: string): void {
  console.log(`\n▸ ${message}`);
}

function nextPatchVersion(versions: string[]): string {
  const patches = versions.map((version) => version.split('.').map(Number)).filter((parts) => parts.length === 3 && parts.every(Number.isInteger));
  const [major, minor, patch] = patches.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!).pop() ?? [1, 0, -1];
  return `${major}.${minor}.${patch! + 1}`;
}

/** What the fixture holds, computed here from the raw lines, to check the analysis' numbers against. */
function fixtureTotals(path: string): { posts: number; likes: number; engagement: number } {
  const records = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { kind: string; likes: number; comments: number; shares: number });
  const posts = records.filter((record) => record.kind === 'social.posts');
  return {
    posts: posts.length,
    likes: posts.reduce((sum, post) => sum + post.likes, 0),
    engagement: posts.reduce((sum, post) => sum + post.likes + post.comments + post.shares, 0),
  };
}

function metric(result: ResultDocument, label: string): number | undefined {
  for (const block of result.blocks) if (block.type === 'metric' && block.label === label) return Number(block.value);
  return undefined;
}

/**
 * `npm run demo`: the whole story against the stack `npm run up` started, through the public HTTP API
 * only. A developer ships a new version of the sample, the admin approves it, a user uploads data,
 * consents, runs it, hears of the result over SSE and reads it.
 */
async function main(): Promise<void> {
  const home = defaultHome();
  const apiUrl = readRuntimeFile(home)?.apiUrl;
  if (!apiUrl) throw new Error(`no running Lockbox in ${home}: start it with \`npm run up\` first`);
  // The demo accounts' passwords are published: they exist only on a stack that listens on loopback.
  const apiHost = new URL(apiUrl).hostname;
  if (!isLoopbackHost(apiHost))
    throw new Error(`the demo runs only against a stack on loopback; the one in ${home} listens on ${apiHost}, where it has no demo accounts`);
  const health = await fetch(`${apiUrl}/api/v1/health`).catch(() => undefined);
  if (health?.status !== 200) throw new Error(`Lockbox at ${apiUrl} is not healthy (${health?.status ?? 'no answer'}): is \`npm run up\` running?`);

  const config = loadConfig();
  const client = new LockboxClient(apiUrl);
  const sample = findSampleAnalyses(repoRoot).find((candidate) => candidate.manifest.name === SAMPLE);
  if (!sample) throw new Error(`sample analysis ${SAMPLE} not found`);

  step(`A developer builds ${SAMPLE} offline and submits a new version`);
  const developer = await client.login(DEMO_DEVELOPER.email, DEMO_DEVELOPER.password);
  const { items } = await developer.request<{ items: SubmissionView[] }>('GET', '/submissions?limit=100');
  const version = nextPatchVersion([sample.manifest.version, ...items.filter((item) => item.analysis === SAMPLE).map((item) => item.version ?? '')]);
  const manifest = { ...sample.manifest, version };
  const tarball = await buildSampleTarball(dockerClientFor(config.docker.host), sample, join(home, 'samples'));
  const submission = await developer.submit(tarball, manifest);
  console.log(`  submitted ${SAMPLE}@${version} (${submission.id})`);

  step('Automated checks run on a worker; the admin approves');
  const published = await approveWhenChecked(developer, await operatorSession(config, client), submission.id, `${SAMPLE}@${version}`);
  console.log(`  ${published.status}: image ${published.imageId}`);

  step('A user uploads their data');
  const user = await client.login(DEMO_USER.email, DEMO_USER.password);
  const fixture = join(sample.directory, 'fixtures/posts.jsonl');
  const uploaded = await user.uploadDataset(fixture, 'demo posts');
  const dataset = await user.waitFor<{ status: string; recordCount: number }>(
    `/datasets/${uploaded.id}`,
    (value) => value.status !== 'uploaded' && value.status !== 'ingesting',
  );
  if (dataset.status !== 'ready') throw new Error(`the dataset was not ingested: ${JSON.stringify(dataset)}`);
  console.log(`  ready: ${dataset.recordCount} records`);

  step(`The user consents to exactly ${JSON.stringify(manifest.scopes)} and runs it`);
  const stop = new AbortController();
  let opened!: () => void;
  const streamOpen = new Promise<void>((resolve) => (opened = resolve));
  const events = user.events({ signal: stop.signal, onOpen: () => opened() });
  const firstEvent = events.next();
  // The stream is open before the run exists, so none of its events can be missed.
  await Promise.race([streamOpen, firstEvent]);
  const run = await user.request<{ id: string }>('POST', '/runs', {
    analysis: SAMPLE,
    version,
    datasetIds: [uploaded.id],
    params: {},
    consent: { scopes: manifest.scopes },
  });
  console.log(`  run ${run.id} queued`);

  let finished: { type: string; payload: Record<string, unknown> } | undefined;
  const timeout = setTimeout(() => stop.abort(), 300_000);
  for (let next = await firstEvent; !next.done; next = await events.next()) {
    const data = next.value.data as { type?: string; subjectId?: string; payload?: Record<string, unknown> };
    if (data.subjectId !== run.id) continue;
    if (data.type === 'run.progress')
      console.log(
        `  progress ${Math.round(Number(data.payload?.progress ?? 0) * 100)}% ${typeof data.payload?.message === 'string' ? data.payload.message : ''}`,
      );
    if (data.type && ['run.succeeded', 'run.failed', 'run.timed_out', 'run.cancelled'].includes(data.type)) {
      finished = { type: data.type, payload: data.payload ?? {} };
      break;
    }
  }
  clearTimeout(timeout);
  stop.abort();
  if (!finished) throw new Error('no run.succeeded event arrived within 5 minutes');
  console.log(`  SSE: ${finished.type}`);
  if (finished.type !== 'run.succeeded') throw new Error(`the run ended ${finished.type}: ${JSON.stringify(finished.payload)}`);

  step('The result');
  const result = await user.request<ResultDocument>('GET', `/runs/${run.id}/result`);
  console.log(`  ${result.summary}`);
  for (const block of result.blocks) if (block.type === 'metric') console.log(`    ${block.label}: ${block.value}${block.unit ? ` ${block.unit}` : ''}`);

  const expected = fixtureTotals(fixture);
  const actual = { posts: metric(result, 'Posts'), likes: metric(result, 'Total likes') };
  if (actual.posts !== expected.posts || actual.likes !== expected.likes) {
    throw new Error(`the result does not match the fixture: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
  console.log(`\n✔ The numbers match the fixture (${expected.posts} posts, ${expected.likes} likes, ${expected.engagement} engagements).`);
}

main().catch((error: unknown) => {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
