// Data path: one run over a big dataset. The worker's staging (S3 → projected JSONL on disk) and what it
// adds after the container (output collection, storing logs and result) against a plain script that reads
// the same curated bytes from the S3 endpoint, applies the same projection and writes them to disk.
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { projectRecord, type SocialPost } from '@lockbox/analysis-sdk';
import { BENCH_SCOPES, postsJsonl, startRun, uploadDataset } from './support/bench-analysis';
import type { BenchContext } from './support/bench-context';
import { round } from './support/figures';

export interface DataPathFigures {
  datasetMb: number;
  records: number;
  ingestS: number;
  /** Worker: S3 → projected /input files. */
  platformStageMs: number;
  /** Worker: the sandbox step minus the container's own run time (create, start, wait, output collection, remove). */
  platformSandboxOverheadMs: number;
  /** Worker: logs and result to S3, then the final commit. */
  platformStoreAndCommitMs: number;
  /** The plain script: S3 GET of the curated object, projection, write. */
  plainReadMs: number;
  /** platformStageMs ÷ plainReadMs (target ≤ 1.5). */
  ratio: number;
}

export async function benchDataPath(context: BenchContext, datasetMb: number): Promise<DataPathFigures> {
  const { client, user, stack } = context;
  // ~200-byte posts: 100 MB is about half a million records.
  const records = Math.round((datasetMb * 1024 * 1024) / 200);
  const content = postsJsonl(records, 200);
  const ingestStartedAt = performance.now();
  const datasetId = await uploadDataset(client, user, content, 30 * 60_000);
  const ingestS = (performance.now() - ingestStartedAt) / 1000;

  const runId = await startRun(client, user, context.analysis, [datasetId]);
  const run = await client.until(
    async () => {
      const { body } = await client.request<{ status: string; reason?: string }>('GET', `/runs/${runId}`, { token: user.token });
      return ['queued', 'running'].includes(body.status) ? undefined : body;
    },
    15 * 60_000,
    'the data-path run',
  );
  if (run.status !== 'succeeded') throw new Error(`the data-path run ended ${run.status}/${run.reason}`);
  const phases = await phasesOf(join(stack.home, 'logs', 'worker.log'), runId);

  const plainReadMs = await plainRead(context, datasetId, join(stack.home, 'bench', 'plain-read.jsonl'));
  const figures = {
    datasetMb: round(content.length / (1024 * 1024), 1),
    records,
    ingestS: round(ingestS, 1),
    platformStageMs: phases.stage,
    platformSandboxOverheadMs: phases.sandbox - phases.container,
    platformStoreAndCommitMs: phases.store + phases.commit,
    plainReadMs: round(plainReadMs, 0),
    ratio: round(phases.stage / plainReadMs, 3),
  };
  console.log(
    `data path (${figures.datasetMb} MB, ${records} records, ingested in ${figures.ingestS} s): staging ${figures.platformStageMs} ms vs plain read ${figures.plainReadMs} ms, ` +
      `ratio ${figures.ratio} (target ≤ 1.5); sandbox overhead ${figures.platformSandboxOverheadMs} ms, store + commit ${figures.platformStoreAndCommitMs} ms`,
  );
  return figures;
}

const PHASES = ['stage', 'sandbox', 'container', 'store', 'commit'] as const;

/** The worker's `run <id>: phases prepare=…ms stage=…ms … container=…ms` line; a phase missing from it is an error, not a NaN figure. */
async function phasesOf(logPath: string, runId: string): Promise<Record<(typeof PHASES)[number], number>> {
  const line = (await readFile(logPath, 'utf8')).split('\n').find((entry) => entry.includes(`run ${runId}: phases`));
  if (!line) throw new Error(`the worker logged no phase times for run ${runId} (${logPath})`);
  const logged = new Map(Array.from(line.matchAll(/(\w+)=(\d+)ms/g), ([, name, ms]) => [name, Number(ms)]));
  const missing = PHASES.filter((phase) => !logged.has(phase));
  if (missing.length > 0) throw new Error(`the worker logged no ${missing.join(', ')} time for run ${runId} (${logPath})`);
  return Object.fromEntries(PHASES.map((phase) => [phase, logged.get(phase)])) as Record<(typeof PHASES)[number], number>;
}

/** What the worker's staging does, with nothing but the S3 client: GET, split lines, parse, project, write. */
async function plainRead(context: BenchContext, datasetId: string, target: string): Promise<number> {
  const { s3 } = context.stack.config;
  const s3Client = new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    forcePathStyle: s3.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `curated/user=${context.user.id}/` }));
    const key = listed.Contents?.map((object) => object.Key!).find((candidate) => candidate.endsWith(`dataset=${datasetId}/social.posts.jsonl`));
    if (!key) throw new Error(`no curated posts of dataset ${datasetId} in S3`);
    const fields = BENCH_SCOPES['social.posts'];
    const startedAt = performance.now();
    const object = await s3Client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const out = createWriteStream(target);
    for await (const line of createInterface({ input: object.Body as Readable, crlfDelay: Infinity })) {
      if (!line) continue;
      if (!out.write(`${JSON.stringify(projectRecord(JSON.parse(line) as SocialPost, fields))}\n`)) await once(out, 'drain');
    }
    out.end();
    await finished(out);
    return performance.now() - startedAt;
  } finally {
    s3Client.destroy();
    await rm(target, { force: true });
  }
}
