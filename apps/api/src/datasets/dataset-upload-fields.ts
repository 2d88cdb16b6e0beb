import { DomainError } from '@lockbox/errors';
import { checkMapping, EXPORT_FORMATS, type ExportMapping, MAPPED_FORMATS, type RequestedFormat } from '@lockbox/exports';

/** The raw zone's source for every upload: the file may arrive before the format field names it. */
export const UPLOAD_SOURCE = 'lockbox';

/**
 * The upload formats accepted, and the source each one's curated records are filed under in the data
 * lake: the export's format (an `auto` upload's is found only while it is read), Lockbox's own JSONL under `lockbox`.
 */
export const DATASET_FORMATS: Readonly<Record<RequestedFormat, { source: string }>> = Object.freeze({
  auto: { source: 'auto' },
  ...(Object.fromEntries(Object.keys(EXPORT_FORMATS).map((format) => [format, { source: format }])) as Record<keyof typeof EXPORT_FORMATS, { source: string }>),
  'lockbox-jsonl': { source: UPLOAD_SOURCE },
});

export const DATASET_NAME_MAX_CHARS = 200;
/** The multipart cap on the name field: every one of the allowed characters may take four UTF-8 bytes. */
export const DATASET_NAME_MAX_BYTES = DATASET_NAME_MAX_CHARS * 4;
export const DATASET_FORMAT_MAX_BYTES = 64;
/** The multipart cap on the mapping field (checkMapping refuses more than 16,384 characters). */
export const DATASET_MAPPING_MAX_BYTES = 64 * 1024;

export interface DatasetUploadFields {
  format: RequestedFormat;
  source: string;
  name: string;
  /** The checked mapping of a `csv` or `jsonl` upload; null for the other formats. */
  mapping: ExportMapping | null;
}

// C0 and C1 control characters: names end up in lists and notifications.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, 'g');

function characterCount(text: string): number {
  return [...text].length;
}

/** The file name as a fallback dataset name: control characters dropped, cut to the name limit. */
export function nameFromFilename(filename: string): string {
  const cleaned = filename.replace(CONTROL_CHARACTERS, '').trim();
  return [...cleaned].slice(0, DATASET_NAME_MAX_CHARS).join('') || 'dataset';
}

/** Checks the text fields of a dataset upload; throws DomainError('invalid') naming the problem. */
export function parseDatasetUploadFields(fields: Record<string, string | undefined>, filename: string): DatasetUploadFields {
  const supported = Object.keys(DATASET_FORMATS).join(', ');
  const format = fields.format?.trim();
  if (!format) throw new DomainError('invalid', `The "format" field is required; supported formats: ${supported}`);
  if (!isDatasetFormat(format)) {
    throw new DomainError('invalid', `Format "${format.slice(0, DATASET_FORMAT_MAX_BYTES)}" is not supported; supported formats: ${supported}`);
  }
  const mapping = parseMapping(format, fields.mapping);

  let name: string;
  if (fields.name === undefined) {
    name = nameFromFilename(filename);
  } else {
    name = fields.name.trim();
    if (name === '') throw new DomainError('invalid', 'The "name" field must not be empty');
    if (characterCount(name) > DATASET_NAME_MAX_CHARS)
      throw new DomainError('invalid', `The "name" field must be at most ${DATASET_NAME_MAX_CHARS} characters`);
    if (CONTROL_CHARACTER.test(name)) throw new DomainError('invalid', 'The "name" field must not contain control characters');
  }
  return { format, source: DATASET_FORMATS[format].source, name, mapping };
}

function isDatasetFormat(format: string): format is RequestedFormat {
  return Object.prototype.hasOwnProperty.call(DATASET_FORMATS, format);
}

/** `csv` and `jsonl` need a mapping, checked before anything is read; the other formats take none. */
function parseMapping(format: RequestedFormat, text: string | undefined): ExportMapping | null {
  const needsMapping = (MAPPED_FORMATS as readonly string[]).includes(format);
  if (!needsMapping) {
    if (text !== undefined) throw new DomainError('invalid', `The "mapping" field is only for the csv and jsonl formats, not ${format}`);
    return null;
  }
  if (text === undefined || text.trim() === '') {
    throw new DomainError(
      'invalid',
      `The ${format} format needs a "mapping" field: a JSON object naming the kind, the platform and the fields (see docs/data-formats.md)`,
    );
  }
  const checked = checkMapping(text);
  if (!checked.ok) throw new DomainError('invalid', `The "mapping" field is not usable: ${checked.problems.join('; ')}`);
  return checked.mapping;
}
