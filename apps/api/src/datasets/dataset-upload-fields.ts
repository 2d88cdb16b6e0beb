import { DomainError } from '@lockbox/errors';

/** Files in Lockbox's own canonical JSONL, whatever platform the records came from. */
export const UPLOAD_SOURCE = 'lockbox';

/** The upload formats accepted, and the source each one's records are filed under in the data lake. */
export const DATASET_FORMATS: Readonly<Record<string, { source: string }>> = Object.freeze({
  'lockbox-jsonl': { source: UPLOAD_SOURCE },
});

export const DATASET_NAME_MAX_CHARS = 200;
/** The multipart cap on the name field: every one of the allowed characters may take four UTF-8 bytes. */
export const DATASET_NAME_MAX_BYTES = DATASET_NAME_MAX_CHARS * 4;
export const DATASET_FORMAT_MAX_BYTES = 64;

export interface DatasetUploadFields {
  format: string;
  source: string;
  name: string;
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
  if (!Object.prototype.hasOwnProperty.call(DATASET_FORMATS, format)) {
    throw new DomainError('invalid', `Format "${format.slice(0, DATASET_FORMAT_MAX_BYTES)}" is not supported; supported formats: ${supported}`);
  }

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
  return { format, source: DATASET_FORMATS[format]!.source, name };
}
