import { timelineArchive } from '../../libs/exports/test-fixtures/google-takeout-sample';
import { xArchive2022 } from '../../libs/exports/test-fixtures/x-archive-sample';
import { buildTestAnalysisImage, publishTestAnalysis, type PublishedTestAnalysis, removeLocalImage } from '../support/analysis-images';
import { api, createSession, eventually, type Session, upload } from '../support/session';

// Real exports through runs: what a run receives from datasets ingested from platform archives. Each
// record once however many of the person's datasets hold it; each field at its consented grain.

/** Counts the lines of every staged file and digests them all: equal summaries, equal inputs. */
const COUNT_SCRIPT = `set -e
counts=$(cd /input/data && for file in $(ls | sort); do printf '%s=%s ' "$file" "$(wc -l < "$file" | tr -d ' ')"; done)
digest=$(cat /input/data/*.jsonl | sort | md5sum | cut -c1-32)
printf '{"schemaVersion":1,"summary":"%sdigest=%s","blocks":[]}\\n' "$counts" "$digest" > /output/result.json
`;

/** Counts the location points it is given, and the coordinates among them with more than two decimals. */
const PRECISION_SCRIPT = `set -e
points=$(wc -l < /input/data/location.points.jsonl | tr -d ' ')
fine=$( (grep -Eo '"(latitude|longitude)":-?[0-9]+\\.[0-9]{3,}' /input/data/location.points.jsonl || true) | wc -l | tr -d ' ')
sample=$(head -c 300 /input/data/location.points.jsonl | head -n 1 | tr -d '"\\\\')
printf '{"schemaVersion":1,"summary":"points=%s finer=%s first=%s","blocks":[]}\\n' "$points" "$fine" "$sample" > /output/result.json
`;

const COUNTER_SCOPES = {
  'social.posts': ['timestamp', 'type', 'text', 'likes', 'shares', 'id'],
  'social.reactions': ['platform', 'reaction', 'id'],
  'social.messages': ['timestamp', 'direction', 'id'],
  // Full precision: the checks must flag it for the reviewer.
  'location.points': ['timestamp', 'latitude', 'longitude'],
};
const COARSE_SCOPES = { 'location.points': ['timestamp@day', 'latitude@1km', 'longitude@1km'] };

