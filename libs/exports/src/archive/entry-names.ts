// Entry names are chosen by whoever made the archive. They are never used as paths (nothing is extracted
// to disk), but a name that could mean a path elsewhere, or that displays as something it is not, is
// refused so that no later step (a report on a screen, a log, a tool) is ever fooled by it.

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Bidirectional overrides and isolates, and the marks that reorder text: "exe.js" can display as "sj.exe".
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const SHOWN_ESCAPED = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const MAX_SHOWN_CHARS = 200;

const NESTED_ARCHIVE = /\.(zip|jar|apk|tar|tgz|gz|gzip|bz2|tbz|tbz2|xz|txz|zst|zstd|7z|rar|cab|lz|lzma|z)$/i;

/** Why a name is refused, in words; undefined when it is fine. */
export function entryNameProblem(name: string, rawBytes: number, maxNameBytes: number): string | undefined {
  if (rawBytes > maxNameBytes) return `the name is longer than ${maxNameBytes} bytes`;
  if (name.length === 0) return 'the name is empty';
  if (CONTROL.test(name)) return 'the name has a control character';
  if (BIDI.test(name)) return 'the name has a bidirectional-text control character';
  if (name.includes('\\')) return 'the name has a backslash';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'the name is an absolute path';
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/');
  if (segments.includes('..')) return "the name has a '..' segment";
  if (segments.some((segment) => segment === '.' || segment === '')) return "the name has an empty or '.' segment";
  return undefined;
}

export function isDirectoryName(name: string): boolean {
  return name.endsWith('/');
}

export function isNestedArchiveName(name: string): boolean {
  return NESTED_ARCHIVE.test(name);
}

/** A name as it may be shown to a person: control and bidi characters escaped, length capped. */
export function displayName(name: string): string {
  const escaped = name.replace(SHOWN_ESCAPED, (char) => `\\u{${char.codePointAt(0)!.toString(16).padStart(4, '0')}}`);
  return escaped.length > MAX_SHOWN_CHARS ? `${escaped.slice(0, MAX_SHOWN_CHARS - 1)}…` : escaped;
}
