// The console: what the first page downloads (the initial JavaScript, gzipped; budget 200 KB) and the
// chart chunk that loads only with a chart, from the build in dist/apps/web; then Lighthouse's
// performance and accessibility scores (target ≥ 90 each) of the catalogue, a run page and a result
// page, signed in, on the bench stack. Lighthouse runs as its own process (its CLI, ESM-only), with
// Debian's Chromium, no throttling (the network is this machine's loopback), desktop preset, and the
// Chromium flags that keep it from reaching anything but the stack.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startRun, uploadDataset } from './support/bench-analysis';
import type { BenchContext } from './support/bench-context';
import { round } from './support/figures';
import { repoRoot } from './support/stack';

const run = promisify(execFile);
const WEB_ROOT = join(repoRoot, 'dist', 'apps', 'web');
export const INITIAL_JS_BUDGET_BYTES = 200 * 1024;
const CHROMIUM = '/usr/bin/chromium';
const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
];

export interface BundleFigures {
  initialJsGzipBytes: number;
  initialCssGzipBytes: number;
  withinBudget: boolean;
  chartChunkGzipBytes: number;
  totalJsGzipBytes: number;
}

export interface LighthouseFigures {
  page: string;
  path: string;
  performance: number;
  accessibility: number;
  largestContentfulPaintMs: number;
  totalBlockingTimeMs: number;
  cumulativeLayoutShift: number;
}

const gzipSize = (path: string): number => gzipSync(readFileSync(path), { level: 9 }).length;

/** The bundle as built: what index.html loads at once, and the rest, gzipped as a server would send it. */
export function bundleFigures(root = WEB_ROOT): BundleFigures {
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((match) => match[1]!);
  const assets = join(root, 'assets');
  const all = readdirSync(assets).filter((name) => statSync(join(assets, name)).isFile());
  const sum = (names: string[]) => names.reduce((total, name) => total + gzipSize(join(assets, name)), 0);
  const initialJs = sum(initial.filter((name) => name.endsWith('.js')));
  return {
    initialJsGzipBytes: initialJs,
    initialCssGzipBytes: sum(initial.filter((name) => name.endsWith('.css'))),
    withinBudget: initialJs < INITIAL_JS_BUDGET_BYTES,
    chartChunkGzipBytes: sum(all.filter((name) => name.startsWith('chart-') && name.endsWith('.js'))),
    totalJsGzipBytes: sum(all.filter((name) => name.endsWith('.js'))),
  };
}

interface LighthouseReport {
  categories: Record<string, { score: number | null }>;
  audits: Record<string, { numericValue?: number }>;
}

async function lighthouse(url: string, cookie: string): Promise<LighthouseReport> {
  const cli = join(repoRoot, 'node_modules', 'lighthouse', 'cli', 'index.js');
  const { stdout } = await run(
    process.execPath,
    [
      cli,
      url,
      '--quiet',
      '--output=json',
      '--output-path=stdout',
      '--only-categories=performance,accessibility',
      '--preset=desktop',
      '--throttling-method=provided',
      `--chrome-flags=${CHROME_FLAGS.join(' ')}`,
      `--extra-headers=${JSON.stringify({ Cookie: cookie })}`,
    ],
    { env: { ...process.env, CHROME_PATH: CHROMIUM }, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 },
  );
  return JSON.parse(stdout) as LighthouseReport;
}

/** Signs a fresh person in through POST /auth/session; the cookie header that session sends. */
async function browserSession(apiUrl: string): Promise<{ cookie: string; csrf: string; email: string; password: string }> {
  const email = `web-${randomUUID().slice(0, 8)}@bench.lockbox.local`;
  const password = `pw-${randomUUID()}`;
  const json = { 'content-type': 'application/json' };
  await fetch(`${apiUrl}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ email, password, role: 'user' }) });
  const response = await fetch(`${apiUrl}/api/v1/auth/session`, { method: 'POST', headers: json, body: JSON.stringify({ email, password }) });
  if (response.status !== 200) throw new Error(`sign-in for the web bench: ${response.status}`);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, csrf: csrfToken, email, password };
}

export async function benchWeb(context: BenchContext): Promise<{ bundle: BundleFigures; lighthouse: LighthouseFigures[] }> {
  const bundle = bundleFigures();
  console.log(
    `web: initial JS ${round(bundle.initialJsGzipBytes / 1024, 1)} KB gzipped (budget 200), chart chunk ${round(bundle.chartChunkGzipBytes / 1024, 1)} KB`,
  );

  // A person with a finished run of the sample analysis that draws charts (published by the launcher).
  const apiUrl = context.stack.apiUrl;
  const session = await browserSession(apiUrl);
  const token = (await context.client.login(session.email, session.password)).token;
  const posts = readFileSync(join(repoRoot, 'sample-analyses', 'social-engagement', 'fixtures', 'posts.jsonl'));
  const datasetId = await uploadDataset(context.client, { id: '', token }, posts);
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'sample-analyses', 'social-engagement', 'lockbox.json'), 'utf8')) as { scopes: unknown };
  const started = await context.client.expect<{ id: string }>(202, 'POST', '/runs', {
    token,
    body: { analysis: 'social-engagement', datasetIds: [datasetId], params: {}, consent: { scopes: manifest.scopes } },
  });
  await context.client.until(
    async () => {
      const current = await context.client.expect<{ status: string }>(200, 'GET', `/runs/${started.id}`, { token });
      if (current.status === 'succeeded') return true;
      if (!['queued', 'running'].includes(current.status)) throw new Error(`the web bench's run ended ${current.status}`);
      return undefined;
    },
    180_000,
    "the web bench's run",
  );

  // A run page without charts: the bench analysis' run (status, timings, logs, a one-line result).
  const plainRun = await startRun(context.client, { id: '', token }, context.analysis, [datasetId]);
  const pages = [
    { page: 'catalogue', path: '/catalogue' },
    { page: 'run', path: `/runs/${plainRun}` },
    { page: 'result (charts and tables)', path: `/runs/${started.id}` },
  ];
  const figures: LighthouseFigures[] = [];
  for (const target of pages) {
    const report = await lighthouse(`${apiUrl}${target.path}`, session.cookie);
    const score = (category: string) => Math.round((report.categories[category]?.score ?? 0) * 100);
    const entry: LighthouseFigures = {
      page: target.page,
      path: target.path,
      performance: score('performance'),
      accessibility: score('accessibility'),
      largestContentfulPaintMs: Math.round(report.audits['largest-contentful-paint']?.numericValue ?? 0),
      totalBlockingTimeMs: Math.round(report.audits['total-blocking-time']?.numericValue ?? 0),
      cumulativeLayoutShift: round(report.audits['cumulative-layout-shift']?.numericValue ?? 0, 3),
    };
    console.log(
      `web: ${entry.page}: performance ${entry.performance}, accessibility ${entry.accessibility} (LCP ${entry.largestContentfulPaintMs} ms, TBT ${entry.totalBlockingTimeMs} ms, CLS ${entry.cumulativeLayoutShift})`,
    );
    figures.push(entry);
  }
  return { bundle, lighthouse: figures };
}
