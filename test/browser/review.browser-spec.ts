// Developers and admins in the console (issue 17). Each role signs in and tries the others' pages and
// API calls: the pages are not offered and the API refuses them anyway. Then the review journey in the
// browser: a developer creates a token on the start page, submits with it (the call `lockbox submit`
// makes), follows the checks live and reads the report; an admin reviews the submission, whose manifest
// fields are hostile, and rejects it with a reason; approves the next version, then suspends it; the
// developer's open page shows each outcome without a reload. No payload runs, nothing leaves the origin,
// the pages report no CSP violation and axe finds nothing serious. Screenshots at both widths.
import type { Manifest } from '@lockbox/analysis-sdk';
import type { Browser } from 'playwright-core';
import { buildTestAnalysisImage, type BuiltTestImage, passingSmokeRun, testManifest } from '../support/analysis-images';
import { api, clientAddress, createSession, eventually, type Session, upload } from '../support/session';
import { launchChromium, overflowsHorizontally, PHONE, screenshotStep, seriousAxeViolations, watchedPage, type WatchedPage } from './harness';

const PWN = 'window.__pwned=1';
/** Developer-controlled text an admin reads: each tries to set window.__pwned. */
const PAYLOAD = {
  title: `<img src=x onerror="${PWN}"> Review title`,
  description: `<script>${PWN}</script> Review description <a href="javascript:${PWN}">link</a>`,
  paramTitle: `<svg onload="${PWN}"> Param title`,
  paramDescription: `<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe> param description`,
  entrypoint: `# <img src=x onerror="${PWN}"> entrypoint`,
  logLine: `<img src=x onerror="${PWN}"> smoke run log line`,
};

