// A person who has never seen Lockbox, in the browser alone: signs up, uploads an export, reads its
// ingest report, picks an analysis from the catalogue, consents, runs it, watches it live (no reload)
// and reads its charts. Each step is screenshotted at desktop and phone width (`npm run screenshots`
// writes them to docs/screenshots), checked with axe, and checked to fit a 375 px screen. Nothing the
// page requests leaves the origin, and the page reports no CSP violation.
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { clientAddress, uniqueEmail } from '../support/session';
import { launchChromium, overflowsHorizontally, PHONE, screenshotStep, seriousAxeViolations, watchedPage, type WatchedPage } from './harness';

/** The export the person uploads, and the format they choose for it. */
interface JourneyExport {
  file: { name: string; mimeType: string; buffer: Buffer };
  format: string;
}

/** An X archive as X hands it out (libs/exports/test-fixtures), read with format `auto`. */
async function xArchiveExport(): Promise<JourneyExport> {
  const { xArchive2022 } = await import('../../libs/exports/test-fixtures/x-archive-sample');
  return { file: { name: 'twitter-archive.zip', mimeType: 'application/zip', buffer: await xArchive2022() }, format: 'auto' };
}

/** The shape of the API's OpenAPI document around the upload's `format` field. */
interface OpenApiUpload {
  paths: { '/api/v1/datasets': { post: { requestBody: { content: { 'multipart/form-data': { schema: { properties: { format: { enum: string[] } } } } } } } } };
}

/** The `format` values POST /datasets accepts, as the API's OpenAPI document lists them. */
async function acceptedUploadFormats(origin: string): Promise<string[]> {
  const document = (await (await fetch(`${origin}/api/docs-json`)).json()) as OpenApiUpload;
  return document.paths['/api/v1/datasets'].post.requestBody.content['multipart/form-data'].schema.properties.format.enum;
}

const JOURNEY_EXPORT: () => Promise<JourneyExport> = xArchiveExport;

describe('a person in the console', () => {
  let browser: Browser;
  let watched: WatchedPage;
  const axeFindings: string[] = [];
  const tooWide: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    watched = await watchedPage(browser);
    // This browser is one client of its own, as each test session is (the test stack trusts loopback's X-Forwarded-For).
    await watched.context.setExtraHTTPHeaders({ 'x-forwarded-for': clientAddress() });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function step(name: string): Promise<void> {
    await screenshotStep(watched.page, name);
    axeFindings.push(...(await seriousAxeViolations(watched.page)).map((finding) => `${name}: ${finding}`));
    await watched.page.setViewportSize(PHONE);
    if (await overflowsHorizontally(watched.page)) tooWide.push(name);
    await watched.page.setViewportSize({ width: 1280, height: 900 });
  }

  it('signs up, uploads an export, consents, runs an analysis, watches it live and reads its chart', async () => {
    const { page } = watched;
    const email = uniqueEmail('console');
    const password = `console-${Date.now()}-password`;
    const upload = await JOURNEY_EXPORT();

    await page.goto('/');
    await page.waitForURL(/\/sign-in$/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // The first page loads only what it needs: under 200 KB of JavaScript gzipped, and no chart library.
    const firstScripts = watched.requests.filter((url) => url.endsWith('.js'));
    let firstScriptBytes = 0;
    for (const url of firstScripts) firstScriptBytes += gzipSync(Buffer.from(await (await fetch(url)).arrayBuffer()), { level: 9 }).length;
    expect(firstScripts.length).toBeGreaterThan(0);
    expect(firstScriptBytes).toBeLessThan(200 * 1024);
    await step('01-sign-in');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await step('02-sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.waitForURL(/\/datasets$/);
    await page.getByRole('heading', { name: 'No data yet' }).waitFor();
    // The form offers exactly the formats the API's OpenAPI document lists for POST /datasets.
    const acceptedFormats = await acceptedUploadFormats(watched.origin);
    await page.locator('#upload-format option').first().waitFor({ state: 'attached' });
    const offeredFormats = await page
      .locator('#upload-format option')
      .evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value));
    expect(acceptedFormats).toContain(upload.format);
    expect([...offeredFormats].sort()).toEqual([...acceptedFormats].sort());
    await page.getByLabel('File').setInputFiles(upload.file);
    await page.getByLabel('Format').selectOption(upload.format);
    await page.getByLabel('Name (optional)').fill('My posts');
    await step('03-upload');
    await page.getByRole('button', { name: 'Upload' }).click();

    await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/);
    // The report appears when ingestion ends, through the live events: the page is not reloaded.
    await page.getByRole('heading', { name: 'Ingest report' }).waitFor({ timeout: 60_000 });
    await page.getByText('Ready', { exact: true }).waitFor();
    await page.getByText(/× your posts/).waitFor();
    await step('04-ingest-report');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Catalogue' }).click();
    await page.getByRole('link', { name: 'Social engagement' }).waitFor();
    await page.getByRole('button', { name: 'Social', exact: true }).click();
    await page.waitForURL(/category=social/);
    await page.getByRole('link', { name: 'Social engagement' }).waitFor();
    await step('05-catalogue');
    const chartChunk = (url: string) => /\/assets\/chart-[^/]+\.js$/.test(url);
    expect(watched.requests.filter(chartChunk)).toEqual([]);

    await page.getByRole('link', { name: 'Social engagement' }).click();
    await page.getByRole('heading', { name: 'What it reads' }).waitFor();
    await page.getByText('how many likes it got').first().waitFor();
    await page.getByText('You have not run this analysis before.').waitFor();
    await page.getByRole('heading', { name: 'Run it' }).waitFor();
    await step('06-analysis');

    // The form from the params schema: one integer with its bounds; the run is refused without consent.
    await page.getByRole('spinbutton').fill('60');
    await page.getByLabel('My posts').check();
    await page.getByRole('button', { name: 'Consent and run' }).click();
    await page.getByText('Tick the box to consent to this run').waitFor();
    await page.getByLabel(/I consent to this one run/).check();
    await step('07-consent');
    await page.getByRole('button', { name: 'Consent and run' }).click();

    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await page.evaluate('window.__sameDocument = true');
    await page.getByRole('heading', { name: 'Run of Social engagement' }).waitFor();
    await step('08-run-live');

    // Queued, running, then the outcome: each arrives over SSE into the same document.
    await page.getByText('Succeeded', { exact: true }).waitFor({ timeout: 120_000 });
    await page.locator('.chart-canvas svg').first().waitFor({ timeout: 30_000 });
    // Vega came with the first chart, and only then.
    expect(watched.requests.filter(chartChunk)).toHaveLength(1);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    const charts = await page.locator('.chart-canvas svg').count();
    expect(charts).toBeGreaterThan(0);
    // Marks were drawn from the inline data (bars are paths in Vega's SVG).
    expect(
      await page.locator('.chart-canvas svg .mark-rect path, .chart-canvas svg .mark-line path, .chart-canvas svg .mark-area path').count(),
    ).toBeGreaterThan(0);
    await page.getByRole('heading', { name: 'Result' }).waitFor();
    await step('09-result');

    await page.getByRole('button', { name: 'Show the logs' }).click();
    await page.getByLabel('Run logs').waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My runs' }).click();
    await page.getByRole('link', { name: /Social engagement 1\.0\.0/ }).waitFor();
    await step('10-history');

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /Notifications/ })
      .click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await page.getByText(/unread\./).waitFor();
    await step('11-notifications');

    expect(axeFindings).toEqual([]);
    expect(tooWide).toEqual([]);
    expect(watched.offOrigin()).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.pageErrors).toEqual([]);
  });
});
