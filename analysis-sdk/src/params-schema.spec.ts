import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scaffoldFiles } from './cli/scaffold';
import type { ParamsSchema } from './manifest';
import {
  MAX_PARAMS,
  MAX_PARAMS_CHECK_COST,
  MAX_PARAMS_CHOICES,
  MAX_REPORTED_PARAMS_ERRORS,
  paramsDefaults,
  paramsDialectProblems,
  paramsSchemaProblems,
  UnsupportedParamsSchemaError,
  validateParams,
} from './params-schema';

const schemaOf = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}): ParamsSchema => ({ type: 'object', properties, ...extra });
const fieldsOf = (schema: unknown) => paramsSchemaProblems(schema as object).map((problem) => problem.field);
const messagesOf = (schema: unknown) => paramsSchemaProblems(schema as object).map((problem) => problem.message);

/**
 * `$ref` chains of anyOf, `levels` deep: a value that fails the leaf makes every level try both
 * branches, 2^levels evaluations; the default passes the first branch of each level at once. Five
 * KB of it froze the API on the first POST /runs that sent a real value.
 */
function exponentialSchema(levels: number): ParamsSchema {
  const definitions: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) definitions[`d${i}`] = { anyOf: [{ $ref: `#/definitions/d${i + 1}` }, { $ref: `#/definitions/d${i + 1}` }] };
  definitions[`d${levels}`] = { type: 'string', maxLength: 1 };
  return { type: 'object', definitions, properties: { x: { $ref: '#/definitions/d0', default: 'a' } } };
}

