// The formats the upload form offers: exactly those the API accepts, read from its OpenAPI document (the
// `format` enum of `POST /datasets`), so the form follows the API as formats are added and never offers
// one the API would refuse. The console only adds words for each.

export interface UploadFormat {
  value: string;
  label: string;
  /** The format needs a mapping field (which column or field holds each of the kind's fields). */
  mapping: boolean;
}

/** Words for the formats of ARCHITECTURE §9; a format without words here is offered by its name. */
const FORMAT_WORDS: Readonly<Record<string, { label: string; mapping?: boolean }>> = {
  auto: { label: 'Tell from the file (recommended)' },
  'x-archive': { label: 'X (Twitter) archive, .zip' },
  facebook: { label: 'Facebook download, .zip' },
  instagram: { label: 'Instagram download, .zip' },
  reddit: { label: 'Reddit data request, .zip' },
  'google-takeout': { label: 'Google Takeout, .zip' },
  csv: { label: 'CSV with a column mapping', mapping: true },
  jsonl: { label: 'JSON lines with a field mapping', mapping: true },
  'lockbox-jsonl': { label: "Lockbox's own records (JSON lines)" },
};

/** The document's path to the upload's `format` schema. */
const DATASETS_PATH = '/api/v1/datasets';

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The `format` values `POST /datasets` accepts, in the document's order, from an OpenAPI document.
 * Empty when the document does not say (the caller then says the formats could not be read).
 */
export function uploadFormatNames(openApi: unknown): string[] {
  const schema = field(
    field(field(field(field(field(field(openApi, 'paths'), DATASETS_PATH), 'post'), 'requestBody'), 'content'), 'multipart/form-data'),
    'schema',
  );
  const formats = field(field(field(schema, 'properties'), 'format'), 'enum');
  if (!Array.isArray(formats)) return [];
  return formats.filter((name): name is string => typeof name === 'string' && name.length > 0);
}

/** Each accepted format with its words; `auto` first when the API accepts it, as the recommended choice. */
export function uploadFormats(names: readonly string[]): UploadFormat[] {
  const formats = names.map((value) => ({ value, label: FORMAT_WORDS[value]?.label ?? value, mapping: FORMAT_WORDS[value]?.mapping === true }));
  return [...formats.filter((format) => format.value === 'auto'), ...formats.filter((format) => format.value !== 'auto')];
}

/** The API's OpenAPI document, fetched once per page load. */
let accepted: Promise<UploadFormat[]> | undefined;

export function acceptedUploadFormats(): Promise<UploadFormat[]> {
  accepted ??= fetch('/api/docs-json', { credentials: 'same-origin', headers: { accept: 'application/json' } })
    .then((response) => {
      if (!response.ok) throw new Error(`The server answered ${response.status}`);
      return response.json() as Promise<unknown>;
    })
    .then((document) => {
      const formats = uploadFormats(uploadFormatNames(document));
      if (formats.length === 0) throw new Error('The server did not say which formats it accepts');
      return formats;
    })
    .catch((failure: unknown) => {
      // Let the next visit to the page try again.
      accepted = undefined;
      throw failure instanceof Error ? new Error(`Could not read the accepted formats: ${failure.message}`) : failure;
    });
  return accepted;
}
