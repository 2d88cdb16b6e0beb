import type { ExportFormat } from './export-format';
import { FACEBOOK } from './facebook/facebook.format';
import { GOOGLE_TAKEOUT } from './google-takeout/google-takeout.format';
import { INSTAGRAM } from './instagram/instagram.format';
import { LOCKBOX_JSONL } from './lockbox-jsonl/lockbox-jsonl.format';
import { MAPPED_CSV, MAPPED_JSONL } from './mapped/mapped.formats';
import { REDDIT } from './reddit/reddit.format';
import { X_ARCHIVE } from './x-archive/x-archive.format';

// A format says how it recognises an archive (`detect`) and which files it reads with which parser (`plan`).
export const EXPORT_FORMATS = {
  'x-archive': X_ARCHIVE,
  facebook: FACEBOOK,
  instagram: INSTAGRAM,
  'google-takeout': GOOGLE_TAKEOUT,
  reddit: REDDIT,
  csv: MAPPED_CSV,
  jsonl: MAPPED_JSONL,
  'lockbox-jsonl': LOCKBOX_JSONL,
} as const satisfies Record<string, ExportFormat>;

export type ExportFormatName = keyof typeof EXPORT_FORMATS;
/** What an upload may ask for: a format by name, or `auto` to detect it. */
export type RequestedFormat = ExportFormatName | 'auto';

const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as ExportFormatName[];
/** Formats that need a mapping at upload. */
export const MAPPED_FORMATS: readonly ExportFormatName[] = ['csv', 'jsonl'];

export interface Detection {
  format: ExportFormatName;
  /** What was found, in words, e.g. "data/manifest.js and data/tweets.js: an X archive (2022+ layout)". */
  evidence: string;
}

/** Every format whose signs are in the archive's names (relative to its root), in the registry's order. */
export function detectFormats(names: readonly string[]): Detection[] {
  const found: Detection[] = [];
  for (const format of EXPORT_FORMAT_NAMES) {
    const evidence = (EXPORT_FORMATS[format] as ExportFormat).detect?.(names);
    if (evidence !== undefined) found.push({ format, evidence });
  }
  return found;
}

/** The one format the names show, with what was found; undefined when none or more than one does. */
export function detectFormat(names: readonly string[]): Detection | undefined {
  const found = detectFormats(names);
  return found.length === 1 ? found[0] : undefined;
}
