import { join, relative, sep } from 'node:path';

/** A job's current lease, keyed like the container label `lockbox.run`: the run's id, or `check-<versionId>`. */
export interface LeaseHolder {
  owner: string;
  attempts: number;
}

/** What the database says at one moment: the unexpired leases, and the workers known to be gone. */
export interface LeaseView {
  leases: ReadonlyMap<string, LeaseHolder>;
  /** Workers whose heartbeat row says they stopped, or has gone stale. A worker without a row yet is just starting: not dead. */
  deadWorkers: ReadonlySet<string>;
}

/** The staging areas of the two kinds of sandboxed job, under `<home>/work/`. */
export const STAGING_KINDS = ['runs', 'checks'] as const;
export type StagingKind = (typeof STAGING_KINDS)[number];

export interface AttemptRef {
  /** The job key, as in the container label `lockbox.run`. */
  jobKey: string;
  attempt: number;
  /** The worker that started it, when known (container labels name it; directory names do not). */
  workerId?: string;
}

/**
 * Whether a live worker still holds this attempt: its job has an unexpired lease for exactly this
 * attempt, owned by a worker that is not known to be dead (and by the worker that started it, when
 * known). Anything else is left over from a crash or a lost lease and may be reaped.
 */
export function isAttemptHeld(view: LeaseView, ref: AttemptRef): boolean {
  const lease = view.leases.get(ref.jobKey);
  if (!lease || lease.attempts !== ref.attempt) return false;
  if (ref.workerId !== undefined && ref.workerId !== lease.owner) return false;
  return !view.deadWorkers.has(lease.owner);
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// runs/<runId>-<attempt> (run-execute.handler.ts); checks/<versionId>-<attempt>-<random> (smoke-run.ts).
const STAGING_NAMES: Record<StagingKind, RegExp> = {
  runs: new RegExp(`^(${UUID})-(\\d+)$`),
  checks: new RegExp(`^(${UUID})-(\\d+)-[0-9a-f]{8}$`),
};

/** The attempt a staging directory belongs to, or undefined for a name the platform does not make (left alone). */
export function stagingDirAttempt(kind: StagingKind, name: string): AttemptRef | undefined {
  const match = STAGING_NAMES[kind].exec(name);
  if (!match) return undefined;
  const jobKey = kind === 'runs' ? match[1]! : `check-${match[1]!}`;
  return { jobKey, attempt: Number(match[2]) };
}

/** Each worker's stock of output areas lies in `<workRoot>/output-areas/<worker id>/` (WorkerOutputAreas). */
export const OUTPUT_AREA_STOCKS = 'output-areas';

export function outputAreaStockDir(workRoot: string, workerId: string): string {
  return join(workRoot, OUTPUT_AREA_STOCKS, workerId);
}

/** The worker whose stock of output areas a path under workRoot lies in, if any. */
export function outputAreaStockOf(workRoot: string, path: string): { workerId: string; dir: string } | undefined {
  const [stocks, workerId] = relative(workRoot, path).split(sep);
  if (stocks !== OUTPUT_AREA_STOCKS || !workerId || workerId === '..') return undefined;
  return { workerId, dir: outputAreaStockDir(workRoot, workerId) };
}

/** Mount points listed in /proc/self/mounts that lie strictly inside `root`. */
export function mountPointsUnder(procMounts: string, root: string): string[] {
  return procMounts
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((field): field is string => field !== undefined && field !== '')
    .map(decodeMountPath)
    .filter((mountPoint) => {
      const inside = relative(root, mountPoint);
      return inside !== '' && !inside.startsWith('..') && !inside.startsWith(sep);
    });
}

/** The staging directory (`<workRoot>/<kind>/<name>`) a path under workRoot lies in, if any. */
export function stagingDirOf(workRoot: string, path: string): { kind: StagingKind; name: string; dir: string } | undefined {
  const [kind, name] = relative(workRoot, path).split(sep);
  if (!kind || !name || !(STAGING_KINDS as readonly string[]).includes(kind)) return undefined;
  return { kind: kind as StagingKind, name, dir: join(workRoot, kind, name) };
}

/** The kernel writes space, tab, newline and backslash in mount paths as octal escapes. */
function decodeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
