import { type CanonicalRecord, validateRecord } from '@lockbox/analysis-sdk';
import { type ArchiveSource, readRange } from './archive/archive-source';
import { entryNameProblem, isDirectoryName, isNestedArchiveName } from './archive/entry-names';
import { InflateBudget } from './archive/inflate-budget';
import { type ArchiveEntry, listZip, readWhole, readZipEntry } from './archive/zip-reader';
import { ArchiveFault, FileFault } from './faults';
import type { EntryPlan, ExportFormat, FormatPlan, ParseContext } from './formats/export-format';
import type { ExportMapping } from './formats/mapped/export-mapping';
import { detectFormats, EXPORT_FORMATS, type ExportFormatName, MAPPED_FORMATS, type RequestedFormat } from './formats/registry';
import { exportLimits, type ExportLimits } from './limits';
import { recordKey } from './record-key';
import { type FileTally, type IngestReport, IngestReportBuilder } from './report';
import { BufferGauge } from './streams/buffer-gauge';

export interface IngestOptions {
  format: RequestedFormat;
  /** Required by `csv` and `jsonl`; check it first with checkMapping. */
  mapping?: ExportMapping;
  limits?: Partial<ExportLimits>;
  /** Aborted when the work must stop part-way (lease lost, shutdown): the ingestion throws its reason. */
  stop?: AbortSignal;
  /** Each valid record with its stable key, one at a time: the ingestion waits for it (backpressure). */
  onRecord(record: CanonicalRecord, key: string): Promise<void> | void;
}

export interface IngestResult {
  report: IngestReport;
  /** The most bytes any reader held for one item: bounded by the caps, whatever the upload. */
  peakBufferedBytes: number;
}

interface Ingestion {
  source: ArchiveSource;
  options: IngestOptions;
  limits: ExportLimits;
  report: IngestReportBuilder;
  budget: InflateBudget;
  context: ParseContext;
}

/**
 * Turns an upload (a ZIP, or for JSONL and CSV a bare file) into canonical records and an ingest report,
 * streaming: one entry at a time, one record at a time, memory bounded by the limits. Faults are graded:
 * an archive fault fails the report (status `failed`), a file fault fails one file, a skip drops one
 * record. Throws only what is not the upload's fault: a SourceReadError (storage), the stop signal's
 * reason, or an error from `onRecord`.
 */
export async function ingestExport(source: ArchiveSource, options: IngestOptions): Promise<IngestResult> {
  if ((MAPPED_FORMATS as readonly string[]).includes(options.format) && !options.mapping) {
    throw new Error(`the ${options.format} format needs a mapping`);
  }
  const limits = exportLimits(options.limits);
  const gauge = new BufferGauge();
  const ingestion: Ingestion = {
    source,
    options,
    limits,
    report: new IngestReportBuilder(options.format, limits),
    budget: new InflateBudget(limits),
    context: { limits, gauge },
  };
  try {
    await ingest(ingestion);
  } catch (error) {
    if (!(error instanceof ArchiveFault)) throw error;
    ingestion.report.fail(error.reason, error.message);
  }
  return { report: ingestion.report.build(ingestion.budget.totalInflated), peakBufferedBytes: gauge.peakBytes };
}

async function ingest(ingestion: Ingestion): Promise<void> {
  let entries: ArchiveEntry[];
  try {
    entries = (await listZip(ingestion.source, ingestion.limits)).entries;
  } catch (error) {
    if (error instanceof ArchiveFault && error.reason === 'not_a_zip') {
      const bare = await bareFormat(ingestion);
      if (bare) return readBareFile(ingestion, bare);
    }
    throw error;
  }
  ingestion.report.setArchive(true, entries.length);
  await readArchive(ingestion, entries);
}

