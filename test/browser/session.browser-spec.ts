// The console's session rules, in a real browser: the cookie's attributes, a new session at every
// sign-in, CSRF tokens on cookie-authenticated changes (multipart uploads too), sign-out, a password
// change and both timeouts ending the session on the server; bearer tokens unaffected by cookies; the
// login backoff at sign-in; no CORS; and the headers of every page.
import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { Client } from 'pg';
import { loadConfig } from '@lockbox/config';
import { api, apiUrl, asClient, clientAddress, createSession, type Session } from '../support/session';
import { launchChromium, seriousAxeViolations, watchedPage, type WatchedPage } from './harness';

const COOKIE = '__Host-lockbox_session';

async function signInThroughPage(watched: WatchedPage, session: Session): Promise<string> {
  const { page } = watched;
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(session.email);
  await page.getByLabel('Password').fill(session.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/catalogue/);
  const cookie = (await watched.context.cookies()).find((candidate) => candidate.name === COOKIE);
  if (!cookie) throw new Error('no session cookie after signing in');
  return cookie.value;
}

/** A request from outside the browser carrying a copied cookie: does the server still honour it? */
async function withCookie(token: string, path = '/auth/session', init: RequestInit = {}): Promise<Response> {
  return fetch(`${apiUrl()}/api/v1${path}`, { ...init, headers: { cookie: `${COOKIE}=${token}`, ...(init.headers as Record<string, string> | undefined) } });
}

/** fetch from inside the page (same origin, the cookie sent by the browser). */
function pageFetch(page: Page, path: string, method: string, csrf?: string): Promise<{ status: number; body: string }> {
  const headers = csrf ? `{ 'x-csrf-token': ${JSON.stringify(csrf)} }` : '{}';
  return page.evaluate<{ status: number; body: string }>(
    `fetch(${JSON.stringify(`/api/v1${path}`)}, { method: ${JSON.stringify(method)}, headers: ${headers} }).then(async (r) => ({ status: r.status, body: await r.text() }))`,
  );
}

async function ageSession(token: string, column: 'last_seen_at' | 'created_at', seconds: number): Promise<void> {
  const client = new Client({ connectionString: loadConfig().database.url });
  await client.connect();
  try {
    const hash = createHash('sha256').update(token, 'utf8').digest();
    const updated = await client.query(`UPDATE browser_sessions SET ${column} = now() - make_interval(secs => $2) WHERE token_hash = $1`, [hash, seconds]);
    if (updated.rowCount !== 1) throw new Error('no such session row');
  } finally {
    await client.end();
  }
}

