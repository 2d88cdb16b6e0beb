// The benchmarks' analyses, built offline FROM the local base images and published through submission,
// checks and approval: the smallest Node analysis there is (read run.json, count the input lines, write a
// one-line result), and a minimal busybox one (a shell script doing the same), whose container lives
// only as long as the engine needs to start and stop it.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Manifest } from '@lockbox/analysis-sdk';
import type { BenchClient, BenchSession } from './bench-client';

const run = promisify(execFile);

export const BENCH_SCOPES = { 'social.posts': ['timestamp', 'likes'] };

/** Counts its input lines, so a run over a big dataset really reads it all. */
const MAIN_JS = `const fs = require('node:fs');
const run = JSON.parse(fs.readFileSync('/input/run.json', 'utf8'));
let records = 0;
try {
  const fd = fs.openSync('/input/data/social.posts.jsonl', 'r');
  const chunk = Buffer.alloc(1 << 20);
  let read;
  while ((read = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0) for (let i = 0; i < read; i++) if (chunk[i] === 10) records++;
} catch {}
fs.writeFileSync('/output/result.json', JSON.stringify({ schemaVersion: 1, summary: run.runId + ': ' + records + ' records', blocks: [] }));
`;

/** The same in busybox's shell: a missing dataset counts as none. */
const MAIN_SH = `records=$(wc -l < /input/data/social.posts.jsonl 2>/dev/null) || records=0
printf '{"schemaVersion":1,"summary":"%s records","blocks":[]}' "$records" > /output/result.json
`;

export type BenchAnalysisKind = 'busybox' | 'node';
export const BENCH_ANALYSIS_KINDS: readonly BenchAnalysisKind[] = ['busybox', 'node'];

const BENCH_BUILDS: Record<BenchAnalysisKind, { base: string; file: string; content: string; entrypoint: string[] }> = {
  busybox: { base: 'lockbox/busybox:1', file: 'main.sh', content: MAIN_SH, entrypoint: ['/bin/sh', '/app/main.sh'] },
  node: { base: 'lockbox/node-base:24', file: 'main.js', content: MAIN_JS, entrypoint: ['node', '/app/main.js'] },
};

/** The Node analysis' entrypoint (the one every benchmark but the three-line ones runs). */
export const BENCH_ENTRYPOINT = BENCH_BUILDS.node.entrypoint;
export const BENCH_RESOURCES = { memory: '128m', cpu: 0.5, timeout: 60, output: '1m' };

export function benchEntrypoint(kind: BenchAnalysisKind): string[] {
  return BENCH_BUILDS[kind].entrypoint;
}

export interface BenchImage {
  kind: BenchAnalysisKind;
  imageId: string;
  tarball: Buffer;
}

/** Always the same build context, so the image ID is stable and the build cached across runs. */
export async function buildBenchImage(kind: BenchAnalysisKind = 'node'): Promise<BenchImage> {
  const build = BENCH_BUILDS[kind];
  const context = await mkdtemp(join(tmpdir(), 'lockbox-bench-image-'));
  try {
    await mkdir(join(context, 'app'));
    await writeFile(join(context, 'app', build.file), build.content, { mode: 0o644 });
    await writeFile(join(context, 'Dockerfile'), `FROM ${build.base}\nCOPY app/ /app/\nLABEL lockbox.bench="trivial-${kind}"\n`);
    const { stdout } = await run('docker', ['build', '--quiet', context], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    const imageId = stdout.trim();
    const tarballPath = join(context, 'image.tar');
    await run('docker', ['save', '--output', tarballPath, imageId], { maxBuffer: 1 << 20 });
    return { kind, imageId, tarball: await readFile(tarballPath) };
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

export interface PublishedBenchAnalysis {
  kind: BenchAnalysisKind;
  slug: string;
  imageId: string;
}

export async function publishBenchAnalysis(client: BenchClient, image: BenchImage): Promise<PublishedBenchAnalysis> {
  const developer = await client.session('developer');
  const admin = await client.session('admin');
  const slug = `bench-${image.kind}-${randomUUID().slice(0, 8)}`;
  const manifest: Manifest = {
    name: slug,
    version: '1.0.0',
    title: 'Benchmark analysis',
    description: 'Counts its input records',
    category: 'other',
    price: 0,
    entrypoint: benchEntrypoint(image.kind),
    scopes: BENCH_SCOPES,
    params: { type: 'object', properties: {} },
    resources: BENCH_RESOURCES,
  } as Manifest;
  const submission = await client.upload<{ id: string }>('/submissions', developer.token, [
    { name: 'manifest', content: JSON.stringify(manifest) },
    { name: 'image', content: image.tarball, filename: 'image.tar' },
  ]);
  const checked = await client.until(
    async () => {
      const { body } = await client.request<{ status: string; checkReport?: unknown }>('GET', `/submissions/${submission.id}`, { token: developer.token });
      return ['submitted', 'checking'].includes(body.status) ? undefined : body;
    },
    180_000,
    'the submission checks',
  );
  if (checked.status !== 'awaiting_review') throw new Error(`the bench analysis failed its checks: ${JSON.stringify(checked.checkReport)}`);
  await client.expect(200, 'POST', `/submissions/${submission.id}/approve`, { token: admin.token, body: {} });
  return { kind: image.kind, slug, imageId: image.imageId };
}

/** `count` canonical posts, each about `approxBytes` long as JSONL. */
export function postsJsonl(count: number, approxBytes = 120): Buffer {
  const padding = 'x'.repeat(Math.max(0, approxBytes - 120));
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const timestamp = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace('.000', '');
    lines.push(
      JSON.stringify({ kind: 'social.posts', timestamp, platform: 'x', type: 'post', text: `post ${i} ${padding}`, likes: i % 7, comments: i % 3, shares: 0 }),
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** Uploads a dataset and waits until it is ingested. */
export async function uploadDataset(client: BenchClient, user: BenchSession, content: Buffer, timeoutMs = 600_000): Promise<string> {
  const accepted = await client.upload<{ id: string }>('/datasets', user.token, [
    { name: 'format', content: 'lockbox-jsonl' },
    { name: 'file', content, filename: 'posts.jsonl' },
  ]);
  const status = await client.until(
    async () => {
      const { body } = await client.request<{ status: string }>('GET', `/datasets/${accepted.id}`, { token: user.token });
      return ['ready', 'failed'].includes(body.status) ? body.status : undefined;
    },
    timeoutMs,
    'dataset ingestion',
  );
  if (status !== 'ready') throw new Error(`dataset ${accepted.id} is ${status}`);
  return accepted.id;
}

/** POST /runs of the bench analysis over the given datasets; the run's id. */
export async function startRun(client: BenchClient, user: BenchSession, analysis: PublishedBenchAnalysis, datasetIds: string[]): Promise<string> {
  const run = await client.expect<{ id: string }>(202, 'POST', '/runs', {
    token: user.token,
    body: { analysis: analysis.slug, datasetIds, params: {}, consent: { scopes: BENCH_SCOPES } },
  });
  return run.id;
}
