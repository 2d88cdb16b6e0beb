// Hostile JSON through the real stack (Hardening II, items 1 and 2): a manifest of wide arrays nested
// 250 deep, an exponential params schema, a result.json of the same wide nested shape, and params nested
// past any form. Each is refused with a clear verdict, records nothing it should not, and the API and
// the worker carry on. The full-size inputs (256 KB manifest, 4 MiB result) run in `npm run bench`.
import { MANIFEST_MAX_BYTES } from '@lockbox/analysis-sdk';
import { loadConfig } from '@lockbox/config';
import { ObjectStorageRepository } from '@lockbox/storage';
import {
  buildTestAnalysisImage,
  type BuiltTestImage,
  publishTestAnalysis,
  type PublishedTestAnalysis,
  submitAnalysis,
  testManifest,
} from '../support/analysis-images';
import { exponentialParamsSchema, wideNestedJson, wideNestedJsonOf } from '../support/hostile-json';
import { api, apiUrl, createSession, eventually, type Session, upload } from '../support/session';

jest.setTimeout(300_000);

const config = loadConfig();
const storage = new ObjectStorageRepository(config.s3);
const CONSENT = { scopes: { 'social.posts': ['timestamp', 'likes'] } };
/** The scaled-down result: the same shape as the 4 MiB one, 512 KB of it. */
const HOSTILE_RESULT_BYTES = 512 * 1024;

// Writes a valid result, unless its params say "hostile": then the wide nested document under a chart.
const MAIN_SH = `if grep -q '"mode":"hostile"' /input/run.json; then cp /app/hostile.json /output/result.json
else echo '{"schemaVersion":1,"summary":"Fine","blocks":[]}' > /output/result.json; fi
`;

let image: BuiltTestImage;
let developer: Session;
let user: Session;
let admin: Session;

beforeAll(async () => {
  const head = '{"schemaVersion":1,"summary":"Wide","blocks":[{"type":"chart","title":"t","spec":{"mark":"bar","data":{"values":';
  const hostile = `${head}${wideNestedJsonOf(HOSTILE_RESULT_BYTES, 250, '0', head.length + 8)}}}}]}`;
  [image, developer, user, admin] = await Promise.all([
    buildTestAnalysisImage('busybox', { 'main.sh': MAIN_SH, 'hostile.json': hostile }),
    createSession('developer'),
    createSession('user'),
    createSession('admin'),
  ]);
});

afterAll(async () => {
  await storage.onApplicationShutdown();
});

/** A submission that must be refused: 400, and no submission, listing or stored upload for it. */
async function expectRefusedSubmission(manifestText: string, name: string): Promise<string> {
  const submitted = await upload(
    '/submissions',
    [
      { name: 'manifest', content: manifestText },
      { name: 'image', content: image.tarball, filename: 'image.tar', contentType: 'application/x-tar' },
    ],
    { token: developer.token },
  );
  expect(submitted.status).toBe(400);
  expect(submitted.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  const mine = await api('GET', '/submissions', { token: developer.token });
  expect(mine.body.items.filter((item: { analysis: string }) => item.analysis === name)).toEqual([]);
  expect((await api('GET', `/analyses/${name}`, { token: user.token })).status).toBe(404);
  expect(await storage.list(`submissions/${name}/`)).toEqual([]);
  return submitted.body.message as string;
}

describe('submissions', () => {
  it('refuses a 256 KB manifest of wide arrays nested 250 deep with a clear 400, recording nothing', async () => {
    const { params: _params, ...manifest } = testManifest({ entrypoint: ['/bin/sh', '/app/main.sh'] });
    // The nesting goes where the manifest schema takes any value: a parameter's default.
    const prefix = JSON.stringify(manifest).replace(/}$/, ',"params":{"type":"object","properties":{"x":{"type":"string","default":');
    const text = `${prefix}${wideNestedJsonOf(MANIFEST_MAX_BYTES, 250, '"x"', prefix.length + 8)}}}}}`;
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    expect(text.length).toBeGreaterThan(MANIFEST_MAX_BYTES - 8 * 1024);
    expect(text.length).toBeLessThanOrEqual(MANIFEST_MAX_BYTES);
    const message = await expectRefusedSubmission(text, manifest.name);
    expect(message).toMatch(/^The manifest is invalid: manifest is nested more than 16 levels deep \(at position \d+\)$/);
  });

  it('refuses a 5 KB params schema of exponential $ref chains at submission, naming $ref and definitions', async () => {
    const manifest = testManifest({ entrypoint: ['/bin/sh', '/app/main.sh'], params: exponentialParamsSchema(64) as never });
    const text = JSON.stringify(manifest);
    expect(JSON.stringify(manifest.params).length).toBeGreaterThan(4 * 1024);
    const message = await expectRefusedSubmission(text, manifest.name);
    expect(message).toContain('params.definitions is not supported in a params schema: references can chain into schemas that take exponential time');
    expect(message).toContain('params.properties.x.$ref is not supported');
  });

  it('shows the reviewer the params schema and its defaults', async () => {
    const params = {
      type: 'object' as const,
      additionalProperties: false,
      properties: { top: { type: 'integer', minimum: 1, maximum: 50, default: 10 }, label: { type: 'string', maxLength: 20 } },
    };
    const manifest = testManifest({ entrypoint: ['/bin/sh', '/app/main.sh'], params });
    const submitted = await submitAnalysis(developer, manifest, image.tarball);
    expect(submitted.status).toBe(202);
    const seen = await api('GET', `/submissions/${submitted.body.id}`, { token: admin.token });
    expect(seen.body.params).toEqual({ schema: params, defaults: { top: 10 } });
  });
});

