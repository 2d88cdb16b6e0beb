// lockbox run: builds the image and runs it on local data with the platform's own sandbox code
// (SandboxRunner → buildContainerPolicy), so a local verdict is the production verdict.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import Docker from 'dockerode';
import type { RunInput } from '../../container-contract';
import { ContainerPolicyError } from '../../container-policy';
import { DEFAULT_PLATFORM_LIMITS } from '../../limits';
import { parseResources } from '../../manifest';
import { validateParams } from '../../params-schema';
import type { ResultDocument } from '../../result';
import { SandboxPlatformError, SandboxRunner, type SandboxOutcome } from '../../sandbox';
import { CliError, UsageError } from '../cli-error';
import type { CliIo } from '../cli-io';
import { stringOption, type Command } from '../command';
import { buildAnalysisImage, formatBytes } from '../image-build';
import { loadProject } from '../project';
import { DATA_EXPECTED, datasetFiles, stageRunInput } from '../run-input';

/** Labels local runs apart from any platform stack's containers, so no worker's reaper touches them. */
export const LOCAL_RUN_INSTANCE = 'lockbox-cli';
export const DEFAULT_RESULT_FILE = '.lockbox/result.json';

export function parseParamsOption(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--params is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('--params must be a JSON object, e.g. --params \'{"top":5}\'');
  return value as Record<string, unknown>;
}

/** One line per block, so the terminal shows what the user would see. */
export function describeResult(result: ResultDocument): string {
  const lines = [`summary: ${result.summary}`];
  for (const block of result.blocks) {
    switch (block.type) {
      case 'metric':
        lines.push(`  metric    ${block.label}: ${block.value}${block.unit ? ` ${block.unit}` : ''}`);
        break;
      case 'table':
        lines.push(`  table     ${block.columns.join(' | ')} (${block.rows.length} rows)`);
        break;
      case 'chart':
        lines.push(`  chart     ${block.title}`);
        break;
      case 'wordcloud':
        lines.push(`  wordcloud ${block.words.length} words`);
        break;
      case 'markdown':
        lines.push(`  markdown  ${block.text.split('\n')[0]!.slice(0, 80)}`);
        break;
    }
  }
  return `${lines.join('\n')}\n`;
}

