// The three-line comparison at a glance: per analysis, the engine limit, the sandbox runner and the
// platform side by side (latency and throughput), and the issue's targets with what this run measured.
import type { LatencyFigures } from '../run-latency.bench';
import type { ThroughputFigures } from '../run-throughput.bench';
import { BENCH_ANALYSIS_KINDS } from './bench-analysis';

export interface TargetCheck {
  target: string;
  measured: number;
  met: boolean;
}

/** The targets of issue 18, as far as this run measured them. */
export function checkTargets(latency: readonly LatencyFigures[], throughput: readonly ThroughputFigures[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const minimal = latency.find((figures) => figures.analysis === 'busybox');
  if (minimal) {
    const { p50Ms, p95Ms } = minimal.gaps.platformMinusEngine;
    checks.push({ target: 'platform − engine limit, p50, busybox analysis ≤ 100 ms', measured: p50Ms, met: p50Ms <= 100 });
    checks.push({ target: 'platform − engine limit, p95, busybox analysis ≤ 250 ms', measured: p95Ms, met: p95Ms <= 250 });
  }
  for (const figures of throughput) {
    if (figures.analysis === 'node' && figures.concurrency <= 2) {
      const ratio = figures.ratios.platformToEngine;
      checks.push({ target: `platform ÷ engine limit throughput, Node analysis, c=${figures.concurrency} ≥ 0.9`, measured: ratio, met: ratio >= 0.9 });
    }
  }
  for (const figures of latency) {
    const ratio = figures.ratios.runnerToEngine;
    checks.push({ target: `sandbox runner ÷ engine limit latency p50, ${figures.analysis} analysis ≤ 1.3`, measured: ratio, met: ratio <= 1.3 });
  }
  for (const figures of throughput) {
    // Within 1.3× of the engine limit: at least 1/1.3 of its runs per second.
    const ratio = figures.ratios.runnerToEngine;
    checks.push({
      target: `sandbox runner ÷ engine limit throughput, ${figures.analysis} analysis, c=${figures.concurrency} ≥ 0.77`,
      measured: ratio,
      met: ratio >= 1 / 1.3,
    });
  }
  return checks;
}

/** The side-by-side table printed at the end of `npm run bench`. */
export function describeThreeLines(latency: readonly LatencyFigures[], throughput: readonly ThroughputFigures[]): string {
  const rows: string[] = [];
  const pad = (text: string, width: number) => text.padEnd(width);
  rows.push(`${pad('', 34)}${pad('engine limit', 16)}${pad('sandbox runner', 16)}${pad('platform', 16)}runner−engine / platform−engine`);
  for (const kind of BENCH_ANALYSIS_KINDS) {
    const sequential = latency.find((figures) => figures.analysis === kind);
    if (sequential) {
      for (const at of ['p50Ms', 'p95Ms'] as const) {
        const gaps = sequential.gaps;
        rows.push(
          `${pad(`${kind}: latency ${at.slice(0, 3)} (ms)`, 34)}${pad(String(sequential.engine[at]), 16)}${pad(String(sequential.runner[at]), 16)}${pad(String(sequential.platform[at]), 16)}` +
            `+${gaps.runnerMinusEngine[at]} / +${gaps.platformMinusEngine[at]}`,
        );
      }
    }
    for (const figures of throughput.filter((candidate) => candidate.analysis === kind)) {
      rows.push(
        `${pad(`${kind}: runs/s at c=${figures.concurrency}`, 34)}${pad(String(figures.engine.runsPerS), 16)}${pad(String(figures.runner.runsPerS), 16)}${pad(String(figures.platform.runsPerS), 16)}` +
          `×${figures.ratios.runnerToEngine} / ×${figures.ratios.platformToEngine}`,
      );
    }
  }
  const checks = checkTargets(latency, throughput);
  if (checks.length > 0) rows.push('targets:', ...checks.map((check) => `  ${check.met ? 'met    ' : 'NOT met'} ${check.target}: ${check.measured}`));
  return rows.join('\n');
}
