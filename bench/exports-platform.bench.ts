// Exports through the platform: a generated X archive uploaded through the API and ingested by the
// worker (spooled, read with @lockbox/exports, curated with its record keys). Records/s from the upload's
// acceptance to `ready`, and the worker's peak RSS while it ingests (target: < 300 MB whatever the size).
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeLargeXArchive } from '../libs/exports/test-fixtures/large-x-archive';
import type { BenchContext } from './support/bench-context';
import { round } from './support/figures';
import { BENCH_HOMES, rssBytes } from './support/stack';

export interface ExportsPlatformFigures {
  jsonMb: number;
  archiveMb: number;
  records: number;
  /** From the upload's 202 to the dataset `ready`: spool, read, curate, keys, report. */
  ingestS: number;
  recordsPerS: number;
  workerRssBeforeMb: number;
  /** The worker's RSS, sampled every 100 ms while it ingested (target < 300). */
  workerPeakRssMb: number;
}

const SAMPLE_MS = 100;

export async function benchExportsPlatform(context: BenchContext, jsonMb: number): Promise<ExportsPlatformFigures> {
  const { client, user, stack } = context;
  const dir = join(BENCH_HOMES, 'exports-platform');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `x-archive-${jsonMb}mb.zip`);
  try {
    const generated = await writeLargeXArchive(path, jsonMb * 1024 * 1024);
    const archive = await readFile(path);
    const archiveMb = round((await stat(path)).size / (1024 * 1024), 1);
    const pid = stack.workerPid();
    const before = rssBytes(pid);
    let peak = before;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssBytes(pid));
      } catch {
        // the worker went away: the ingest fails below and says so
      }
    }, SAMPLE_MS);
    let ingestS: number;
    let dataset: { status: string; recordCount: number; failureMessage: string | null };
    try {
      const accepted = await client.upload<{ id: string }>('/datasets', user.token, [
        { name: 'format', content: 'x-archive' },
        { name: 'file', content: archive, filename: 'twitter.zip' },
      ]);
      const startedAt = performance.now();
      dataset = await client.until(
        async () => {
          const { body } = await client.request<typeof dataset>('GET', `/datasets/${accepted.id}`, { token: user.token });
          return ['ready', 'failed'].includes(body.status) ? body : undefined;
        },
        60 * 60_000,
        'the exported archive ingestion',
      );
      ingestS = (performance.now() - startedAt) / 1000;
    } finally {
      clearInterval(sampler);
    }
    const records = generated.tweets + generated.likes;
    if (dataset.status !== 'ready' || dataset.recordCount !== records) {
      throw new Error(`the platform ingested ${dataset.recordCount} records of ${records} (${dataset.status}: ${dataset.failureMessage})`);
    }
    const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);
    const figures = {
      jsonMb,
      archiveMb,
      records,
      ingestS: round(ingestS, 1),
      recordsPerS: Math.round(records / ingestS),
      workerRssBeforeMb: mb(before),
      workerPeakRssMb: mb(peak),
    };
    console.log(
      `exports through the platform (${jsonMb} MB of .js, a ${archiveMb} MB archive): ${figures.recordsPerS} records/s, ` +
        `worker RSS ${figures.workerRssBeforeMb} MB before, peak ${figures.workerPeakRssMb} MB while ingesting (target < 300)`,
    );
    return figures;
  } finally {
    await rm(path, { force: true });
  }
}
