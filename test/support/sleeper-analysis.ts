// The reliability suites' analysis: it reports progress, sleeps for `params.seconds` (so a test can catch
// it mid-run), then writes a one-line result. Built on the busybox base, published through submission,
// checks and approval like any other.
import type { ConsentScopes } from '@lockbox/analysis-sdk';
import { publishTestAnalysis, type PublishedTestAnalysis } from './analysis-images';
import { api, createSession, eventually, type Session, upload } from './session';

export const SLEEPER_CONSENT: { scopes: ConsentScopes } = { scopes: { 'social.posts': ['timestamp', 'likes'] } };

const SLEEPER_SCRIPT = [
  `s=$(grep -o '"seconds":[0-9]*' /input/run.json | cut -d: -f2); s=\${s:-0}`,
  `echo '{"progress":0.1,"message":"sleeping"}' >&2`,
  'sleep "$s"',
  `printf '{"schemaVersion":1,"summary":"slept %s s","blocks":[]}' "$s" > /output/result.json`,
].join('\n');

/** The sleeper, with a deadline (the manifest's `resources.timeout`) of 60 s unless told otherwise. */
export async function publishSleeper(deadlineSeconds = 60): Promise<PublishedTestAnalysis> {
  return publishTestAnalysis({
    base: 'busybox',
    manifest: {
      title: 'Sleeper',
      entrypoint: ['/bin/sh', '-c', SLEEPER_SCRIPT],
      params: { type: 'object', properties: { seconds: { type: 'integer', minimum: 0, maximum: 120 } }, additionalProperties: false },
      scopes: SLEEPER_CONSENT.scopes,
      resources: { memory: '128m', cpu: 0.5, timeout: deadlineSeconds, output: '1m' },
    },
  });
}

export interface SleeperUser {
  user: Session;
  sleeper: PublishedTestAnalysis;
  datasetId: string;
}

/** What every reliability scenario starts from: a user with a dataset, and the sleeper published. */
export async function sleeperUser(): Promise<SleeperUser> {
  const user = await createSession('user');
  return { user, sleeper: await publishSleeper(), datasetId: await readyDataset(user) };
}

/** A one-post dataset of the user's, ingested. */
export async function readyDataset(user: Session): Promise<string> {
  const record = { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'words', likes: 3 };
  const accepted = await upload(
    '/datasets',
    [
      { name: 'format', content: 'lockbox-jsonl' },
      { name: 'file', content: Buffer.from(`${JSON.stringify(record)}\n`), filename: 'export.jsonl', contentType: 'application/x-ndjson' },
    ],
    { token: user.token },
  );
  if (accepted.status !== 202) throw new Error(`dataset upload: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  await eventually(
    async () => ((await api('GET', `/datasets/${accepted.body.id}`, { token: user.token })).body.status === 'ready' ? true : undefined),
    60_000,
    'the dataset to be ingested',
  );
  return accepted.body.id as string;
}

/** POST /runs of the sleeper; the run's id. */
export async function requestSleep(user: Session, sleeper: PublishedTestAnalysis, datasetId: string, seconds: number): Promise<string> {
  const accepted = await api('POST', '/runs', {
    token: user.token,
    body: { analysis: sleeper.slug, datasetIds: [datasetId], params: { seconds }, consent: SLEEPER_CONSENT },
  });
  if (accepted.status !== 202) throw new Error(`POST /runs: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return accepted.body.id as string;
}