export const runCommand: Command = {
  name: 'run',
  brief: "run the analysis locally in the platform's sandbox",
  synopsis: '[dir]',
  summary:
    "Builds the analysis image and runs it on a local dataset in the platform's sandbox: the same container policy, consent projection, output collection and result validation as a production run.",
  details: `--data is a dataset file in the canonical JSONL format (what lockbox fixtures writes and users upload),
or a directory such as fixtures/, whose *.jsonl files are read in name order. Only the fields lockbox.json declares reach the container, as with a user's consent. Invalid lines are
skipped and reported, as the platform's ingest does. The result is written to <dir>/${DEFAULT_RESULT_FILE}
(or --out). Exits 1 when the run fails, times out or writes an invalid result, with the reason.`,
  options: {
    data: { type: 'string', short: 'd', value: 'path', description: 'the dataset: a canonical JSONL file, or a directory of them; required' },
    params: { type: 'string', short: 'p', value: 'json', description: "the run's parameters as a JSON object (default {})" },
    out: { type: 'string', short: 'o', value: 'path', description: `where to write result.json (default <dir>/${DEFAULT_RESULT_FILE})` },
  },
  minPositionals: 0,
  maxPositionals: 1,
  async run(args, io) {
    const dataOption = stringOption(args, 'data');
    if (dataOption === undefined) throw new UsageError(`--data <path> is required: ${DATA_EXPECTED}`);
    const project = await loadProject(io.cwd, args.positionals[0]);
    const { manifest } = project;
    const params = parseParamsOption(stringOption(args, 'params'));
    // The platform refuses such a run at POST /runs, before anything starts.
    const checked = validateParams(manifest.params, params);
    if (!checked.ok)
      throw new CliError(`the params do not fit the manifest's params schema:\n${checked.errors.map((error) => `  - ${error.message}`).join('\n')}`);

    // Before the build, which takes a while: a typo in --data should fail at once.
    const dataFiles = await datasetFiles(resolve(io.cwd, dataOption));
    const image = await buildAnalysisImage(project, io.env, (line) => io.err(`${line}\n`));
    io.err(`image ${image.imageId}\n`);

    const workDir = await mkdtemp(join(tmpdir(), 'lockbox-run-'));
    try {
      const runId = `local-${randomUUID()}`;
      const runInput: RunInput = { runId, analysis: manifest.name, version: manifest.version, params, scopes: manifest.scopes };
      const staged = await stageRunInput(workDir, runInput, dataFiles);
      const counts = Object.entries(staged.records).map(([kind, count]) => `${count} ${kind}`);
      io.err(`staged ${counts.join(', ') || 'no records'} (consented fields only)\n`);
      if (staged.skippedLines > 0)
        io.err(`skipped ${staged.skippedLines} invalid lines of ${dataOption}:\n${staged.lineErrors.map((line) => `  ${line}\n`).join('')}`);
      if (staged.undeclaredRecords > 0) io.err(`left out ${staged.undeclaredRecords} records of kinds lockbox.json does not declare\n`);

      const outcome = await runInSandbox(io, {
        imageId: image.imageId,
        manifest: { entrypoint: manifest.entrypoint, resources: parseResources(manifest.resources) },
        runtime: manifest.runtime ?? 'runc',
        limits: DEFAULT_PLATFORM_LIMITS,
        inputDir: staged.inputDir,
        workDir,
        labels: { instance: LOCAL_RUN_INSTANCE, runId, attempt: 1, workerId: `cli-${hostname()}` },
      });
      return await report(io, project.dir, outcome, stringOption(args, 'out'));
    } finally {
      await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  },
};

async function runInSandbox(io: CliIo, spec: Parameters<SandboxRunner['run']>[0]): Promise<SandboxOutcome> {
  io.err(`running in the sandbox (no network, read-only root, ${spec.manifest.resources.timeoutSeconds} s deadline)\n`);
  try {
    return await new SandboxRunner(new Docker()).run(spec, {
      onProgress: (progress) => io.err(`progress ${Math.round(progress.progress * 100)}%${progress.message ? ` ${progress.message}` : ''}\n`),
    });
  } catch (error) {
    if (error instanceof SandboxPlatformError) throw new CliError(`the local Docker Engine could not run the analysis: ${error.message}`);
    if (error instanceof ContainerPolicyError) throw new CliError(`the sandbox refuses this analysis: ${error.message}`);
    throw error;
  }
}

async function report(io: CliIo, projectDir: string, outcome: SandboxOutcome, outOption: string | undefined): Promise<number> {
  const logs = outcome.logs.toString('utf8');
  io.err(`--- logs (${formatBytes(outcome.logBytesTotal)}) ---\n${logs}${logs.endsWith('\n') || logs === '' ? '' : '\n'}--- end of logs ---\n`);
  if (outcome.status !== 'succeeded' || !outcome.result || !outcome.resultBytes) {
    throw new CliError(`run ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}: ${outcome.message}`);
  }
  const resultPath = outOption ? resolve(io.cwd, outOption) : join(projectDir, DEFAULT_RESULT_FILE);
  try {
    await mkdir(dirname(resultPath), { recursive: true });
    await writeFile(resultPath, outcome.resultBytes);
  } catch (error) {
    throw new CliError(`the run succeeded, but its result cannot be written to ${resultPath}: ${(error as Error).message} (choose another --out)`);
  }
  io.err(
    `run succeeded in ${(outcome.containerMs / 1000).toFixed(1)} s; result ${formatBytes(outcome.resultBytes.length)}${outcome.artifacts.length ? `, ${outcome.artifacts.length} artifacts` : ''}\n`,
  );
  io.out(describeResult(outcome.result));
  io.out(`result: ${relative(io.cwd, resultPath) || resultPath}\n`);
  return 0;
}
