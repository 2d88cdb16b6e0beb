// One side of the exports benchmark, in a process of its own so that its peak RSS is its own:
//   library <archive>            the archive through @lockbox/exports, each record serialized as the worker will
//   baseline <archive> [x|meta]  only unzip each data file and JSON.parse it whole, in one process: X's
//                                tweets and likes (.js), or every .json of a Facebook export
// Prints one JSON line: { records, seconds, bytes, peakRssMb } (and, for the library, the bytes it serialized).
import { FileArchiveSource, ingestExport } from '@lockbox/exports';
import * as yauzl from 'yauzl';

async function library(path: string): Promise<{ records: number; bytes: number; serializedBytes: number }> {
  const source = await FileArchiveSource.open(path);
  try {
    let records = 0;
    let serialized = 0;
    const { report } = await ingestExport(source, {
      format: 'auto',
      onRecord: (record, key) => {
        records++;
        serialized += JSON.stringify(record).length + key.length;
      },
    });
    if (report.status !== 'ready' || report.skipped > 0)
      throw new Error(`the archive did not ingest cleanly: ${JSON.stringify(report.failure ?? report.files)}`);
    return { records, bytes: report.bytesInflated, serializedBytes: serialized };
  } finally {
    await source.close();
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zipfile) => (error ? reject(error) : resolve(zipfile))),
  );
}

function openEntry(zipfile: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zipfile.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))));
}

/** The records a parsed file holds: a bare list's elements, or the elements of a root object's lists (not its participants). */
function recordsIn(parsed: unknown): number {
  if (Array.isArray(parsed)) return parsed.length;
  if (typeof parsed !== 'object' || parsed === null) return 0;
  return Object.entries(parsed).reduce((sum, [key, value]) => sum + (Array.isArray(value) && key !== 'participants' ? value.length : 0), 0);
}

async function baseline(path: string, flavour: 'x' | 'meta'): Promise<{ records: number; bytes: number }> {
  const zipfile = await openZip(path);
  const wanted = flavour === 'x' ? /^data\/(tweets(-part\d+)?|like)\.js$/ : /\.json$/;
  let records = 0;
  let bytes = 0;
  try {
    for await (const entry of zipfile.eachEntry()) {
      if (!wanted.test(entry.fileName)) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await openEntry(zipfile, entry)) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      bytes += text.length;
      records += recordsIn(JSON.parse(flavour === 'x' ? text.slice(text.indexOf('[')) : text));
    }
  } finally {
    zipfile.close();
  }
  return { records, bytes };
}

async function main(): Promise<void> {
  const [mode, path, flavour = 'x'] = process.argv.slice(2);
  if ((mode !== 'library' && mode !== 'baseline') || !path || (flavour !== 'x' && flavour !== 'meta'))
    throw new Error('usage: exports-ingest-child library|baseline <archive> [x|meta]');
  const startedAt = performance.now();
  const counted = mode === 'library' ? await library(path) : await baseline(path, flavour);
  const seconds = (performance.now() - startedAt) / 1000;
  // maxRSS is in kilobytes: the process's peak resident memory over its whole life.
  process.stdout.write(`${JSON.stringify({ ...counted, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
