// Artifacts: the files an analysis may leave in /output/artifacts/ next to its result. Each type is
// admitted by its content, not only by its name, and none may carry anything that acts when opened:
// an SVG is static drawing or is refused, a CSV's formulas are neutralised, a PNG is a PNG.
import { isUtf8 } from 'node:buffer';
import { neutraliseCsv } from './csv';
import { checkJsonBytes } from './json';
import { checkPng } from './png';
import { checkSvg } from './svg';

export { neutraliseCsv, type CsvCheck } from './csv';
export { checkSvg, SVG_ELEMENTS } from './svg';
export { checkPng } from './png';

/** The artifact types collected from /output/artifacts/ (by extension, any case), and the type each is served as. */
export const ARTIFACT_CONTENT_TYPES = {
  png: 'image/png',
  svg: 'image/svg+xml',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
} as const;
export type ArtifactExtension = keyof typeof ARTIFACT_CONTENT_TYPES;
export const ARTIFACT_EXTENSIONS = Object.keys(ARTIFACT_CONTENT_TYPES) as ArtifactExtension[];

/** The extension of an artifact name, lower-cased ('' when it has none). */
export function artifactExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? '' : name.slice(dot + 1).toLowerCase();
}

/** The content type of a collected artifact, from its extension (collection admits no other). */
export function artifactContentType(name: string): string {
  return ARTIFACT_CONTENT_TYPES[artifactExtension(name) as ArtifactExtension] ?? 'application/octet-stream';
}

/** An artifact as it is kept (a CSV possibly neutralised), or why it is refused ("is not …", "has …"). */
export type ArtifactCheck = { ok: true; bytes: Buffer } | { ok: false; reason: string };

/**
 * Checks one artifact by its content, as the platform does when it collects the output: PNG structure,
 * static SVG, UTF-8 RFC 4180 CSV with formula cells neutralised, JSON text, UTF-8 text. Returns the
 * bytes to keep, or the reason to refuse (a sentence that follows the artifact's name).
 */
export function checkArtifact(name: string, bytes: Buffer): ArtifactCheck {
  const refuse = (reason: string | undefined): ArtifactCheck => (reason === undefined ? { ok: true, bytes } : { ok: false, reason });
  switch (artifactExtension(name)) {
    case 'png':
      return refuse(checkPng(bytes));
    case 'svg':
      return refuse(checkSvg(bytes));
    case 'csv': {
      const csv = neutraliseCsv(bytes);
      return csv.ok ? { ok: true, bytes: csv.bytes } : csv;
    }
    case 'json':
      return refuse(isUtf8(bytes) ? checkJsonBytes(bytes) : 'is not UTF-8 text');
    case 'txt':
      return refuse(checkText(bytes));
    default:
      return { ok: false, reason: `is not a collected artifact type (${ARTIFACT_EXTENSIONS.join(', ')})` };
  }
}

function checkText(bytes: Buffer): string | undefined {
  if (!isUtf8(bytes)) return 'is not UTF-8 text';
  const nul = bytes.indexOf(0);
  return nul === -1 ? undefined : `contains a NUL byte at offset ${nul}; a text file is text`;
}