describe('the params schema dialect', () => {
  it('accepts what a form needs: scalars with bounds, enums, bounded arrays of scalars, defaults, descriptions', () => {
    const schema = schemaOf(
      {
        name: { type: 'string', minLength: 1, maxLength: 40, pattern: '^[a-z]+$', default: 'abc', title: 'Name', description: 'Lowercase' },
        since: { type: 'string', format: 'date', default: '2026-01-01' },
        top: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
        ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, multipleOf: 0.01, default: 0.5 },
        verbose: { type: 'boolean', default: false },
        unit: { enum: ['hour', 'day', null], default: 'day' },
        mode: { type: 'string', const: 'fast', $comment: 'one mode for now' },
        tags: { type: 'array', items: { type: 'string', maxLength: 20 }, minItems: 0, maxItems: 10, uniqueItems: true, default: ['a'] },
      },
      { $schema: 'http://json-schema.org/draft-07/schema#', title: 'Options', description: 'How to count', additionalProperties: false, required: ['top'] },
    );
    expect(paramsSchemaProblems(schema)).toEqual([]);
  });

  it('accepts the params of every sample analysis, the scaffold and an empty form', () => {
    const root = join(__dirname, '..', '..', 'sample-analyses');
    for (const sample of ['social-engagement', 'writing-patterns', 'personality-traits']) {
      const manifest = JSON.parse(readFileSync(join(root, sample, 'lockbox.json'), 'utf8')) as { params: object };
      expect([sample, paramsSchemaProblems(manifest.params)]).toEqual([sample, []]);
    }
    const scaffold = JSON.parse(scaffoldFiles({ name: 'busiest-hours', sdkVersion: '0.1.0' })['lockbox.json']!) as { params: object };
    expect(paramsSchemaProblems(scaffold.params)).toEqual([]);
    expect(paramsSchemaProblems({ type: 'object', properties: {} })).toEqual([]);
    expect(paramsSchemaProblems({ type: 'object' })).toEqual([]);
  });

  it('refuses the exponential $ref chain at submission, naming $ref and definitions, without evaluating it', () => {
    const schema = exponentialSchema(64);
    expect(JSON.stringify(schema).length).toBeGreaterThan(4 * 1024);
    expect(fieldsOf(schema)).toEqual(['params.definitions', 'params.properties.x.$ref']);
    expect(messagesOf(schema)[0]).toMatch(
      /^params\.definitions is not supported in a params schema: references can chain into schemas that take exponential time/,
    );
    // A version published before the dialect is never compiled: a run is refused before the value is looked at.
    expect(() => validateParams(schema, { x: 'aa' })).toThrow(UnsupportedParamsSchemaError);
  });

  it.each([
    ['$ref', { x: { $ref: '#/definitions/y' } }, 'params.properties.x.$ref', /references can chain/],
    ['allOf', { x: { allOf: [{ type: 'string' }] } }, 'params.properties.x.allOf', /combinators can take exponential time/],
    ['anyOf', { x: { anyOf: [{ type: 'string' }, { type: 'number' }] } }, 'params.properties.x.anyOf', /combinators/],
    ['oneOf', { x: { oneOf: [{ type: 'string' }] } }, 'params.properties.x.oneOf', /combinators/],
    ['not', { x: { type: 'string', not: { const: 'a' } } }, 'params.properties.x.not', /combinators/],
    ['if', { x: { type: 'string', if: { const: 'a' } } }, 'params.properties.x.if', /combinators/],
    ['nested objects', { x: { type: 'object', properties: {} } }, 'params.properties.x.type', /must be one of string, number, integer, boolean, array/],
    [
      'arrays of arrays',
      { x: { type: 'array', maxItems: 2, items: { type: 'array' } } },
      'params.properties.x.items.type',
      /items of an array parameter are scalars/,
    ],
    ['an unbounded array', { x: { type: 'array', items: { type: 'string' } } }, 'params.properties.x', /must have "maxItems"/],
    [
      'an array past the bound',
      { x: { type: 'array', items: { type: 'string' }, maxItems: MAX_PARAMS_CHOICES + 1 } },
      'params.properties.x.maxItems',
      /must be at most 1000/,
    ],
    ['a type list', { x: { type: ['string', 'null'] } }, 'params.properties.x.type', /must be one of/],
    ['no type', { x: { description: 'anything' } }, 'params.properties.x', /must have a "type"/],
    ['a keyword of another type', { x: { type: 'string', minimum: 1 } }, 'params.properties.x.minimum', /applies to number and integer parameters only/],
    ['an enum of objects', { x: { enum: [{ a: 1 }] } }, 'params.properties.x.enum', /strings, numbers, booleans or null/],
    ['a boolean schema', { x: true }, 'params.properties.x', /must be a schema object/],
    ['a name from Object.prototype', { constructor: { type: 'string' } }, 'params.properties.constructor', /not a valid parameter name/],
  ])('refuses %s, naming the keyword', (_case, properties, field, message) => {
    const problems = paramsSchemaProblems(schemaOf(properties));
    expect(problems.map((problem) => problem.field)).toContain(field);
    expect(problems.find((problem) => problem.field === field)!.message).toMatch(message);
  });

  it.each(['patternProperties', 'propertyNames', 'dependencies', 'definitions', '$defs', '$id', '$async', 'if', 'minProperties', 'format'])(
    'refuses %s at the top, naming it and what may be used',
    (keyword) => {
      const problems = paramsSchemaProblems({ type: 'object', properties: {}, [keyword]: {} });
      expect(problems[0]).toEqual({ field: `params.${keyword}`, message: expect.stringContaining(`params.${keyword} is not supported in a params schema`) });
    },
  );

  it('bounds the number of parameters and enum values, on both sides', () => {
    const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`p${i}`, { type: 'boolean' }]));
    expect(paramsSchemaProblems(schemaOf(many(MAX_PARAMS)))).toEqual([]);
    expect(fieldsOf(schemaOf(many(MAX_PARAMS + 1)))).toEqual(['params.properties']);
    const choices = (count: number) => ({ x: { enum: Array.from({ length: count }, (_, i) => i) } });
    expect(paramsSchemaProblems(schemaOf(choices(MAX_PARAMS_CHOICES)))).toEqual([]);
    expect(fieldsOf(schemaOf(choices(MAX_PARAMS_CHOICES + 1)))).toEqual(['params.properties.x.enum']);
  });

  it('bounds what checking the largest params may cost, on both sides: items times enum values, pairs for untyped unique items', () => {
    const choices = (count: number) => Array.from({ length: count }, (_, i) => `c${i}`);
    const multiSelect = (maxItems: number, values: number) => ({ type: 'array', items: { type: 'string', enum: choices(values) }, maxItems });
    expect(paramsSchemaProblems(schemaOf({ a: multiSelect(100, 1000) }))).toEqual([]);
    expect(MAX_PARAMS_CHECK_COST).toBe(100 * 1000);
    expect(messagesOf(schemaOf({ a: multiSelect(100, 1000), b: { type: 'boolean' } }))).toEqual([
      'params.properties would take 100001 comparisons to check (at most 100000): each parameter costs its maxItems times the values of its enum; shorten an enum or lower a maxItems',
    ]);
    // Unique items without a scalar type are compared pairwise: 2 × 315 + 315² = 99,855; 2 × 316 + 316² = 100,488.
    const unique = (maxItems: number) => ({ type: 'array', items: { enum: ['a', 'b'] }, maxItems, uniqueItems: true });
    expect(paramsSchemaProblems(schemaOf({ a: unique(315) }))).toEqual([]);
    expect(fieldsOf(schemaOf({ a: unique(316) }))).toEqual(['params.properties']);
    expect(paramsSchemaProblems(schemaOf({ a: { ...unique(1000), items: { type: 'string', enum: ['a', 'b'] } } }))).toEqual([]);
  });

  it('only reads the keywords it knows: its cost is the size of the schema', () => {
    // A huge default is data: the dialect never walks into it (Ajv checks it once, against its parameter).
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(paramsDialectProblems(schemaOf({ x: { type: 'string', default: deep } }))).toEqual([]);
  });

  it('refuses $schema other than draft-07', () => {
    expect(fieldsOf({ type: 'object', $schema: 'https://json-schema.org/draft/2020-12/schema' })).toEqual(['params.$schema']);
    expect(paramsSchemaProblems({ type: 'object', $schema: 'http://json-schema.org/draft-07/schema' })).toEqual([]);
  });
});

