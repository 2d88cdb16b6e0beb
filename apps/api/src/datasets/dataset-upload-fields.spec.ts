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
    expect(parseDatasetUploadFields({ format: 'lockbox-jsonl' }, 'posts.jsonl')).toEqual({ format: 'lockbox-jsonl', source: 'lockbox', name: 'posts.jsonl' });
    expect(parseDatasetUploadFields({ format: 'lockbox-jsonl', name: '  My posts ' }, 'posts.jsonl').name).toBe('My posts');
  });

  it('refuses a missing or unknown format, naming the supported formats', () => {
    expect(refusal({})).toBe('The "format" field is required; supported formats: lockbox-jsonl');
    expect(refusal({ format: 'csv' })).toBe('Format "csv" is not supported; supported formats: lockbox-jsonl');
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
