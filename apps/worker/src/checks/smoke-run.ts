import { randomInt, randomUUID } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CanonicalRecord,
  ContainerPolicyError,
  generateFixtures,
  isRecordKind,
  type Manifest,
  paramsDefaults,
  parseResources,
  type PlatformLimits,
  projectRecordWithGrain,
  type RecordKind,
  type RunInput,
} from '@lockbox/analysis-sdk';
import type { SandboxRunner } from '@lockbox/analysis-sdk/sandbox';
import type { AnalysisVersion, SmokeRunReport } from '@lockbox/db';
import { chooseRuntime, type DockerEngineRepository } from '@lockbox/sandbox';
import { PeriodicTask } from '@lockbox/scheduling';

/** Enough records to exercise an analysis, few enough to stage in a moment. */
export const SMOKE_RUN_RECORDS = 200;
/**
 * A fresh fixture seed per smoke run, so an image cannot recognise its review by the data it is given;
 * the report keeps the seed, and `lockbox fixtures --seed <seed> --records 200` gives the developer the
 * very same data.
 */
export function smokeRunSeed(): number {
  return randomInt(1, 2 ** 31);
}
/** The report keeps the end of the logs: the developer's own code on synthetic data, so no one's personal data. */
const LOG_TAIL_BYTES = 2048;
/** How often memory is sampled while the container runs. */
const MEMORY_SAMPLE_MS = 500;

export interface SmokeRunSettings {
  home: string;
  instanceId: string;
  workerId: string;
  limits: PlatformLimits;
  /** `LOCKBOX_SANDBOX_RUNTIME=runsc`: every container must use gVisor. */
  requiredRuntime?: 'runsc';
  /** Runtimes this worker's engine really starts containers with (the heartbeat's probe). */
  availableRuntimes(): Promise<readonly string[]>;
}

export interface SmokeRunFinding {
  report: SmokeRunReport;
  /** Set when the smoke run failed: what the developer must fix. */
  violation?: { rule: 'smoke_run'; message: string };
}

/** The `lockbox.run` label of a version's smoke-run containers, by which a later attempt finds them. */
export function smokeRunId(versionId: string): string {
  return `check-${versionId}`;
}

/**
 * Runs a submitted image once, exactly as a user's run would go (the same SandboxRunner and container
 * policy), on deterministic synthetic records of the kinds it declares, staged with only the declared
 * fields and under the strongest runtime this worker has. Crashing, timing out or writing an invalid
 * result fails the check with the cause.
 */
export class SmokeRun {
  constructor(
    private readonly engine: DockerEngineRepository,
    private readonly sandbox: SandboxRunner,
    private readonly settings: SmokeRunSettings,
  ) {}

