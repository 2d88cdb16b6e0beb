// API: authenticated GET /analyses (the catalogue) and GET /runs/:id under load from autocannon, against
// GET /ping of the same app (no auth, no database) as the framework's own ceiling.
import { round } from './support/figures';
import { startRun } from './support/bench-analysis';
import type { BenchContext } from './support/bench-context';

interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
}
// autocannon ships no types; this is the part of its programmatic API the benchmark uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

export interface EndpointFigures {
  path: string;
  requestsPerS: number;
  p99Ms: number;
  averageMs: number;
  non2xx: number;
  /** requests/s ÷ the ceiling's requests/s. */
  ratioToCeiling?: number;
}

async function load(url: string, token: string | undefined, seconds: number, connections: number): Promise<AutocannonResult> {
  return autocannon({ url, connections, duration: seconds, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

export async function benchApi(context: BenchContext, seconds: number, connections: number): Promise<EndpointFigures[]> {
  const runId = await startRun(context.client, context.user, context.analysis, [context.datasetId]);
  const base = `${context.stack.apiUrl}/api/v1`;
  const targets: Array<{ path: string; token?: string }> = [
    { path: '/ping' },
    { path: '/analyses', token: context.user.token },
    { path: `/runs/${runId}`, token: context.user.token },
  ];
  const figures: EndpointFigures[] = [];
  for (const target of targets) {
    await load(`${base}${target.path}`, target.token, 1, connections); // warm-up
    const result = await load(`${base}${target.path}`, target.token, seconds, connections);
    figures.push({
      path: target.path.startsWith('/runs/') ? '/runs/:id' : target.path,
      requestsPerS: round(result.requests.average, 0),
      p99Ms: result.latency.p99,
      averageMs: round(result.latency.average, 1),
      non2xx: result.non2xx + result.errors,
    });
  }
  const ceiling = figures[0]!.requestsPerS; // the first endpoint measured is the ceiling
  for (const endpoint of figures.slice(1)) endpoint.ratioToCeiling = round(endpoint.requestsPerS / ceiling, 3);
  for (const endpoint of figures) {
    console.log(
      `api GET ${endpoint.path}: ${endpoint.requestsPerS} req/s, p99 ${endpoint.p99Ms} ms` +
        (endpoint.ratioToCeiling !== undefined ? `, ${endpoint.ratioToCeiling} of the /ping ceiling` : ' (ceiling)') +
        (endpoint.non2xx ? `, ${endpoint.non2xx} non-2xx/errors` : ''),
    );
  }
  return figures;
}
