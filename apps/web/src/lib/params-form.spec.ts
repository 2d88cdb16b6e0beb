import { paramsDialectProblems } from '@lockbox/analysis-sdk';
import type { ParamsSchema } from './types';
import { fieldsFromSchema, initialValues, paramsFromValues } from './params-form';

const SCHEMA: ParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: {
    mode: { type: 'string', enum: ['fast', 'thorough'], title: 'Mode', description: 'How hard to look' },
    offset: { type: 'integer', minimum: -720, maximum: 840, default: 0 },
    ratio: { type: 'number', minimum: 0, maximum: 1 },
    label: { type: 'string', maxLength: 5 },
    verbose: { type: 'boolean', default: true },
    platforms: { type: 'array', items: { type: 'string', enum: ['x', 'reddit'] }, maxItems: 1 },
    words: { type: 'array', items: { type: 'integer' }, maxItems: 2 },
    lockboxTestUnderReview: { type: 'boolean', default: true },
  },
};

describe('the params form', () => {
  it('is generated from a schema of the restricted dialect', () => {
    expect(paramsDialectProblems(SCHEMA)).toEqual([]);
    const fields = fieldsFromSchema(SCHEMA);
    expect(fields.map((field) => [field.name, field.control.kind])).toEqual([
      ['mode', 'select'],
      ['offset', 'number'],
      ['ratio', 'number'],
      ['label', 'text'],
      ['verbose', 'checkbox'],
      ['platforms', 'multi-select'],
      ['words', 'list'],
    ]);
    expect(fields[0]).toMatchObject({ label: 'Mode', description: 'How hard to look', required: true });
    expect(fields[1]).toMatchObject({ label: 'offset', required: false, control: { kind: 'number', integer: true, minimum: -720, maximum: 840 } });
  });

  it('starts from the defaults', () => {
    expect(initialValues(fieldsFromSchema(SCHEMA))).toEqual({ mode: '', offset: '0', ratio: '', label: '', verbose: true, platforms: [], words: '' });
  });

  it('turns the values into typed params, leaving empty optional fields to the defaults', () => {
    const fields = fieldsFromSchema(SCHEMA);
    const outcome = paramsFromValues(fields, { ...initialValues(fields), mode: 'fast', ratio: '0.5', platforms: ['reddit'], words: '3\n4' });
    expect(outcome).toEqual({ params: { mode: 'fast', offset: 0, ratio: 0.5, verbose: true, platforms: ['reddit'], words: [3, 4] }, errors: {} });
  });

  it('names what is wrong, field by field, on both sides of each bound', () => {
    const fields = fieldsFromSchema(SCHEMA);
    const base = { ...initialValues(fields), mode: 'fast' };
    expect(paramsFromValues(fields, { ...base, mode: '' }).errors).toEqual({ mode: 'Required' });
    expect(paramsFromValues(fields, { ...base, offset: '840' }).errors).toEqual({});
    expect(paramsFromValues(fields, { ...base, offset: '841' }).errors).toEqual({ offset: 'Enter 840 or less' });
    expect(paramsFromValues(fields, { ...base, offset: '-721' }).errors).toEqual({ offset: 'Enter -720 or more' });
    expect(paramsFromValues(fields, { ...base, offset: '1.5' }).errors).toEqual({ offset: 'Enter a whole number' });
    expect(paramsFromValues(fields, { ...base, label: '12345' }).errors).toEqual({});
    expect(paramsFromValues(fields, { ...base, label: '123456' }).errors).toEqual({ label: 'At most 5 characters' });
    expect(paramsFromValues(fields, { ...base, platforms: ['x', 'reddit'] }).errors).toEqual({ platforms: 'Choose at most 1' });
    expect(paramsFromValues(fields, { ...base, words: '1\n2\n3' }).errors).toEqual({ words: 'At most 2 lines' });
    expect(paramsFromValues(fields, { ...base, words: '1\nten' }).errors).toEqual({ words: 'Each line must be a integer' });
  });

  it('keeps an enum value of another type than string', () => {
    const fields = fieldsFromSchema({ type: 'object', properties: { level: { enum: [1, 2, 3] } } });
    expect(paramsFromValues(fields, { level: '2' }).params).toEqual({ level: 2 });
  });

  it('has no field for a schema without properties', () => {
    expect(fieldsFromSchema({ type: 'object', properties: {} })).toEqual([]);
  });
});
