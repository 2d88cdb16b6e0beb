// `npm run bench`: every benchmark, each against its reference in the same run, on stacks started by the
// launcher in fresh homes under .lockbox-bench/. Figures are printed and written to bench/results/latest.json.
// Run throughput and latency are measured three ways for a busybox and a Node analysis: the engine limit
// (the Engine API alone), the sandbox runner (the SDK's SandboxRunner) and the platform (the public API).
//
// Flags (defaults in brackets) scale the work:
//   --runs N            runs per throughput level, per line and analysis [30]
//   --concurrency LIST  worker run concurrencies, comma-separated [1,2,4]
//   --latency-runs N    sequential runs for the latency figures, per line and analysis [30]
//   --api-seconds N     autocannon duration per endpoint [10]
//   --api-connections N [10]
//   --data-mb N         dataset size of the data-path benchmark, 0 to skip [100]
//   --memory-runs N     runs between the two RSS readings, 0 to skip [1000]
//   --exports-mb N      MB of .js files in the generated X archive of the exports benchmark, 0 to skip [500]
//   --facebook-mb N     MB of .json files in the generated Facebook export of the exports benchmark, 0 to skip [200]
//   --platform-exports-mb N  MB of .js files in the X archive uploaded through the platform, 0 to skip [200]
//   --only LIST         some of: throughput,latency,api,data,memory,exports,json,platform-exports,web
//   --help              this text
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchApi } from './api.bench';
import { benchDataPath } from './data-path.bench';
import { benchExportsIngest, benchFacebookIngest } from './exports-ingest.bench';
import { benchExportsPlatform } from './exports-platform.bench';
import { benchHostileJson } from './hostile-json.bench';
import { benchRunLatency, type LatencyFigures } from './run-latency.bench';
import { benchRunThroughput, type ThroughputFigures } from './run-throughput.bench';
import { BENCH_ANALYSIS_KINDS, buildBenchImage } from './support/bench-analysis';
import { benchWeb } from './web.bench';
import { type BenchContext, prepareContext } from './support/bench-context';
import { flags, intFlag, machineInfo } from './support/figures';
import { repoRoot, startBenchStack } from './support/stack';
import { checkTargets, describeThreeLines } from './support/three-lines';
import { benchWorkerMemory } from './worker-memory.bench';

const RESULTS = join(repoRoot, 'bench', 'results', 'latest.json');

async function main(): Promise<void> {
  const args = flags();
  if (args.has('help')) {
    const { readFileSync } = await import('node:fs');
    // The flags are documented once, in this file's header comment (the compiled file keeps it).
    const header = readFileSync(__filename, 'utf8').split('\n');
    console.log(
      header
        .slice(
          0,
          header.findIndex((line) => !line.startsWith('//')),
        )
        .map((line) => line.replace(/^\/\/ ?/, ''))
        .join('\n'),
    );
    return;
  }
  const runs = intFlag(args, 'runs', 30);
  const levels = (args.get('concurrency') ?? '1,2,4').split(',').map(Number);
  const latencyRuns = intFlag(args, 'latency-runs', 30);
  const apiSeconds = intFlag(args, 'api-seconds', 10);
  const apiConnections = intFlag(args, 'api-connections', 10);
  const dataMb = intFlag(args, 'data-mb', 100);
  const memoryRuns = intFlag(args, 'memory-runs', 1000);
  const exportsMb = intFlag(args, 'exports-mb', 500);
  const facebookMb = intFlag(args, 'facebook-mb', 200);
  const platformExportsMb = intFlag(args, 'platform-exports-mb', 200);
  const only = new Set((args.get('only') ?? 'throughput,latency,api,data,memory,exports,json,platform-exports,web').split(','));
  // The exports and hostile-JSON benchmarks need no stack; the others share the stacks below.
  const needsStack = ['throughput', 'latency', 'api', 'data', 'memory', 'platform-exports', 'web'].some((name) => only.has(name));

  const results: Record<string, unknown> & { figures: Record<string, unknown>; totalSeconds?: number } = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    settings: { runs, levels, latencyRuns, apiSeconds, apiConnections, dataMb, memoryRuns, exportsMb, facebookMb, platformExportsMb },
    figures: {},
  };
  const save = async () => {
    await mkdir(join(repoRoot, 'bench', 'results'), { recursive: true });
    await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  };
  const startedAt = Date.now();
  // In this process, without a stack: what hostile JSON costs the API and the worker at full size.
  if (only.has('json')) {
    results.figures.hostileJson = benchHostileJson();
    await save();
  }
  if (only.has('exports') && exportsMb > 0) {
    results.figures.exportsIngest = await benchExportsIngest(exportsMb);
    await save();
  }
  if (only.has('exports') && facebookMb > 0) {
    results.figures.exportsIngestFacebook = await benchFacebookIngest(facebookMb);
    await save();
  }
  if (!needsStack) {
    results.totalSeconds = Math.round((Date.now() - startedAt) / 1000);
    await save();
    console.log(`\nbench: done in ${results.totalSeconds} s; figures in ${RESULTS}`);
    return;
  }
  const images = [];
  for (const kind of BENCH_ANALYSIS_KINDS) images.push(await buildBenchImage(kind));
  const throughput: ThroughputFigures[] = [];
  let latency: LatencyFigures[] = [];

  // One stack per concurrency level (the worker reads it at boot). The other benchmarks run on the first
  // stack (concurrency 1: runs one at a time, as the latency figures assume) and, for memory, the last.
  for (const [index, concurrency] of (needsStack ? levels : []).entries()) {
    const stack = await startBenchStack(`c${concurrency}`, { LOCKBOX_WORKER_RUN_CONCURRENCY: String(concurrency) });
    let context: BenchContext | undefined;
    try {
      console.log(`stack with run concurrency ${concurrency} up: ${stack.home}`);
      context = await prepareContext(stack, images);
      if (only.has('throughput')) {
        throughput.push(...(await benchRunThroughput(context, concurrency, runs)));
        results.figures.throughput = throughput;
        results.figures.targets = checkTargets(latency, throughput);
        await save();
      }
      if (index === 0) {
        if (only.has('latency') && latencyRuns > 0) {
          latency = await benchRunLatency(context, latencyRuns);
          results.figures.latency = latency;
          results.figures.targets = checkTargets(latency, throughput);
          await save();
        }
        if (only.has('api')) {
          results.figures.api = await benchApi(context, apiSeconds, apiConnections);
          await save();
        }
        if (only.has('data') && dataMb > 0) {
          results.figures.dataPath = await benchDataPath(context, dataMb);
          await save();
        }
        if (only.has('platform-exports') && platformExportsMb > 0) {
          results.figures.exportsPlatform = await benchExportsPlatform(context, platformExportsMb);
          await save();
        }
        if (only.has('web')) {
          results.figures.web = await benchWeb(context);
          await save();
        }
      }
      if (index === levels.length - 1 && only.has('memory') && memoryRuns > 0) {
        results.figures.workerMemory = { concurrency, ...(await benchWorkerMemory(context, memoryRuns)) };
        await save();
      }
    } finally {
      await context?.dispose();
      await stack.stop();
    }
  }
  results.totalSeconds = Math.round((Date.now() - startedAt) / 1000);
  await save();
  if (latency.length > 0 || throughput.length > 0) console.log(`\n${describeThreeLines(latency, throughput)}`);
  console.log(`\nbench: done in ${results.totalSeconds} s; figures in ${RESULTS}`);
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