// A Google file people upload on its own: the phone's Timeline.json, Records.json, or a watch history. Its
// first key tells it from Lockbox's JSONL, whose lines start with {"kind": …
const GOOGLE_BARE_FILE =
  /^\uFEFF?\s*(?:\{\s*"(?:semanticSegments|rawSignals|userLocationProfile|locations|timelineObjects)"\s*:|\[\s*\{\s*"(?:header|title|startTime|endTime)"\s*:)/;

/** The format of an upload that is not a ZIP: a named format that reads bare files, or `auto` on a JSON document. */
async function bareFormat(ingestion: Ingestion): Promise<{ name: ExportFormatName; plan: EntryPlan } | undefined> {
  const { format, mapping } = ingestion.options;
  let name: ExportFormatName | undefined;
  if (format === 'auto') {
    const head = (await readRange(ingestion.source, 0, Math.min(ingestion.source.size, 256))).toString('utf8');
    if (GOOGLE_BARE_FILE.test(head)) {
      name = 'google-takeout';
      ingestion.report.setFormat(
        name,
        'a Google file, not an archive: location history (Timeline.json, Records.json) or activity (watch-history.json, MyActivity.json)',
      );
    } else if (/^\uFEFF?\s*\{/.test(head)) {
      name = 'lockbox-jsonl';
      ingestion.report.setFormat(name, "a file of JSON lines, not an archive: Lockbox's canonical JSONL");
    }
  } else {
    name = format;
    ingestion.report.setFormat(name);
  }
  const plan = name === undefined ? undefined : (EXPORT_FORMATS[name] as ExportFormat).plan({ mapping }).bareFile;
  return name !== undefined && plan ? { name, plan } : undefined;
}

async function readBareFile(ingestion: Ingestion, bare: { name: ExportFormatName; plan: EntryPlan }): Promise<void> {
  ingestion.report.setArchive(false, 1);
  const file = ingestion.report.startFile('upload', bare.plan.part);
  await readFile(ingestion, file, bare.plan, readWhole(ingestion.source, ingestion.budget));
}

/** The entries that may be read: unsafe and duplicate names are listed as not read, directories dropped. */
function safeEntries(ingestion: Ingestion, entries: readonly ArchiveEntry[]): ArchiveEntry[] {
  const { report, limits } = ingestion;
  const named = new Map<string, number>();
  for (const entry of entries) named.set(entry.name, (named.get(entry.name) ?? 0) + 1);
  const safe: ArchiveEntry[] = [];
  for (const entry of entries) {
    const problem = entryNameProblem(entry.name, entry.nameBytes, limits.maxNameBytes);
    if (problem) report.addNotRead(entry.name, 'unsafe_name', problem);
    else if (named.get(entry.name)! > 1) report.addNotRead(entry.name, 'duplicate_name', 'another entry has the same name: neither is read');
    else if (!isDirectoryName(entry.name)) safe.push(entry);
  }
  return safe;
}

/** An archive made by zipping a folder has everything under that folder's name: names are taken below it. */
function commonRoot(names: readonly string[]): string {
  const first = names[0]?.split('/')[0];
  if (first === undefined || names.some((name) => !name.includes('/') || !name.startsWith(`${first}/`))) return '';
  return `${first}/`;
}

function chooseFormat(ingestion: Ingestion, names: readonly string[]): ExportFormat {
  const { format } = ingestion.options;
  if (format !== 'auto') {
    ingestion.report.setFormat(format);
    return EXPORT_FORMATS[format];
  }
  const found = detectFormats(names);
  if (found.length === 0) {
    throw new ArchiveFault(
      'format_not_detected',
      'no known export was found: Lockbox looked for an X archive (data/tweets.js, tweet.js, like.js…), a Reddit data request ' +
        '(comments.csv, posts.csv, post_votes.csv…), a Facebook or Instagram JSON export (your_facebook_activity/, your_instagram_activity/, ' +
        'posts/your_posts_1.json…) and a Google Takeout (YouTube history, My Activity, location history, Timeline.json); to read other CSV ' +
        'or JSONL files, name the format (csv, jsonl) with a mapping',
    );
  }
  if (found.length > 1) {
    throw new ArchiveFault('format_ambiguous', `the archive looks like more than one export (${found.map((one) => one.evidence).join('; ')}): name its format`);
  }
  // Exactly one format was found: none and several are refused above.
  const only = found[0]!;
  ingestion.report.setFormat(only.format, only.evidence);
  return EXPORT_FORMATS[only.format];
}

async function readArchive(ingestion: Ingestion, entries: readonly ArchiveEntry[]): Promise<void> {
  const { report, options } = ingestion;
  const safe = safeEntries(ingestion, entries);
  const root = commonRoot(safe.map((entry) => entry.name));
  const relative = (entry: ArchiveEntry): string => entry.name.slice(root.length);
  const format = chooseFormat(ingestion, safe.map(relative));
  const plan: FormatPlan = format.plan({ mapping: options.mapping, names: safe.map(relative) });

  const reads: { entry: ArchiveEntry; plan: EntryPlan }[] = [];
  for (const entry of safe) {
    if (isNestedArchiveName(entry.name)) {
      report.addNotRead(entry.name, 'nested_archive', 'an archive inside the archive is never opened');
      continue;
    }
    const role = plan.roleOf(relative(entry));
    if (role && 'read' in role) reads.push({ entry, plan: role.read });
    else if (role) report.addNotRead(entry.name, 'not_imported', role.notImported);
    else report.addNotRead(entry.name, 'not_understood', `not a file of ${format.name} that Lockbox knows`);
  }
  reads.sort((a, b) => a.plan.order - b.plan.order || (a.entry.name < b.entry.name ? -1 : a.entry.name > b.entry.name ? 1 : 0));

  for (const { entry, plan: entryPlan } of reads) {
    options.stop?.throwIfAborted();
    const file = report.startFile(entry.name, entryPlan.part);
    if (entry.uncompressedSize > ingestion.limits.maxEntryInflatedBytes) {
      // Refused early on what it declares; a file that lies about its size is stopped while inflating.
      file.fail('file_too_large', `the file declares ${entry.uncompressedSize} bytes, more than the cap of ${ingestion.limits.maxEntryInflatedBytes}`);
      continue;
    }
    await readFile(ingestion, file, entryPlan, readZipEntry(ingestion.source, entry, ingestion.budget));
  }
}

async function* counted(input: AsyncIterable<Buffer>, file: FileTally): AsyncGenerator<Buffer> {
  for await (const chunk of input) {
    file.addBytes(chunk.length);
    yield chunk;
  }
}

/** One file through its parser; a FileFault fails this file only, anything else goes up. */
async function readFile(ingestion: Ingestion, file: FileTally, plan: EntryPlan, content: AsyncIterable<Buffer>): Promise<void> {
  const { options, context } = ingestion;
  try {
    for await (const item of plan.parse(counted(content, file), context)) {
      options.stop?.throwIfAborted();
      if (item.type === 'skip') {
        file.addSkip(item.at, item.reason, item.message);
        continue;
      }
      if (item.type === 'note') {
        file.addNote(item.at, item.reason, item.message);
        continue;
      }
      const checked = validateRecord(item.record);
      if (!checked.ok) {
        file.addSkip(item.at, 'invalid_record', checked.reason);
        continue;
      }
      await options.onRecord(checked.record, recordKey(checked.record));
      file.addRecord(checked.record.kind);
    }
  } catch (error) {
    if (!(error instanceof FileFault)) throw error;
    file.fail(error.reason, error.message);
  }
}