describe('runs', () => {
  let analysis: PublishedTestAnalysis;
  let datasetId: string;

  beforeAll(async () => {
    analysis = await publishTestAnalysis({
      base: 'busybox',
      image,
      developer,
      manifest: {
        entrypoint: ['/bin/sh', '/app/main.sh'],
        params: { type: 'object', additionalProperties: false, properties: { mode: { type: 'string', enum: ['hostile', 'fine'], default: 'fine' } } },
      },
    });
    const record = { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', likes: 3 };
    const dataset = await upload(
      '/datasets',
      [
        { name: 'format', content: 'lockbox-jsonl' },
        { name: 'file', content: Buffer.from(JSON.stringify(record)), filename: 'export.jsonl', contentType: 'application/x-ndjson' },
      ],
      { token: user.token },
    );
    expect(dataset.status).toBe(202);
    datasetId = dataset.body.id;
    await eventually(
      async () => ((await api('GET', `/datasets/${datasetId}`, { token: user.token })).body.status === 'ready' ? true : undefined),
      60_000,
      'ingestion',
    );
  });

  const requestRun = (params: unknown) =>
    api('POST', '/runs', { token: user.token, body: { analysis: analysis.slug, datasetIds: [datasetId], params, consent: CONSENT } });

  async function finished(runId: string): Promise<any> {
    return eventually(
      async () => {
        const response = await api('GET', `/runs/${runId}`, { token: user.token });
        return ['queued', 'running'].includes(response.body.status) ? undefined : response.body;
      },
      120_000,
      `run ${runId}`,
    );
  }

  const workerPids = async (): Promise<number[]> =>
    ((await api('GET', '/health/details', { token: admin.token })).body.workers as Array<{ pid: number }>).map((worker) => worker.pid).sort();

  it('ends a run whose result.json is a wide document nested 250 deep failed/output_invalid, and the worker carries on', async () => {
    const before = await workerPids();
    expect(before.length).toBeGreaterThan(0);
    const hostile = await requestRun({ mode: 'hostile' });
    expect(hostile.status).toBe(202);
    expect(await finished(hostile.body.id)).toMatchObject({
      status: 'failed',
      reason: 'output_invalid',
      message: expect.stringMatching(/^Result\.json is nested more than 72 levels deep \(at position \d+\)/),
    });
    // The same worker, alive, runs the next one.
    const fine = await requestRun({ mode: 'fine' });
    expect(fine.status).toBe(202);
    expect(await finished(fine.body.id)).toMatchObject({ status: 'succeeded' });
    expect(await workerPids()).toEqual(expect.arrayContaining(before));
  });

  it('answers params nested past any form with a 400 and queues nothing (20,000 levels used to answer 500)', async () => {
    const runsBefore = (await api('GET', '/runs', { token: user.token })).body.total;
    // Written by hand: 80 KB of nesting, under the body parser's 100 KB.
    const body = `{"analysis":${JSON.stringify(analysis.slug)},"datasetIds":[${JSON.stringify(datasetId)}],"consent":${JSON.stringify(CONSENT)},"params":{"mode":${wideNestedJson(20_000, 1)}}}`;
    const response = await fetch(`${apiUrl()}/api/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, message: 'The request body is nested more than 16 levels deep' });
    // Nine levels pass the body's cap and meet the params' own.
    const nine = await requestRun({ mode: [[[[[[[['x']]]]]]]] });
    expect(nine).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^params is nested more than 8 levels deep/) } });
    expect((await api('GET', '/runs', { token: user.token })).body.total).toBe(runsBefore);
  });
});
