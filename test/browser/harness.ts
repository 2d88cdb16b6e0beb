// The browser suite's harness: Debian's Chromium driven by playwright-core against the test stack, with
// every request the page makes and every CSP violation it reports recorded, so a test can assert that
// nothing left the origin. Screenshots go to .lockbox-test/screenshots (ignored), or, under
// `npm run screenshots`, to docs/screenshots at desktop and phone width.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { apiUrl } from '../support/session';

export const CHROMIUM = '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 740 };

const repoRoot = join(__dirname, '..', '..');
/** `npm run screenshots` sets this to docs/screenshots; otherwise the screenshots are a test run's own. */
const screenshotDir = process.env.LOCKBOX_SCREENSHOTS_DIR
  ? join(repoRoot, process.env.LOCKBOX_SCREENSHOTS_DIR)
  : join(repoRoot, '.lockbox-test', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  origin: string;
  /** Every URL the page requested, in order. */
  requests: string[];
  /** Requests to anywhere but the console's origin (data: and blob: URLs included). */
  offOrigin(): string[];
  /** CSP violations the page reported, as `directive blocked-uri`. */
  cspViolations(): Promise<string[]>;
  /** Errors thrown in the page. */
  pageErrors: string[];
}

/** A fresh context (no cookies) and page, watched from its first request. */
export async function watchedPage(browser: Browser, viewport = DESKTOP): Promise<WatchedPage> {
  const origin = apiUrl();
  const context = await browser.newContext({ viewport, baseURL: origin, serviceWorkers: 'block' });
  // Runs before any script of the page, outside its CSP: collects the violations the browser reports.
  // (Page code is written as strings: this file is type-checked without the DOM library.)
  await context.addInitScript({
    content: `(() => {
      const store = [];
      Object.defineProperty(window, '__cspViolations', { value: store, enumerable: false });
      document.addEventListener('securitypolicyviolation', (event) => store.push(event.effectiveDirective + ' ' + event.blockedURI));
    })();`,
  });
  const page = await context.newPage();
  const requests: string[] = [];
  const pageErrors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    page,
    context,
    origin,
    requests,
    pageErrors,
    offOrigin: () => requests.filter((url) => !url.startsWith(`${origin}/`)),
    cspViolations: () => page.evaluate<string[]>('[...(window.__cspViolations ?? [])]'),
  };
}

/** Serious and critical axe violations on the page as it is now, as `rule: target` lines. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id} (${violation.impact}): ${node.target.join(' ')} — ${violation.help}`));
}

/** A full-page screenshot of the step at desktop width and at a phone's, then back to desktop. */
export async function screenshotStep(page: Page, step: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(screenshotDir, `${step}-desktop.png`), fullPage: true, animations: 'disabled' });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(screenshotDir, `${step}-phone.png`), fullPage: true, animations: 'disabled' });
  await page.setViewportSize(original);
}

/** Whether the page is wider than its viewport (something does not fit a phone). */
export function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth + 1');
}
