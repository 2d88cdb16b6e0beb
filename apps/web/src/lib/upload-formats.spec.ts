import { uploadFormatNames, uploadFormats } from './upload-formats';

/** The shape of the API's document around the upload's `format` (apps/api/src/datasets/dataset.controller.ts). */
function openApiWithFormats(formats: unknown): unknown {
  return {
    paths: {
      '/api/v1/datasets': {
        post: {
          requestBody: { content: { 'multipart/form-data': { schema: { type: 'object', properties: { format: { type: 'string', enum: formats } } } } } },
        },
      },
    },
  };
}

describe('uploadFormatNames', () => {
  it("reads the upload's format enum from the OpenAPI document, in its order", () => {
    expect(uploadFormatNames(openApiWithFormats(['lockbox-jsonl']))).toEqual(['lockbox-jsonl']);
    expect(uploadFormatNames(openApiWithFormats(['lockbox-jsonl', 'x-archive', 'auto']))).toEqual(['lockbox-jsonl', 'x-archive', 'auto']);
  });

  it('finds nothing in a document that does not say, rather than guessing', () => {
    expect(uploadFormatNames(undefined)).toEqual([]);
    expect(uploadFormatNames({ paths: {} })).toEqual([]);
    expect(uploadFormatNames(openApiWithFormats('lockbox-jsonl'))).toEqual([]);
    expect(uploadFormatNames(openApiWithFormats([1, '', null, 'csv']))).toEqual(['csv']);
  });

  it('reads nothing through an inherited property', () => {
    expect(uploadFormatNames(Object.create({ paths: (openApiWithFormats(['csv']) as { paths: unknown }).paths }))).toEqual([]);
  });
});

describe('uploadFormats', () => {
  it('puts automatic detection first when the API accepts it, and words each format', () => {
    expect(uploadFormats(['lockbox-jsonl', 'auto', 'x-archive']).map((format) => format.value)).toEqual(['auto', 'lockbox-jsonl', 'x-archive']);
    expect(uploadFormats(['x-archive'])[0]?.label).toBe('X (Twitter) archive, .zip');
  });

  it('marks the formats that need a mapping', () => {
    expect(uploadFormats(['csv', 'jsonl', 'lockbox-jsonl']).map((format) => format.mapping)).toEqual([true, true, false]);
  });

  it('offers a format it has no words for by its name', () => {
    expect(uploadFormats(['strava'])).toEqual([{ value: 'strava', label: 'strava', mapping: false }]);
  });
});