describe('the console session', () => {
  let browser: Browser;
  let user: Session;
  const config = loadConfig();

  beforeAll(async () => {
    browser = await launchChromium();
    user = await createSession('user');
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function freshPage(): Promise<WatchedPage> {
    const watched = await watchedPage(browser);
    await watched.context.setExtraHTTPHeaders({ 'x-forwarded-for': clientAddress() });
    return watched;
  }

  it("keeps the session in a __Host- cookie that is Secure, HttpOnly and SameSite=Strict, even on http://127.0.0.1, and out of the page's reach", async () => {
    const watched = await freshPage();
    await signInThroughPage(watched, user);
    const cookie = (await watched.context.cookies()).find((candidate) => candidate.name === COOKIE)!;
    expect(cookie).toMatchObject({ path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
    expect(cookie.domain).toBe(new URL(apiUrl()).hostname);
    expect(await watched.page.evaluate<string>('document.cookie')).not.toContain('lockbox_session');
    // A reload finds the session again (GET /auth/session), without signing in.
    await watched.page.reload();
    await watched.page.getByRole('heading', { name: 'Catalogue' }).waitFor();
    await watched.context.close();
  });

  it('starts a new session at every sign-in and ends it on the server at sign-out', async () => {
    const watched = await freshPage();
    const first = await signInThroughPage(watched, user);
    expect((await withCookie(first)).status).toBe(200);
    await watched.page.getByRole('button', { name: 'Sign out' }).click();
    await watched.page.waitForURL(/\/sign-in/);
    // The copied cookie opens nothing any more: the session is gone from the server, not just the browser.
    expect((await withCookie(first)).status).toBe(401);
    const second = await signInThroughPage(watched, user);
    expect(second).not.toBe(first);
    expect((await withCookie(second)).status).toBe(200);
    await watched.context.close();
  });

  it('requires the CSRF token on every cookie-authenticated change, multipart uploads included', async () => {
    const watched = await freshPage();
    await signInThroughPage(watched, user);
    const { page } = watched;
    const refused = await pageFetch(page, '/notifications/read-all', 'POST');
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('X-CSRF-Token');
    const csrf = (JSON.parse((await pageFetch(page, '/auth/session', 'GET')).body) as { csrfToken: string }).csrfToken;
    expect((await pageFetch(page, '/notifications/read-all', 'POST', 'not-the-token')).status).toBe(403);
    expect((await pageFetch(page, '/notifications/read-all', 'POST', csrf)).status).toBe(200);

    const before = await api('GET', '/datasets', { token: user.token });
    const upload = (token?: string) =>
      page.evaluate<number>(`(() => {
        const form = new FormData();
        form.append('format', 'lockbox-jsonl');
        form.append('file', new Blob(['{"kind":"social.posts","timestamp":"2026-01-05T18:20:00Z","platform":"x","type":"post","likes":1}\\n']), 'x.jsonl');
        return fetch('/api/v1/datasets', { method: 'POST', body: form, headers: ${token ? `{ 'x-csrf-token': ${JSON.stringify(token)} }` : '{}'} }).then((r) => r.status);
      })()`);
    expect(await upload()).toBe(403);
    expect((await api('GET', '/datasets', { token: user.token })).body.total).toBe(before.body.total);
    expect(await upload(csrf)).toBe(202);
    expect((await api('GET', '/datasets', { token: user.token })).body.total).toBe(before.body.total + 1);
    // Sign-out is a change too.
    expect((await pageFetch(page, '/auth/session', 'DELETE')).status).toBe(403);
    await watched.context.close();
  });

  it('ends after the idle timeout and at the absolute timeout, and not before either', async () => {
    const { sessionIdleSeconds, sessionMaxSeconds } = config.auth;
    const watched = await freshPage();
    const token = await signInThroughPage(watched, user);
    await ageSession(token, 'last_seen_at', sessionIdleSeconds - 60);
    expect((await withCookie(token)).status).toBe(200);
    await ageSession(token, 'created_at', sessionMaxSeconds - 60);
    expect((await withCookie(token)).status).toBe(200);
    await ageSession(token, 'created_at', sessionMaxSeconds + 1);
    expect((await withCookie(token)).status).toBe(401);

    const idle = await signInThroughPage(watched, user);
    // The catalogue has loaded (and the unread count), so the next request is the one the test makes.
    await watched.page.getByRole('list', { name: 'Analyses' }).waitFor();
    await ageSession(idle, 'last_seen_at', sessionIdleSeconds + 1);
    // The page learns it at its next request, and asks the person to sign in again.
    await watched.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My runs' }).click();
    await watched.page.getByText('Your session has ended: please sign in again.').waitFor();
    expect((await withCookie(idle)).status).toBe(401);
    await watched.context.close();
  });

  it('ends every session of the account when the password changes', async () => {
    const person = await createSession('user');
    const other = await freshPage();
    const otherToken = await signInThroughPage(other, person);
    const watched = await freshPage();
    const token = await signInThroughPage(watched, person);
    const { page } = watched;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Change your password' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByLabel('Current password').fill(person.password);
    await page.getByLabel('New password').fill(`${person.password}-changed`);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText(/Your password was changed and every session ended/).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await withCookie(token)).status).toBe(401);
    expect((await withCookie(otherToken)).status).toBe(401);
    await other.context.close();
    await watched.context.close();
  });

  it('answers a bearer token as the token says, never reading cookies, and without a CSRF token', async () => {
    const watched = await freshPage();
    const cookieOfUser = await signInThroughPage(watched, user);
    const developer = await createSession('developer');
    const me = await fetch(`${apiUrl()}/api/v1/me`, { headers: { authorization: `Bearer ${developer.token}`, cookie: `${COOKIE}=${cookieOfUser}` } });
    expect(((await me.json()) as { email: string }).email).toBe(developer.email);
    const change = await fetch(`${apiUrl()}/api/v1/notifications/read-all`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` } });
    expect(change.status).toBe(200);
    // A bad bearer token is refused even beside a good cookie.
    const forged = await fetch(`${apiUrl()}/api/v1/me`, { headers: { authorization: 'Bearer forged', cookie: `${COOKIE}=${cookieOfUser}` } });
    expect(forged.status).toBe(401);
    await watched.context.close();
  });

  it('applies the login backoff to signing in, and says so on the form', async () => {
    const person = await createSession('user');
    const watched = await freshPage();
    const { page } = watched;
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(person.email);
    for (let attempt = 0; attempt < 4; attempt++) {
      await page.getByLabel('Password').fill('wrong-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
    }
    await page.getByText(/Too many failed attempts/).waitFor();
    await watched.context.close();
  });

  it('signs in with the keyboard alone', async () => {
    const watched = await freshPage();
    const { page } = watched;
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(user.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/catalogue/);
    // Each new page moves the focus to its heading, so a screen reader announces it.
    await page.getByRole('heading', { name: 'Catalogue' }).waitFor();
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Catalogue');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('catalogue-search');
    await watched.context.close();
  });

  it('sends no CORS headers, to a simple request or a preflight', async () => {
    const origin = { origin: 'https://elsewhere.example' };
    const simple = await fetch(`${apiUrl()}/api/v1/health`, { headers: origin });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${apiUrl()}/api/v1/datasets`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('puts the CSP and the protective headers on every page and every API answer', async () => {
    for (const path of ['/', '/catalogue', '/runs/00000000-0000-0000-0000-000000000000']) {
      const response = await fetch(`${apiUrl()}${path}`);
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('cache-control')).toBe('no-cache');
    }
    const page = await fetch(`${apiUrl()}/`);
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const script = await fetch(`${apiUrl()}${asset}`);
    expect(script.headers.get('cache-control')).toContain('immutable');
    for (const response of [page, script, await fetch(`${apiUrl()}/api/v1/health`)]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('permissions-policy')).toContain('camera=()');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    // The app's fallback never answers for the API or for a missing asset.
    const missingRoute = await fetch(`${apiUrl()}/api/v1/no-such-route`, { headers: asClient(clientAddress()) });
    expect(missingRoute.status).toBe(404);
    expect(missingRoute.headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${apiUrl()}/assets/missing.js`)).status).toBe(404);
  });
});
