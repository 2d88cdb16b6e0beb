// Exports ingestion: a generated X archive, and a generated Facebook export, through @lockbox/exports
// (unzip, scan, parse, repair Facebook's escaped UTF-8, validate, key, serialize), against a plain baseline
// that only unzips each file and JSON-parses it whole, each in a process of its own so that each peak RSS
// is its own. Target: the library under 300 MB whatever the size.
import { execFile } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeLargeFacebookArchive } from '../libs/exports/test-fixtures/large-facebook-archive';
import { writeLargeXArchive } from '../libs/exports/test-fixtures/large-x-archive';
import { round } from './support/figures';
import { BENCH_HOMES, repoRoot } from './support/stack';

const run = promisify(execFile);

export interface ExportsSideFigures {
  records: number;
  seconds: number;
  recordsPerS: number;
  peakRssMb: number;
}

export interface ExportsIngestFigures {
  jsonMb: number;
  archiveMb: number;
  tweets: number;
  likes: number;
  library: ExportsSideFigures;
  baseline: ExportsSideFigures;
  /** Library records/s ÷ baseline records/s. */
  ratio: number;
}

async function side(mode: 'library' | 'baseline', archive: string, flavour: 'x' | 'meta' = 'x'): Promise<ExportsSideFigures> {
  const child = join(repoRoot, 'dist/bench/support/exports-ingest-child.js');
  const { stdout } = await run(process.execPath, ['--enable-source-maps', child, mode, archive, flavour], { maxBuffer: 1024 * 1024 });
  const { records, seconds, peakRssMb } = JSON.parse(stdout.trim().split('\n').pop()!) as { records: number; seconds: number; peakRssMb: number };
  return { records, seconds: round(seconds, 2), recordsPerS: Math.round(records / seconds), peakRssMb: round(peakRssMb, 1) };
}

export async function benchExportsIngest(jsonMb: number): Promise<ExportsIngestFigures> {
  const dir = join(BENCH_HOMES, 'exports');
  await mkdir(dir, { recursive: true });
  const archive = join(dir, `x-archive-${jsonMb}mb.zip`);
  try {
    const generated = await writeLargeXArchive(archive, jsonMb * 1024 * 1024);
    const archiveMb = round((await stat(archive)).size / (1024 * 1024), 1);
    console.log(`exports: generated an X archive of ${archiveMb} MB (${jsonMb} MB of .js: ${generated.tweets} tweets, ${generated.likes} likes)`);
    const baseline = await side('baseline', archive);
    const library = await side('library', archive);
    if (library.records !== generated.tweets + generated.likes)
      throw new Error(`the library read ${library.records} records of ${generated.tweets + generated.likes}`);
    const figures: ExportsIngestFigures = {
      jsonMb,
      archiveMb,
      tweets: generated.tweets,
      likes: generated.likes,
      library,
      baseline,
      ratio: round(library.recordsPerS / baseline.recordsPerS, 3),
    };
    console.log(
      `exports ingest (${jsonMb} MB of .js): library ${library.recordsPerS} records/s, peak RSS ${library.peakRssMb} MB (target < 300); ` +
        `baseline (unzip + JSON.parse) ${baseline.recordsPerS} records/s, peak RSS ${baseline.peakRssMb} MB; ratio ${figures.ratio}`,
    );
    return figures;
  } finally {
    await rm(archive, { force: true });
  }
}

export interface FacebookIngestFigures {
  jsonMb: number;
  archiveMb: number;
  posts: number;
  comments: number;
  reactions: number;
  messages: number;
  library: ExportsSideFigures;
  baseline: ExportsSideFigures;
  /** Library records/s ÷ baseline records/s. */
  ratio: number;
}

/** The same comparison on a Facebook export: posts, comments, reactions and conversations, every text escaped. */
export async function benchFacebookIngest(jsonMb: number): Promise<FacebookIngestFigures> {
  const dir = join(BENCH_HOMES, 'exports');
  await mkdir(dir, { recursive: true });
  const archive = join(dir, `facebook-${jsonMb}mb.zip`);
  try {
    const generated = await writeLargeFacebookArchive(archive, jsonMb * 1024 * 1024);
    const archiveMb = round((await stat(archive)).size / (1024 * 1024), 1);
    const total = generated.posts + generated.comments + generated.reactions + generated.messages;
    console.log(
      `exports: generated a Facebook export of ${archiveMb} MB (${jsonMb} MB of .json: ${generated.posts} posts, ${generated.comments} comments, ` +
        `${generated.reactions} reactions, ${generated.messages} messages)`,
    );
    const baseline = await side('baseline', archive, 'meta');
    const library = await side('library', archive);
    if (library.records !== total) throw new Error(`the library read ${library.records} records of ${total}`);
    if (baseline.records !== total) throw new Error(`the baseline counted ${baseline.records} records of ${total}`);
    const figures: FacebookIngestFigures = {
      jsonMb,
      archiveMb,
      posts: generated.posts,
      comments: generated.comments,
      reactions: generated.reactions,
      messages: generated.messages,
      library,
      baseline,
      ratio: round(library.recordsPerS / baseline.recordsPerS, 3),
    };
    console.log(
      `exports ingest, Facebook (${jsonMb} MB of .json): library ${library.recordsPerS} records/s, peak RSS ${library.peakRssMb} MB (target < 300); ` +
        `baseline (unzip + JSON.parse) ${baseline.recordsPerS} records/s, peak RSS ${baseline.peakRssMb} MB; ratio ${figures.ratio}`,
    );
    return figures;
  } finally {
    await rm(archive, { force: true });
  }
}
