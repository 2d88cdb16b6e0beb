// Reads what an analysis left in /output, after its container is dead (ARCHITECTURE §5).
// Everything in there was written by third-party code: nothing is followed, everything is capped,
// and every refusal names the path so the developer can fix it.
import { constants, type Stats } from 'node:fs';
import { lstat, open, opendir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACT_EXTENSIONS, artifactExtension, checkArtifact } from '../artifacts';
import { parseJson } from '../bounded-json';
import type { PlatformLimits } from '../limits';
import { escapeHiddenCharacters } from '../plain-text';
import { resultJsonCaps, validateResult, type ResultDocument } from '../result';

// The artifact types and their content rules are contracts (analysis-sdk/src/artifacts/); the worker reads them from here.
export { ARTIFACT_CONTENT_TYPES, ARTIFACT_EXTENSIONS, artifactContentType } from '../artifacts';

/** Directories an output may contain besides its files (the tmpfs output area is sized for them too). */
export const OUTPUT_MAX_DIRECTORIES = 32;
/** A refusal names what the analysis wrote, so its message is capped before anyone is shown it. */
export const OUTPUT_MESSAGE_MAX_CHARS = 4000;

const RESULT_FILE = 'result.json';
const ARTIFACTS_DIR = 'artifacts';
// Artifact names become storage keys and download names: plain names only, no hidden files.
const ARTIFACT_NAME_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_LISTED_PROBLEMS = 10;
// Past this many entries (times the file cap) the walk stops and reports "more than".
const WALK_CEILING_FACTOR = 10;

/** The caps that apply to one run's output; `runOutputMaxBytes` is the run's own output size. */
export type OutputLimits = Pick<PlatformLimits, 'runOutputMaxFiles' | 'runOutputMaxBytes' | 'resultMaxBytes'>;

export interface CollectedArtifact {
  /** The path under /output/artifacts/, e.g. "by-hour.csv" or "charts/week.svg". */
  name: string;
  bytes: Buffer;
}

export type OutputRejectionReason = 'output_invalid' | 'output_limit';

export type OutputCollection =
  { ok: true; result: ResultDocument; resultBytes: Buffer; artifacts: CollectedArtifact[] } | { ok: false; reason: OutputRejectionReason; message: string };

interface OutputFile {
  /** Relative to /output, '/'-separated. */
  path: string;
  stats: Stats;
}

class OutputRejection extends Error {
  constructor(
    readonly reason: OutputRejectionReason,
    message: string,
  ) {
    super(message);
  }
}
const invalid = (message: string) => new OutputRejection('output_invalid', message);
const overLimit = (message: string) => new OutputRejection('output_limit', message);

/**
 * Collects `result.json` and `artifacts/` from an output directory whose writer is dead. Only regular
 * files with a single link are accepted; links, FIFOs, sockets and devices are refused, never
 * followed or opened. Throws only for faults of the host (an unexpected I/O error).
 */
export async function collectOutput(outputDir: string, limits: OutputLimits): Promise<OutputCollection> {
  try {
    const files = await listOutput(outputDir, limits);
    return await readOutput(outputDir, files, limits);
  } catch (error) {
    if (error instanceof OutputRejection) return { ok: false, reason: error.reason, message: plainMessage(error.message) };
    throw error;
  }
}

/**
 * A refusal quotes what the analysis wrote (a key, a name, a snippet) and becomes the run's message, shown in
 * lists and notifications: hidden characters are shown as escapes, and the length is capped.
 */
function plainMessage(message: string): string {
  const escaped = escapeHiddenCharacters(message);
  if (escaped.length <= OUTPUT_MESSAGE_MAX_CHARS) return escaped;
  return `${Array.from(escaped.slice(0, OUTPUT_MESSAGE_MAX_CHARS)).slice(0, -1).join('')}…`;
}

