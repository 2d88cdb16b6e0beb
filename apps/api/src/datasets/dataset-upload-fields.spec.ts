import { DomainError } from '@lockbox/errors';
import { nameFromFilename, parseDatasetUploadFields } from './dataset-upload-fields';

function refusal(fields: Record<string, string | undefined>): string {
  try {
    parseDatasetUploadFields(fields, 'posts.jsonl');
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('invalid');
    return (error as DomainError).message;
  }
  throw new Error('expected a refusal');
}

describe('parseDatasetUploadFields', () => {
  it('accepts lockbox-jsonl, filed under the lockbox source, named after the file by default', () => {
    expect(parseDatasetUploadFields({ format: 'lockbox-jsonl' }, 'posts.jsonl')).toEqual({
      format: 'lockbox-jsonl',
      source: 'lockbox',
      name: 'posts.jsonl',
      mapping: null,
    });
    expect(parseDatasetUploadFields({ format: 'lockbox-jsonl', name: '  My posts ' }, 'posts.jsonl').name).toBe('My posts');
  });

  const SUPPORTED = 'auto, x-archive, facebook, instagram, google-takeout, reddit, csv, jsonl, lockbox-jsonl';

  it('refuses a missing or unknown format, naming the supported formats', () => {
    expect(refusal({})).toBe(`The "format" field is required; supported formats: ${SUPPORTED}`);
    expect(refusal({ format: 'myspace' })).toBe(`Format "myspace" is not supported; supported formats: ${SUPPORTED}`);
  });

  it("accepts auto and every export format, each filed under its own source (auto's until it is read)", () => {
    expect(parseDatasetUploadFields({ format: 'auto' }, 'export.zip')).toMatchObject({ format: 'auto', source: 'auto', mapping: null });
    expect(parseDatasetUploadFields({ format: 'x-archive' }, 'export.zip')).toMatchObject({ format: 'x-archive', source: 'x-archive' });
    expect(parseDatasetUploadFields({ format: 'google-takeout' }, 'takeout.zip').source).toBe('google-takeout');
  });

  it('takes a mapping for csv and jsonl only, checked, naming its problems', () => {
    const mapping = { kind: 'social.posts', platform: 'other', fields: { timestamp: 'Date', text: 'Body' }, values: { type: 'post' } };
    expect(parseDatasetUploadFields({ format: 'csv', mapping: JSON.stringify(mapping) }, 'posts.csv').mapping).toMatchObject(mapping);
    expect(refusal({ format: 'csv' })).toMatch(/^The csv format needs a "mapping" field/);
    expect(refusal({ format: 'jsonl', mapping: '{"kind":' })).toBe('The "mapping" field is not usable: the mapping is not valid JSON');
    expect(refusal({ format: 'csv', mapping: JSON.stringify({ ...mapping, kind: 'social.videos' }) })).toMatch(
      /^The "mapping" field is not usable: kind must be one of social\.posts/,
    );
    expect(refusal({ format: 'x-archive', mapping: JSON.stringify(mapping) })).toBe('The "mapping" field is only for the csv and jsonl formats, not x-archive');
  });

  it('allows names of up to 200 characters (not bytes), and no empty or control-character names', () => {
    expect(parseDatasetUploadFields({ format: 'lockbox-jsonl', name: '€'.repeat(200) }, 'f').name).toHaveLength(200);
    expect(refusal({ format: 'lockbox-jsonl', name: 'x'.repeat(201) })).toBe('The "name" field must be at most 200 characters');
    expect(refusal({ format: 'lockbox-jsonl', name: '   ' })).toBe('The "name" field must not be empty');
    expect(refusal({ format: 'lockbox-jsonl', name: 'a\u0007b' })).toBe('The "name" field must not contain control characters');
  });
});

describe('nameFromFilename', () => {
  it('drops control characters and cuts to 200 characters', () => {
    expect(nameFromFilename('my\u0000 posts.jsonl')).toBe('my posts.jsonl');
    expect(nameFromFilename('y'.repeat(300))).toHaveLength(200);
    expect(nameFromFilename('\u0001')).toBe('dataset');
  });
});
