// An analysis project on disk: a directory holding lockbox.json (and src/main.ts, a Dockerfile, fixtures/).
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_PLATFORM_LIMITS, type PlatformLimits } from '../limits';
import { parseJson } from '../bounded-json';
import { MANIFEST_JSON_CAPS, validateManifest, type FieldError, type Manifest } from '../manifest';
import { CliError } from './cli-error';

export const MANIFEST_FILE = 'lockbox.json';

export interface AnalysisProject {
  /** Absolute path of the project directory. */
  dir: string;
  manifestPath: string;
  manifest: Manifest;
}

/** The manifest's JSON could not be read, or breaks the contract; `errors` names each field. */
export class ManifestError extends CliError {
  constructor(
    readonly manifestPath: string,
    readonly errors: FieldError[],
  ) {
    super(`${manifestPath} is invalid:\n${errors.map((error) => `  - ${error.message}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

/** Reads and parses `<dir>/lockbox.json` (within the manifest's JSON caps) without validating it. */
export async function readManifestJson(dir: string): Promise<{ manifestPath: string; value: unknown }> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`${manifestPath} not found: is ${dir} an analysis project? (create one with lockbox init <dir>)`);
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new CliError(`${dir} is not a directory: give the analysis project's directory (the one holding ${MANIFEST_FILE})`);
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new CliError(`${manifestPath} is a directory, not the manifest file`);
    throw new CliError(`cannot read ${manifestPath}: ${(error as Error).message}`);
  }
  // The platform's own caps (256 KiB, depth, values), so a manifest is refused here as it would be there.
  const parsed = parseJson(text, MANIFEST_JSON_CAPS);
  if (!parsed.ok) throw new ManifestError(manifestPath, [{ field: '', message: `manifest ${parsed.message}` }]);
  return { manifestPath, value: parsed.value };
}

/** Loads the project in `dir` (relative to `cwd`), with its manifest validated against the platform limits. */
export async function loadProject(cwd: string, dir = '.', limits: PlatformLimits = DEFAULT_PLATFORM_LIMITS): Promise<AnalysisProject> {
  const absolute = resolve(cwd, dir);
  const { manifestPath, value } = await readManifestJson(absolute);
  const validation = validateManifest(value, limits);
  if (!validation.ok) throw new ManifestError(manifestPath, validation.errors);
  return { dir: absolute, manifestPath, manifest: validation.manifest };
}