async function listOutput(root: string, limits: OutputLimits): Promise<OutputFile[]> {
  const rootStats = await lstat(root);
  if (!rootStats.isDirectory()) throw new Error(`output area ${root} is not a directory`);

  const files: OutputFile[] = [];
  let fileCount = 0;
  let directoryCount = 0;
  let totalBytes = 0;
  let entries = 0;
  let truncated = false;
  const ceiling = limits.runOutputMaxFiles * WALK_CEILING_FACTOR + OUTPUT_MAX_DIRECTORIES;
  const pending: string[] = [''];

  walk: while (pending.length > 0) {
    const directory = pending.pop()!;
    const handle = await opendir(join(root, directory)).catch((error: unknown) => unreadable(directory, error));
    // opendir streams names, so a directory of millions of entries is never loaded at once.
    for await (const entry of handle) {
      if (++entries > ceiling) {
        // Leaving the loop closes the directory handle.
        truncated = true;
        break walk;
      }
      const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
      const stats = await lstat(join(root, path)).catch((error: unknown) => unreadable(path, error));
      if (stats.isDirectory()) {
        directoryCount++;
        pending.push(path);
        continue;
      }
      if (!stats.isFile()) throw invalid(`output/${show(path)} is ${await describeType(join(root, path), stats)}; only regular files are collected`);
      if (stats.nlink > 1) throw invalid(`output/${show(path)} has ${stats.nlink} hard links; only files with a single link are collected`);
      if (stats.size > limits.runOutputMaxBytes) {
        throw overLimit(`output/${show(path)} is ${describeBytes(stats.size)}; the output limit is ${describeBytes(limits.runOutputMaxBytes)}`);
      }
      fileCount++;
      totalBytes += stats.size;
      if (fileCount <= limits.runOutputMaxFiles) files.push({ path, stats });
    }
  }

  if (truncated) {
    throw overLimit(`output has more than ${ceiling} files and directories; the limit is ${limits.runOutputMaxFiles} files`);
  }
  if (fileCount > limits.runOutputMaxFiles) {
    throw overLimit(`output has ${fileCount} files; the limit is ${limits.runOutputMaxFiles}`);
  }
  if (directoryCount > OUTPUT_MAX_DIRECTORIES) {
    throw overLimit(`output has ${directoryCount} directories; the limit is ${OUTPUT_MAX_DIRECTORIES}`);
  }
  if (totalBytes > limits.runOutputMaxBytes) {
    throw overLimit(`output holds ${describeBytes(totalBytes)}; the limit is ${describeBytes(limits.runOutputMaxBytes)}`);
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function readOutput(root: string, files: OutputFile[], limits: OutputLimits): Promise<OutputCollection> {
  const resultFile = files.find((file) => file.path === RESULT_FILE);
  const artifactFiles: OutputFile[] = [];
  const problems: string[] = [];
  for (const file of files) {
    if (file === resultFile) continue;
    if (!file.path.startsWith(`${ARTIFACTS_DIR}/`)) {
      problems.push(`output/${show(file.path)} is not collected: only result.json and files under artifacts/ are`);
      continue;
    }
    const name = file.path.slice(ARTIFACTS_DIR.length + 1);
    const extension = artifactExtension(name);
    if (!name.split('/').every((segment) => ARTIFACT_NAME_SEGMENT.test(segment))) {
      problems.push(`output/${show(file.path)} has a name that is not allowed: use letters, digits, ".", "_" and "-", not starting with "."`);
    } else if (!(ARTIFACT_EXTENSIONS as readonly string[]).includes(extension)) {
      problems.push(`output/${show(file.path)} is not a collected artifact type (${ARTIFACT_EXTENSIONS.join(', ')})`);
    } else {
      artifactFiles.push(file);
    }
  }
  if (problems.length > 0) throw invalid(listProblems(problems));
  if (!resultFile) throw invalid('no /output/result.json was written');
  if (resultFile.stats.size > limits.resultMaxBytes) {
    throw overLimit(`result.json is ${describeBytes(resultFile.stats.size)}; the limit is ${describeBytes(limits.resultMaxBytes)}`);
  }

  const resultBytes = await readRegularFile(root, resultFile);
  const result = parseResult(resultBytes, limits.resultMaxBytes);
  // Each artifact is admitted by its content (a CSV comes back with its formulas neutralised); every refusal is listed.
  const artifacts: CollectedArtifact[] = [];
  const refused: string[] = [];
  for (const file of artifactFiles) {
    const checked = checkArtifact(file.path, await readRegularFile(root, file));
    if (checked.ok) artifacts.push({ name: file.path.slice(ARTIFACTS_DIR.length + 1), bytes: checked.bytes });
    else refused.push(`output/${show(file.path)} ${checked.reason}`);
  }
  if (refused.length > 0) throw invalid(listProblems(refused));
  return { ok: true, result, resultBytes, artifacts };
}

/**
 * Checks result.json as text within the result caps (bytes, depth, values) before JSON.parse sees it,
 * so what an analysis writes costs the worker its size at most, whatever its shape.
 */
function parseResult(bytes: Buffer, maxBytes: number): ResultDocument {
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw invalid(`result.json contains a NUL byte at offset ${nul}; it must be UTF-8 JSON text`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid('result.json is not valid UTF-8 text');
  }
  const caps = resultJsonCaps(maxBytes);
  const parsed = parseJson(text, caps);
  if (!parsed.ok) throw invalid(`result.json ${parsed.message}`);
  const validation = validateResult(parsed.value, caps);
  if (!validation.ok) throw invalid(`result.json: ${listProblems(validation.errors.map((error) => error.message))}`);
  return validation.result;
}

/**
 * Reads a file found by the walk, refusing anything that is no longer that same regular file: the
 * open never follows a link (O_NOFOLLOW) or waits on a FIFO (O_NONBLOCK), and fstat must show the
 * inode the walk saw.
 */
async function readRegularFile(root: string, file: OutputFile): Promise<Buffer> {
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const handle = await open(join(root, file.path), flags).catch((error: unknown) => unreadable(file.path, error));
  const changed = () => invalid(`output/${show(file.path)} changed while it was being collected`);
  try {
    const stats = await handle.stat();
    const same = stats.isFile() && stats.dev === file.stats.dev && stats.ino === file.stats.ino && stats.nlink === 1 && stats.size === file.stats.size;
    if (!same) throw changed();
    const bytes = Buffer.alloc(stats.size);
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesRead } = await handle.read(bytes, offset, bytes.length - offset, offset);
      if (bytesRead === 0) throw changed();
      offset += bytesRead;
    }
    const { bytesRead: extra } = await handle.read(Buffer.alloc(1), 0, 1, bytes.length);
    if (extra > 0) throw changed();
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Errors the analysis can cause (a name that is not UTF-8, an unreadable mode, a link) refuse the output. */
function unreadable(path: string, error: unknown): never {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = path === '' ? 'output' : `output/${show(path)}`;
  if (code === 'ENOENT') throw invalid(`${where} could not be read: its name may not be valid UTF-8`);
  if (code === 'EACCES' || code === 'EPERM') throw invalid(`${where} could not be read: permission denied (keep output readable)`);
  if (code === 'ELOOP') throw invalid(`${where} is a symbolic link; only regular files are collected`);
  if (code === 'ENAMETOOLONG') throw invalid(`${where} has a path that is too long`);
  throw error;
}

async function describeType(path: string, stats: Stats): Promise<string> {
  if (stats.isSymbolicLink()) {
    const target = await readlink(path).catch(() => undefined);
    return target === undefined ? 'a symbolic link' : `a symbolic link (to ${show(target)})`;
  }
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function listProblems(problems: string[]): string {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
  const rest = problems.length - MAX_LISTED_PROBLEMS;
  return rest > 0 ? `${listed}; and ${rest} more` : listed;
}

/** A path as written by the analysis, made safe to put in a message: control characters escaped, length capped. */
function show(path: string): string {
  const capped = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return /^[\x21-\x7e]*$/.test(capped) ? capped : JSON.stringify(capped);
}

/**
 * "16 MiB", "1.5 MiB", "300 KiB", "12 bytes". A size that would print as a round number without
 * being one ("1.0 MiB" for one byte over 1 MiB) is given in bytes, so a limit message never reads
 * "1.0 MiB; the limit is 1 MiB".
 */
export function describeBytes(bytes: number): string {
  const units: [string, number][] = [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ];
  for (const [unit, size] of units) {
    if (bytes < size) continue;
    if (Number.isInteger(bytes / size)) return `${bytes / size} ${unit}`;
    const rounded = (bytes / size).toFixed(1);
    if (!rounded.endsWith('.0')) return `${rounded} ${unit}`;
    break;
  }
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}