describe('defaults at submission', () => {
  it('each default must pass its own parameter', () => {
    const schema = schemaOf({
      top: { type: 'integer', minimum: 1, default: 0 },
      unit: { enum: ['h', 'd'], default: 'w' },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 2, default: ['a', 1] },
    });
    expect(paramsSchemaProblems(schema)).toEqual([
      { field: 'params.properties.top.default', message: 'params.properties.top.default must be >= 1' },
      { field: 'params.properties.unit.default', message: 'params.properties.unit.default must be one of "h", "d"' },
      { field: 'params.properties.tags.default[1]', message: 'params.properties.tags.default[1] must be a string' },
    ]);
  });

  it('a required parameter needs a default, since the checks run the analysis with the defaults', () => {
    expect(messagesOf(schemaOf({ top: { type: 'integer' } }, { required: ['top'] }))).toEqual([
      'params.required[0] names "top", which has no default: the submission checks run the analysis with the defaults, so a required parameter needs one',
    ]);
    expect(paramsSchemaProblems(schemaOf({ top: { type: 'integer', default: 1 } }, { required: ['top'] }))).toEqual([]);
    expect(fieldsOf(schemaOf({ top: { type: 'integer', default: 1 } }, { required: ['tpo'] }))).toEqual(['params.required[0]']);
  });

  it('paramsDefaults lists each declared default, and nothing else', () => {
    expect(paramsDefaults(schemaOf({ a: { type: 'integer', default: 0 }, b: { type: 'string' }, c: { type: 'boolean', default: false } }))).toEqual({
      a: 0,
      c: false,
    });
  });
});

describe('validateParams holds the params a user sends to caps first', () => {
  const schema = schemaOf({ words: { type: 'array', items: { type: 'string', enum: Array.from({ length: 500 }, (_, i) => `w${i}`) }, maxItems: 200 } });

  it('refuses params nested too deeply or too large before the schema sees them, on both sides of each cap', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 8; i++) deep = [deep];
    expect(validateParams(schemaOf({}), { a: deep })).toMatchObject({
      ok: false,
      errors: [{ field: 'params', message: expect.stringMatching(/^params is nested more than 8 levels deep \(at params\.a(\[0\]){7}\)$/) }],
    });
    deep = 1;
    for (let i = 0; i < 7; i++) deep = [deep];
    expect(validateParams(schemaOf({}), { a: deep }).ok).toBe(true);
    expect(validateParams(schemaOf({}), { a: 'x'.repeat(64 * 1024 - 10) }).ok).toBe(true);
    expect(validateParams(schemaOf({}), { a: 'x'.repeat(64 * 1024) })).toMatchObject({
      ok: false,
      errors: [{ message: 'params is larger than 64 KiB (at params.a)' }],
    });
  });

  it('describes at most a bounded number of problems, counting the rest', () => {
    const result = validateParams(schema, { words: Array.from({ length: 200 }, () => 'nope') });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(MAX_REPORTED_PARAMS_ERRORS + 1);
    expect(result.errors[0]!.message).toBe('params.words[0] must be one of "w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9", … (500 values)');
    expect(result.errors[MAX_REPORTED_PARAMS_ERRORS]!.message).toBe('…and 180 more problems with params');
  });
});