async function uploadExport(user: Session, archive: Buffer, format: string, name: string): Promise<any> {
  const accepted = await upload(
    '/datasets',
    [
      { name: 'format', content: format },
      { name: 'name', content: name },
      { name: 'file', content: archive, filename: `${name}.zip`, contentType: 'application/zip' },
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
    `ingestion of ${name}`,
  );
}

async function runOver(user: Session, analysis: PublishedTestAnalysis, datasetIds: string[]): Promise<any> {
  const accepted = await api('POST', '/runs', {
    token: user.token,
    body: { analysis: analysis.slug, datasetIds, consent: { scopes: analysis.manifest.scopes } },
  });
  expect(accepted.status).toBe(202);
  return eventually(
    async () => {
      const response = await api('GET', `/runs/${accepted.body.id}`, { token: user.token });
      return ['queued', 'running'].includes(response.body.status) ? undefined : response.body;
    },
    120_000,
    `run ${accepted.body.id}`,
  );
}

describe('runs over datasets from platform exports', () => {
  let image: Awaited<ReturnType<typeof buildTestAnalysisImage>>;
  let counter: PublishedTestAnalysis;
  let coarse: PublishedTestAnalysis;

  beforeAll(async () => {
    image = await buildTestAnalysisImage('busybox', { 'count.sh': COUNT_SCRIPT, 'precision.sh': PRECISION_SCRIPT });
    const developer = await createSession('developer');
    counter = await publishTestAnalysis({
      base: 'busybox',
      image,
      developer,
      manifest: { title: 'Record counter', entrypoint: ['/bin/sh', '/app/count.sh'], scopes: COUNTER_SCOPES as never },
    });
    coarse = await publishTestAnalysis({
      base: 'busybox',
      image,
      developer,
      manifest: { title: 'Coarse places', entrypoint: ['/bin/sh', '/app/precision.sh'], scopes: COARSE_SCOPES as never },
    });
  }, 300_000);

  afterAll(async () => {
    if (image) await removeLocalImage(image.imageId);
  });

  it('gives a run over the same X archive uploaded twice the same input as over one, and the second alone after the first is deleted', async () => {
    const user = await createSession('user');
    const archive = await xArchive2022();
    const first = await uploadExport(user, archive, 'auto', 'first');
    const second = await uploadExport(user, archive, 'x-archive', 'second');
    expect([first.status, second.status]).toEqual(['ready', 'ready']);
    expect(second.report.alreadyPresent).toBe(17);

    const overOne = await runOver(user, counter, [first.id]);
    expect(overOne.status).toBe('succeeded');
    expect(overOne.resultSummary).toMatch(
      /^location\.points\.jsonl=0 social\.messages\.jsonl=5 social\.posts\.jsonl=8 social\.reactions\.jsonl=4 digest=[0-9a-f]{32}$/,
    );
    const overBoth = await runOver(user, counter, [first.id, second.id]);
    expect(overBoth).toMatchObject({ status: 'succeeded', resultSummary: overOne.resultSummary });
    const reversed = await runOver(user, counter, [second.id, first.id]);
    expect(reversed).toMatchObject({ status: 'succeeded', resultSummary: overOne.resultSummary });

    expect((await api('DELETE', `/datasets/${first.id}`, { token: user.token })).status).toBe(204);
    const secondAlone = await runOver(user, counter, [second.id]);
    expect(secondAlone).toMatchObject({ status: 'succeeded', resultSummary: overOne.resultSummary });
  }, 300_000);

  it('gives an analysis that declared latitude@1km no coordinate with more than two decimals, and says the grain on the receipt', async () => {
    const user = await createSession('user');
    const dataset = await uploadExport(user, await timelineArchive(), 'auto', 'timeline');
    expect(dataset).toMatchObject({ status: 'ready', report: { format: 'google-takeout' } });
    expect(dataset.recordKinds['location.points']).toBeGreaterThan(0);

    const run = await runOver(user, coarse, [dataset.id]);
    expect(run.status).toBe('succeeded');
    expect(run.resultSummary).toMatch(
      new RegExp(
        `^points=${dataset.recordKinds['location.points']} finer=0 first=\\{kind:location.points,timestamp:\\d{4}-\\d\\d-\\d\\dT00:00:00Z,latitude:-?\\d+(\\.\\d{1,2})?,longitude:-?\\d+(\\.\\d{1,2})?\\}`,
      ),
    );
    expect(run.consent.inWords).toEqual([
      {
        kind: 'location.points',
        heading: expect.any(String),
        fields: ['the date and time, to the day (not the time of day)', 'your location, rounded to about 1 km'],
      },
    ]);

    // The catalogue's consent step flags the full-precision location of the other analysis, not this one's.
    const counterView = await api('GET', `/analyses/${counter.slug}`, { token: user.token });
    expect(counterView.body.versions[0].fullPrecision).toEqual([
      expect.objectContaining({ kind: 'location.points', field: 'latitude', description: 'your exact location' }),
      expect.objectContaining({ field: 'longitude' }),
    ]);
    const coarseView = await api('GET', `/analyses/${coarse.slug}`, { token: user.token });
    expect(coarseView.body.versions[0].fullPrecision).toEqual([]);
  }, 300_000);

  it("flags a full-precision location scope in the submission's check report, and not a coarse one", async () => {
    const flagged = await api('GET', `/submissions/${counter.submissionId}`, { token: counter.developer.token });
    expect(flagged.body.checkReport.fullPrecisionScopes).toEqual([
      { kind: 'location.points', field: 'latitude', description: 'your exact location' },
      { kind: 'location.points', field: 'longitude', description: 'your exact location' },
    ]);
    expect(flagged.body.checkReport.notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^location\.points latitude is asked for at full precision/)]),
    );
    const coarseReport = await api('GET', `/submissions/${coarse.submissionId}`, { token: coarse.developer.token });
    expect(coarseReport.body.checkReport.fullPrecisionScopes).toEqual([]);
  });

  it('refuses a submission whose scopes ask for a grain outside the vocabulary, naming the scope', async () => {
    const developer = await createSession('developer');
    const refused = await upload(
      '/submissions',
      [
        { name: 'manifest', content: JSON.stringify({ ...counter.manifest, name: `grain-${Date.now()}`, scopes: { 'location.points': ['latitude@5km'] } }) },
        { name: 'image', content: image.tarball, filename: 'image.tar', contentType: 'application/x-tar' },
      ],
      { token: developer.token },
    );
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/location\.points.{0,8}\[0\] is not accepted: .{0,4}5km.{0,4} is not a grain/);
  });
});
