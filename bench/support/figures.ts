// Statistics and the results file shared by every benchmark.
import { cpus, freemem, totalmem, release } from 'node:os';
import { execFileSync } from 'node:child_process';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function machineInfo(): Record<string, unknown> {
  let docker = 'unknown';
  try {
    docker = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim();
  } catch {
    // no engine: the benchmarks will say so themselves
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
    kernel: release(),
    node: process.version,
    docker,
  };
}

/** Parsed command-line flags: `--name value` or `--name=value`. */
export function flags(argv = process.argv.slice(2)): Map<string, string> {
  const parsed = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const [name = '', inline] = arg.slice(2).split('=', 2);
    const next = argv[i + 1];
    if (inline !== undefined) parsed.set(name, inline);
    else if (next !== undefined && !next.startsWith('--')) parsed.set(name, argv[++i]!);
    else parsed.set(name, 'true');
  }
  return parsed;
}

export function intFlag(parsed: Map<string, string>, name: string, fallback: number): number {
  const value = parsed.get(name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new Error(`--${name} must be a whole number (got ${value})`);
  return number;
}
