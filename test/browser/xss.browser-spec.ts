// Stored XSS through every field a third party or another user controls. Each payload tries to set
// window.__pwned. The analysis' manifest (title, description) and its result (summary, markdown, metric,
// table, chart title and data, word cloud, artifact) come from a developer; the dataset's name from the
// person. For each page the test asserts the payload's text is visible (it was delivered), the flag is
// unset, no request left the origin and the page reported no CSP violation.
import type { Browser } from 'playwright-core';
import { publishTestAnalysis, type PublishedTestAnalysis } from '../support/analysis-images';
import { api, clientAddress, createSession, eventually, type Session, upload } from '../support/session';
import { launchChromium, seriousAxeViolations, watchedPage, type WatchedPage } from './harness';

const PWN = 'window.__pwned=1';

/** The payloads, each as the text that must show up on the page. */
const PAYLOAD = {
  title: `<img src=x onerror=${PWN}> Hostile title`,
  description: `<script>${PWN}</script> and <a href="javascript:${PWN}">a link</a> in the description`,
  summary: `<img src=x onerror=${PWN}> summary`,
  /** Markdown may not carry raw HTML (the validator refuses it); entity-escaped markup is what passes. */
  markdownSource: `&lt;script&gt;${PWN}&lt;/script&gt; markdown`,
  markdownShown: `<script>${PWN}</script> markdown`,
  metricLabel: `<svg onload=${PWN}> metric`,
  metricUnit: '<b>u</b>',
  column: `<th onclick=${PWN}>column`,
  cell: `<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe> cell`,
  chartTitle: `<img src=x onerror=${PWN}> chart`,
  chartValue: `<img src=x onerror=${PWN}>`,
  word: `<b onmouseover=${PWN}>word`,
  /** Artifact names are limited to [A-Za-z0-9._-] by the output collector: no markup can get through. */
  artifact: 'pwned-report.csv',
  datasetName: `<img src=x onerror=${PWN}> dataset`,
};

const HOSTILE_RESULT = {
  schemaVersion: 1,
  summary: PAYLOAD.summary,
  blocks: [
    { type: 'markdown', text: `# Notes\n\n${PAYLOAD.markdownSource}` },
    { type: 'metric', label: PAYLOAD.metricLabel, value: 3, unit: PAYLOAD.metricUnit },
    { type: 'table', columns: [PAYLOAD.column, 'n'], rows: [[PAYLOAD.cell, 1]] },
    {
      type: 'chart',
      title: PAYLOAD.chartTitle,
      spec: {
        mark: 'bar',
        data: {
          values: [
            { k: PAYLOAD.chartValue, v: 3 },
            { k: 'calm', v: 1 },
          ],
        },
        encoding: { x: { field: 'k', type: 'nominal' }, y: { field: 'v', type: 'quantitative' } },
      },
    },
    {
      type: 'wordcloud',
      words: [
        { text: PAYLOAD.word, weight: 5 },
        { text: 'calm', weight: 1 },
      ],
    },
  ],
};