/** A page's calls with the session's cookie and CSRF token, as the console's own code makes them. */
async function callFromPage(watched: WatchedPage, method: string, path: string): Promise<number> {
  return watched.page.evaluate(
    async ([method, path]) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const response = await fetch(`/api/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: method === 'GET' ? undefined : '{}',
      });
      return response.status;
    },
    [method, path] as const,
  );
}

describe('developers and admins in the console', () => {
  let browser: Browser;
  let image: BuiltTestImage;
  let developer: Session;
  let admin: Session;
  let person: Session;
  const axeFindings: string[] = [];
  const tooWide: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    [developer, admin, person, image] = await Promise.all([
      createSession('developer'),
      createSession('admin'),
      createSession('user'),
      buildTestAnalysisImage('busybox', { 'result.json': JSON.stringify({ schemaVersion: 1, summary: 'Reviewed', blocks: [] }) }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function signedIn(account: Session): Promise<WatchedPage> {
    const watched = await watchedPage(browser);
    await watched.context.setExtraHTTPHeaders({ 'x-forwarded-for': clientAddress() });
    await watched.page.goto('/sign-in');
    await watched.page.getByLabel('Email').fill(account.email);
    await watched.page.getByLabel('Password').fill(account.password);
    await watched.page.getByRole('button', { name: 'Sign in' }).click();
    await watched.page.waitForURL(/\/(catalogue|datasets)/);
    return watched;
  }

  async function navLabels(watched: WatchedPage): Promise<string[]> {
    return (await watched.page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).map((text) => text.trim());
  }

  async function expectRefusedPage(watched: WatchedPage, path: string): Promise<void> {
    await watched.page.goto(path);
    await watched.page.getByRole('heading', { name: 'Not for this account' }).waitFor();
  }

  async function step(watched: WatchedPage, name: string): Promise<void> {
    await screenshotStep(watched.page, name);
    axeFindings.push(...(await seriousAxeViolations(watched.page)).map((finding) => `${name}: ${finding}`));
    await watched.page.setViewportSize(PHONE);
    if (await overflowsHorizontally(watched.page)) tooWide.push(name);
    await watched.page.setViewportSize({ width: 1280, height: 900 });
  }

  async function expectInert(watched: WatchedPage): Promise<void> {
    expect(await watched.page.evaluate('window.__pwned')).toBeUndefined();
    expect(watched.offOrigin()).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.pageErrors).toEqual([]);
  }

  it("offers each role its own pages only, and the API refuses the others' calls anyway", async () => {
    const someId = '00000000-0000-4000-8000-000000000000';

    const asPerson = await signedIn(person);
    expect(await navLabels(asPerson)).toEqual(expect.arrayContaining(['Catalogue', 'My data', 'My runs']));
    expect((await navLabels(asPerson)).filter((label) => ['My submissions', 'Start here', 'Review queue', 'Accounts', 'Health'].includes(label))).toEqual([]);
    for (const path of ['/submissions', `/submissions/${someId}`, '/developer/start', '/admin/health', '/admin/accounts'])
      await expectRefusedPage(asPerson, path);
    expect(await callFromPage(asPerson, 'GET', '/submissions')).toBe(403);
    expect(await callFromPage(asPerson, 'GET', `/submissions/${someId}`)).toBe(403);
    expect(await callFromPage(asPerson, 'POST', `/submissions/${someId}/approve`)).toBe(403);
    expect(await callFromPage(asPerson, 'GET', '/health/details')).toBe(403);
    expect(await callFromPage(asPerson, 'GET', '/users')).toBe(403);
    expect(await callFromPage(asPerson, 'GET', '/admin/queues')).toBe(403);
    await expectInert(asPerson);

    const asDeveloper = await signedIn(developer);
    const developerNav = await navLabels(asDeveloper);
    expect(developerNav).toEqual(expect.arrayContaining(['Catalogue', 'My submissions', 'Start here']));
    expect(developerNav.filter((label) => ['My data', 'My runs', 'Review queue', 'Accounts', 'Health'].includes(label))).toEqual([]);
    for (const path of ['/datasets', '/runs', '/admin/health', '/admin/accounts']) await expectRefusedPage(asDeveloper, path);
    expect(await callFromPage(asDeveloper, 'GET', '/datasets')).toBe(403);
    expect(await callFromPage(asDeveloper, 'POST', `/submissions/${someId}/approve`)).toBe(403);
    expect(await callFromPage(asDeveloper, 'POST', `/submissions/${someId}/reject`)).toBe(403);
    expect(await callFromPage(asDeveloper, 'POST', '/analyses/any/versions/1.0.0/suspend')).toBe(403);
    expect(await callFromPage(asDeveloper, 'GET', '/health/details')).toBe(403);
    expect(await callFromPage(asDeveloper, 'GET', '/users')).toBe(403);
    expect(await callFromPage(asDeveloper, 'POST', '/admin/queues/runs/redrive')).toBe(403);
    await expectInert(asDeveloper);

    const asAdmin = await signedIn(admin);
    const adminNav = await navLabels(asAdmin);
    expect(adminNav).toEqual(expect.arrayContaining(['Catalogue', 'Review queue', 'Accounts', 'Health']));
    expect(adminNav.filter((label) => ['My data', 'My runs', 'My submissions', 'Start here'].includes(label))).toEqual([]);
    for (const path of ['/datasets', '/runs', '/developer/start']) await expectRefusedPage(asAdmin, path);
    expect(await callFromPage(asAdmin, 'GET', '/datasets')).toBe(403);
    expect(await callFromPage(asAdmin, 'POST', '/submissions')).toBe(403);
    // The admin's own pages: accounts with their roles; health with dependencies, workers and queues.
    await asAdmin.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
    // Oldest first: the seeded admin leads, however many accounts other suites made.
    await asAdmin.page
      .getByRole('region', { name: 'Accounts' })
      .getByRole('row', { name: new RegExp(`${admin.email.replace(/[.+]/g, '\\$&')}\\s+Admin`) })
      .waitFor();
    await step(asAdmin, '29-admin-accounts');
    await asAdmin.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Health' }).click();
    await asAdmin.page.getByRole('list', { name: 'Dependencies' }).getByText('postgres').waitFor();
    await asAdmin.page
      .getByRole('list', { name: 'Workers' })
      .getByText(/Docker \d/)
      .first()
      .waitFor();
    await asAdmin.page.getByRole('list', { name: 'Queues' }).getByText('runs', { exact: true }).waitFor();
    await asAdmin.page.getByRole('button', { name: 'Show the dead letters of checks' }).click();
    // Other suites on the same stack may have left some: either answer is the listing.
    await asAdmin.page
      .getByText('No dead letters.')
      .or(asAdmin.page.getByRole('list', { name: 'Dead letters of checks' }))
      .waitFor();
    await step(asAdmin, '30-admin-health');
    await expectInert(asAdmin);
    expect(axeFindings).toEqual([]);
    expect(tooWide).toEqual([]);
    await Promise.all([asPerson.context.close(), asDeveloper.context.close(), asAdmin.context.close()]);
  });

  it('a developer creates a token, submits, follows the checks live; an admin rejects with a reason, approves the next version and suspends it; the developer sees each', async () => {
    // The developer's start page: a token created there, shown once, ready for the CLI.
    const asDeveloper = await signedIn(developer);
    await asDeveloper.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Start here' }).click();
    await asDeveloper.page.getByRole('heading', { name: 'Start here' }).waitFor();
    await asDeveloper.page.getByLabel('Token name').fill('console test');
    await asDeveloper.page.getByRole('button', { name: 'Create a token' }).click();
    const snippet = await asDeveloper.page.getByLabel('Command storing the token for the CLI').textContent();
    const token = /"token": "(lbx_[^"]+)"/.exec(snippet ?? '')?.[1];
    expect(token).toBeDefined();
    expect(snippet).toContain(`"url": "${asDeveloper.origin}"`);
    await asDeveloper.page.getByRole('list', { name: 'Tokens' }).getByText('console test').waitFor();
    await step(asDeveloper, '21-developer-start');

    // Submitted with that token, as `lockbox submit` does; the page follows the checks without a reload.
    const slug = `review-${Date.now().toString(36)}`;
    const hostile: Manifest = testManifest(
      passingSmokeRun({
        name: slug,
        title: PAYLOAD.title,
        description: PAYLOAD.description,
        scopes: { 'social.posts': ['timestamp', 'likes'], 'social.messages': ['text'] },
        params: { type: 'object', properties: { limit: { type: 'integer', title: PAYLOAD.paramTitle, description: PAYLOAD.paramDescription, default: 5 } } },
        entrypoint: ['/bin/sh', '-c', `cp /app/result.json /output/result.json ${PAYLOAD.entrypoint}`],
      }),
    );
    const submit = (manifest: Manifest) =>
      upload(
        '/submissions',
        [
          { name: 'manifest', content: JSON.stringify(manifest) },
          { name: 'image', content: image.tarball, filename: 'image.tar', contentType: 'application/x-tar' },
        ],
        { token },
      );
    const first = await submit(hostile);
    expect(first.status).toBe(202);
    // One that fails its smoke run, printing a payload into the report's log tail (checked below).
    const failing = await submit(
      testManifest({ name: `${slug}-fails`, title: 'Fails its checks', entrypoint: ['/bin/sh', '-c', `echo '${PAYLOAD.logLine}'; exit 3`] }),
    );
    expect(failing.status).toBe(202);
    await asDeveloper.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My submissions' }).click();
    await asDeveloper.page.getByRole('link', { name: `${PAYLOAD.title} 1.0.0` }).click();
    await asDeveloper.page.waitForURL(new RegExp(`/submissions/${first.body.id as string}$`));
    await asDeveloper.page.evaluate('window.__sameDocument = true');
    await asDeveloper.page.getByText('Checks passed, waiting for review', { exact: true }).waitFor({ timeout: 120_000 });
    await asDeveloper.page.getByRole('heading', { name: 'Check report' }).waitFor();
    expect(await asDeveloper.page.getByRole('list', { name: 'Check steps' }).getByRole('listitem').count()).toBeGreaterThan(0);
    await asDeveloper.page.getByRole('heading', { name: 'Run on synthetic records' }).waitFor();
    await step(asDeveloper, '22-developer-checks');

    // The admin's queue and review: every developer field delivered as text; scopes flagged.
    const asAdmin = await signedIn(admin);
    await asAdmin.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review queue' }).click();
    await asAdmin.page.getByRole('heading', { name: 'Review queue' }).waitFor();
    await asAdmin.page.getByRole('link', { name: `${PAYLOAD.title} 1.0.0` }).waitFor();
    await step(asAdmin, '23-admin-queue');
    await asAdmin.page.getByRole('link', { name: `${PAYLOAD.title} 1.0.0` }).click();
    await asAdmin.page.getByRole('heading', { name: `${PAYLOAD.title} 1.0.0` }).waitFor();
    // The params schema is shown as its JSON: the payloads' quotes are escaped there.
    const asJson = (text: string) => JSON.stringify(text).slice(1, -1);
    for (const text of [PAYLOAD.description, asJson(PAYLOAD.paramTitle), asJson(PAYLOAD.paramDescription), PAYLOAD.entrypoint]) {
      await asAdmin.page.getByText(text, { exact: false }).first().waitFor();
    }
    await asAdmin.page.getByText('The first version of this analysis: every field is new.').waitFor();
    expect(await asAdmin.page.locator('.flag-sensitive').count()).toBe(1);
    await step(asAdmin, '24-admin-review');
    await asAdmin.page.getByRole('button', { name: 'Reject' }).click();
    await asAdmin.page.getByText('Say why you reject it: the developer reads the reason').waitFor();
    await asAdmin.page.getByLabel('Reason').fill('Reads the text of private messages, which it does not need');
    await asAdmin.page.getByRole('button', { name: 'Reject' }).click();
    await asAdmin.page.getByText('Rejected', { exact: true }).waitFor();
    await expectInert(asAdmin);

    // The developer's open page shows the rejection and its reason, live.
    await asDeveloper.page.getByText('Reads the text of private messages, which it does not need').waitFor({ timeout: 30_000 });
    expect(await asDeveloper.page.evaluate('window.__sameDocument')).toBe(true);
    await step(asDeveloper, '25-developer-rejected');

    // The failed checks' report, its log tail the developer's text: delivered as text.
    await asAdmin.page.goto(`/submissions/${failing.body.id as string}`);
    await asAdmin.page.getByText('Failed the checks', { exact: true }).waitFor({ timeout: 120_000 });
    await asAdmin.page.getByRole('heading', { name: 'What failed' }).waitFor();
    expect(await asAdmin.page.getByLabel('Smoke run logs').textContent()).toContain(PAYLOAD.logLine);
    await step(asAdmin, '26-admin-check-failed');
    await expectInert(asAdmin);

    // The next version, reading less: approved, then suspended.
    const second = await submit({ ...hostile, version: '1.0.1', scopes: { 'social.posts': ['timestamp', 'likes'] } });
    expect(second.status).toBe(202);
    const secondId = second.body.id as string;
    await eventually(
      async () => ((await api('GET', `/submissions/${secondId}`, { token: developer.token })).body.status === 'awaiting_review' ? true : undefined),
      120_000,
      'the checks of the second version',
    );
    await asAdmin.page.goto(`/submissions/${secondId}`);
    await asAdmin.page.getByRole('heading', { name: `${PAYLOAD.title} 1.0.1` }).waitFor();
    // 1.0.0 was rejected, so nothing is published to compare with; no field is at full precision now.
    await asAdmin.page.getByText('The first version of this analysis: every field is new.').waitFor();
    expect(await asAdmin.page.locator('.flag-added').count()).toBe(2);
    expect(await asAdmin.page.locator('.flag-sensitive').count()).toBe(0);
    await asAdmin.page.getByLabel('Reason').fill('Reads only counts now');
    await asAdmin.page.getByRole('button', { name: 'Approve' }).click();
    await asAdmin.page.getByText('Published', { exact: true }).waitFor();
    await asAdmin.page.getByRole('button', { name: 'Suspend this version' }).click();
    await asAdmin.page.getByText('Say why you suspend it: the developer reads the reason').waitFor();
    await asAdmin.page.getByLabel('Reason (required)').fill('Suspended while we look into a report');
    await asAdmin.page.getByRole('button', { name: 'Suspend this version' }).click();
    await asAdmin.page.getByText('Suspended', { exact: true }).waitFor();
    await step(asAdmin, '27-admin-suspended');
    await expectInert(asAdmin);

    await asDeveloper.page.goto(`/submissions/${secondId}`);
    await asDeveloper.page.getByText('Suspended while we look into a report').waitFor();
    await asDeveloper.page.getByRole('heading', { name: 'Runs per week' }).waitFor();
    await step(asDeveloper, '28-developer-suspended');
    await expectInert(asDeveloper);

    expect(axeFindings).toEqual([]);
    expect(tooWide).toEqual([]);
  }, 420_000);
});