  /** Platform faults (engine, disk) are thrown, and the check is retried. */
  async run(version: AnalysisVersion, imageId: string, stop: AbortSignal): Promise<SmokeRunFinding> {
    const manifest = version.manifest;
    const choice = chooseRuntime({
      purpose: 'check',
      requested: manifest.runtime,
      available: await this.settings.availableRuntimes(),
      forceRunsc: this.settings.requiredRuntime === 'runsc',
    });
    if (choice.refusal !== undefined) {
      const report: SmokeRunReport = {
        status: 'not_run',
        message: choice.refusal,
        records: {},
        containerMs: 0,
        outputBytes: 0,
        logBytes: 0,
        peakMemoryBytes: null,
      };
      return { report, violation: { rule: 'smoke_run', message: `the smoke run could not start: ${choice.refusal}` } };
    }

    const runId = smokeRunId(version.id);
    const workDir = join(this.settings.home, 'work', 'checks', `${version.id}-${version.attempts}-${randomUUID().slice(0, 8)}`);
    try {
      // One container per attempt: a crashed earlier attempt's container goes first.
      await this.engine.killRunContainers({ instance: this.settings.instanceId, runId });
      // Inside the container the check looks like any run: a fresh UUID, not the `check-` label.
      const fixtureSeed = smokeRunSeed();
      const { inputDir, records } = await stageFixtures(workDir, randomUUID(), manifest, fixtureSeed);
      const memory = new PeakMemory(this.engine);
      let containerId: string | undefined;
      const onStop = () => {
        if (containerId) void this.engine.killContainer(containerId);
      };
      stop.addEventListener('abort', onStop);
      let outcome;
      try {
        outcome = await this.sandbox.run(
          {
            imageId,
            manifest: { entrypoint: manifest.entrypoint, resources: parseResources(manifest.resources) },
            runtime: choice.runtime,
            limits: this.settings.limits,
            inputDir,
            workDir,
            labels: { instance: this.settings.instanceId, runId, attempt: version.attempts, workerId: this.settings.workerId },
          },
          {
            onContainerStarted: (id) => {
              containerId = id;
              if (stop.aborted) onStop();
              memory.watch(id);
            },
          },
        );
      } catch (error) {
        // The image breaks a sandbox rule the intake did not catch: the image's fault, not a retry's.
        if (!(error instanceof ContainerPolicyError)) throw error;
        const report: SmokeRunReport = {
          runtime: choice.runtime,
          status: 'not_run',
          message: error.message,
          records,
          fixtureSeed,
          containerMs: 0,
          outputBytes: 0,
          logBytes: 0,
          peakMemoryBytes: null,
        };
        return { report, violation: { rule: 'smoke_run', message: `the image cannot run in the sandbox: ${error.message}` } };
      } finally {
        stop.removeEventListener('abort', onStop);
        memory.stop();
      }

      const outputBytes = (outcome.resultBytes?.length ?? 0) + outcome.artifacts.reduce((sum, artifact) => sum + artifact.bytes.length, 0);
      const report: SmokeRunReport = {
        runtime: choice.runtime,
        status: outcome.status,
        reason: outcome.reason,
        message: outcome.message,
        exitCode: outcome.exitCode,
        records,
        fixtureSeed,
        containerMs: outcome.containerMs,
        outputBytes,
        resultBytes: outcome.resultBytes?.length,
        artifacts: outcome.artifacts.length,
        logBytes: outcome.logBytesTotal,
        peakMemoryBytes: memory.peak,
        logTail: outcome.status === 'succeeded' ? undefined : tail(outcome.logs),
      };
      if (outcome.status === 'succeeded') return { report };
      return { report, violation: { rule: 'smoke_run', message: describeFailure(outcome.status, outcome.reason, outcome.message) } };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
}

/** The run's cause in the developer's terms. */
function describeFailure(status: string, reason: string | undefined, message: string): string {
  const what =
    status === 'timed_out'
      ? 'the smoke run timed out'
      : reason === 'exit_code'
        ? 'the smoke run crashed'
        : reason === 'output_invalid'
          ? 'the smoke run wrote an invalid result'
          : reason === 'oom'
            ? 'the smoke run ran out of memory'
            : `the smoke run failed (${reason ?? status})`;
  return `${what}: ${message}`;
}

function tail(logs: Buffer): string {
  const text = logs.subarray(Math.max(0, logs.length - LOG_TAIL_BYTES)).toString('utf8');
  return logs.length > LOG_TAIL_BYTES ? `…${text}` : text;
}

/** Params from the schema's defaults: what a user who changes nothing would run. */
export function defaultParams(manifest: Manifest): Record<string, unknown> {
  return paramsDefaults(manifest.params);
}

/** `run.json` and `data/<kind>.jsonl` for each declared kind, with only the declared fields, readable by the container user. */
export async function stageFixtures(
  workDir: string,
  runId: string,
  manifest: Manifest,
  seed: number,
): Promise<{ inputDir: string; records: Partial<Record<RecordKind, number>> }> {
  const inputDir = join(workDir, 'input');
  const dataDir = join(inputDir, 'data');
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  await chmod(workDir, 0o755);
  await chmod(inputDir, 0o755);
  await chmod(dataDir, 0o755);
  const runInput: RunInput = { runId, analysis: manifest.name, version: manifest.version, params: defaultParams(manifest), scopes: manifest.scopes };
  // Explicit modes, as in RunInputStager: the worker's umask (077 under the launcher) must not decide
  // whether the container user can read its input.
  await writeFile(join(inputDir, 'run.json'), `${JSON.stringify(runInput)}\n`, { mode: 0o644 });
  await chmod(join(inputDir, 'run.json'), 0o644);
  const fixtures = generateFixtures(manifest.scopes, { records: SMOKE_RUN_RECORDS, seed });
  const records: Partial<Record<RecordKind, number>> = {};
  for (const [kind, fields] of Object.entries(manifest.scopes) as Array<[string, readonly string[]]>) {
    if (!isRecordKind(kind)) continue;
    const lines = ((fixtures[kind] ?? []) as CanonicalRecord[]).map((record) => JSON.stringify(projectRecordWithGrain(record, fields)));
    await writeFile(join(dataDir, `${kind}.jsonl`), lines.length > 0 ? `${lines.join('\n')}\n` : '', { mode: 0o644 });
    await chmod(join(dataDir, `${kind}.jsonl`), 0o644);
    records[kind] = lines.length;
  }
  return { inputDir, records };
}

/**
 * The highest memory use seen by sampling the engine's stats while the container runs. A lower bound:
 * the engine keeps no peak after exit, and a run shorter than one sample may show none (null).
 */
class PeakMemory {
  peak: number | null = null;
  private sampling?: PeriodicTask;

  constructor(private readonly engine: DockerEngineRepository) {}

  watch(containerId: string): void {
    const sample = async () => {
      try {
        const used = await this.engine.containerMemoryBytes(containerId);
        if (typeof used === 'number' && used > 0) this.peak = Math.max(this.peak ?? 0, used);
      } catch {
        // The container has gone, or this runtime reports no stats: keep what was seen.
      }
    };
    // A sample catches its own errors; the logger is never used.
    this.sampling = new PeriodicTask({ name: 'sampling memory', intervalMs: MEMORY_SAMPLE_MS, logger: { warn: () => undefined } }, sample);
    this.sampling.start({ runNow: true });
  }

  /** Not awaited by the smoke run: a sample still under way only raises the peak. */
  stop(): void {
    void this.sampling?.stop();
  }
}