describe('stored XSS through the console', () => {
  let browser: Browser;
  let analysis: PublishedTestAnalysis;
  let person: Session;
  let datasetId: string;
  let runId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    analysis = await publishTestAnalysis({
      base: 'busybox',
      files: { 'result.json': JSON.stringify(HOSTILE_RESULT) },
      manifest: {
        title: PAYLOAD.title,
        description: PAYLOAD.description,
        category: 'finance',
        entrypoint: [
          '/bin/sh',
          '-c',
          `cp /app/result.json /output/result.json && mkdir -p /output/artifacts && printf 'a,b\\n1,2\\n' > /output/artifacts/${PAYLOAD.artifact}`,
        ],
      },
    });
    person = await createSession('user');
    const record = { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', likes: 3 };
    const uploaded = await upload(
      '/datasets',
      [
        { name: 'format', content: 'lockbox-jsonl' },
        { name: 'name', content: PAYLOAD.datasetName },
        { name: 'file', content: Buffer.from(`${JSON.stringify(record)}\n`), filename: 'x.jsonl' },
      ],
      { token: person.token },
    );
    expect(uploaded.status).toBe(202);
    datasetId = uploaded.body.id;
    await eventually(
      async () => ((await api('GET', `/datasets/${datasetId}`, { token: person.token })).body.status === 'ready' ? true : undefined),
      60_000,
      'ingestion',
    );
    const run = await api('POST', '/runs', {
      token: person.token,
      body: { analysis: analysis.slug, datasetIds: [datasetId], params: {}, consent: { scopes: analysis.manifest.scopes } },
    });
    expect(run.status).toBe(202);
    runId = run.body.id;
    const finished = await eventually(
      async () => {
        const current = await api('GET', `/runs/${runId}`, { token: person.token });
        return ['queued', 'running'].includes(current.body.status) ? undefined : current.body;
      },
      120_000,
      'the hostile run',
    );
    expect(finished.status).toBe('succeeded');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function signedIn(): Promise<WatchedPage> {
    const watched = await watchedPage(browser);
    await watched.context.setExtraHTTPHeaders({ 'x-forwarded-for': clientAddress() });
    await watched.page.goto('/sign-in');
    await watched.page.getByLabel('Email').fill(person.email);
    await watched.page.getByLabel('Password').fill(person.password);
    await watched.page.getByRole('button', { name: 'Sign in' }).click();
    await watched.page.waitForURL(/\/catalogue/);
    return watched;
  }

  async function expectInert(watched: WatchedPage): Promise<void> {
    expect(await watched.page.evaluate('window.__pwned')).toBeUndefined();
    expect(watched.offOrigin()).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(await seriousAxeViolations(watched.page)).toEqual([]);
  }

  async function expectShown(watched: WatchedPage, text: string): Promise<void> {
    await watched.page.getByText(text, { exact: false }).first().waitFor({ state: 'visible', timeout: 30_000 });
  }

  it('shows the hostile title and description in the catalogue and on the analysis page as text', async () => {
    const watched = await signedIn();
    await watched.page.goto('/catalogue?category=finance');
    await expectShown(watched, PAYLOAD.title);
    await expectShown(watched, PAYLOAD.description);
    await expectInert(watched);
    await watched.page.getByRole('link', { name: PAYLOAD.title }).click();
    await watched.page.getByRole('heading', { name: PAYLOAD.title }).waitFor();
    await expectShown(watched, PAYLOAD.description);
    await expectInert(watched);
    await watched.context.close();
  });

  it('renders every field of the hostile result as inert text: summary, markdown, metric, table, chart, word cloud, artifact', async () => {
    const watched = await signedIn();
    const { page } = watched;
    await page.goto(`/runs/${runId}`);
    await page.getByRole('heading', { name: 'Result' }).waitFor();
    for (const text of [
      PAYLOAD.summary,
      PAYLOAD.markdownShown,
      PAYLOAD.metricLabel,
      PAYLOAD.metricUnit,
      PAYLOAD.column,
      PAYLOAD.cell,
      PAYLOAD.chartTitle,
      PAYLOAD.artifact,
    ]) {
      await expectShown(watched, text);
    }
    // Vega draws the data value as an axis label: SVG text, not markup.
    await page.locator('.chart-canvas svg text', { hasText: 'onerror' }).first().waitFor();
    // The word shows its weight on hover and on focus; hovering is what its onmouseover would have wanted.
    const word = page.getByRole('button', { name: `${PAYLOAD.word}, weight 5` });
    await word.hover();
    await page.getByText('weight 5', { exact: true }).waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'calm, weight 1' }).focus();
    await page.getByText('weight 1', { exact: true }).waitFor({ state: 'visible' });
    // The table sorts by its header buttons.
    await page.getByRole('button', { name: /column/ }).click();
    await page.locator('th[aria-sort="ascending"]').waitFor();
    const link = page.getByRole('link', { name: PAYLOAD.artifact });
    expect(await link.getAttribute('download')).not.toBeNull();
    await expectInert(watched);
    await watched.context.close();
  });

  it("shows the dataset's hostile name, the run's summary and the notification as text", async () => {
    const watched = await signedIn();
    const { page } = watched;
    for (const path of ['/datasets', `/datasets/${datasetId}`]) {
      await page.goto(path);
      await expectShown(watched, PAYLOAD.datasetName);
      await expectInert(watched);
    }
    await page.goto('/runs');
    await expectShown(watched, PAYLOAD.summary);
    await expectShown(watched, PAYLOAD.title);
    await expectInert(watched);
    // The notification names the analysis (its title) and carries the result's summary.
    await page.goto('/notifications');
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await expectShown(watched, `${PAYLOAD.title} is ready`);
    await expectShown(watched, PAYLOAD.summary);
    await expectInert(watched);
    await watched.context.close();
  });
});
