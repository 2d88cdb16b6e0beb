import { findNul } from './ajv';
import type { JsonCost } from './bounded-json';
import { DEFAULT_PLATFORM_LIMITS, definePlatformLimits } from './limits';
import {
  MANIFEST_JSON_CAPS,
  MANIFEST_MAX_BYTES,
  MANIFEST_SCHEMA,
  MAX_REPORTED_MANIFEST_ERRORS,
  parseManifest,
  formatByteSize,
  parseByteSize,
  parseResources,
  scopesEqual,
  validateManifest,
  type FieldError,
  type Manifest,
} from './manifest';
import { validateParams } from './params-schema';

// The example from ARCHITECTURE §4.
const example = (): Manifest => ({
  name: 'social-engagement',
  version: '1.0.0',
  title: 'Social engagement',
  description: 'When and how you engage',
  category: 'social',
  price: 0,
  entrypoint: ['node', '/app/main.js'],
  scopes: { 'social.posts': ['timestamp', 'type', 'likes', 'comments', 'shares'] },
  params: { type: 'object', properties: {} },
  resources: { memory: '256m', cpu: 0.5, timeout: 60, output: '16m' },
});

function errorsOf(input: unknown): FieldError[] {
  const result = validateManifest(input);
  if (result.ok) throw new Error('expected the manifest to be rejected');
  return result.errors;
}

function fieldsOf(input: unknown): string[] {
  return errorsOf(input).map((error) => error.field);
}

function withResources(resources: Partial<Manifest['resources']>): Manifest {
  const manifest = example();
  return { ...manifest, resources: { ...manifest.resources, ...resources } };
}

describe('validateManifest', () => {
  it('accepts the ARCHITECTURE example and returns it typed', () => {
    const result = validateManifest(example());
    expect(result).toEqual({ ok: true, manifest: example() });
  });

  it('accepts an optional runtime of runc or runsc and rejects anything else', () => {
    expect(validateManifest({ ...example(), runtime: 'runsc' }).ok).toBe(true);
    expect(validateManifest({ ...example(), runtime: 'runc' }).ok).toBe(true);
    expect(fieldsOf({ ...example(), runtime: 'kata' })).toEqual(['runtime']);
  });

  it('rejects a value that is not an object', () => {
    expect(errorsOf('nope')[0]).toEqual({ field: '', message: 'manifest must be an object' });
    expect(errorsOf(null)).toHaveLength(1);
  });

  it('names every missing required field', () => {
    expect(fieldsOf({}).sort()).toEqual(['category', 'description', 'entrypoint', 'name', 'params', 'price', 'resources', 'scopes', 'title', 'version'].sort());
    const { memory: _memory, ...resources } = example().resources;
    expect(errorsOf({ ...example(), resources })).toEqual([{ field: 'resources.memory', message: 'resources.memory is required' }]);
  });

  it('rejects unknown fields at every level', () => {
    expect(fieldsOf({ ...example(), homepage: 'x' })).toEqual(['homepage']);
    expect(fieldsOf(withResources({ gpu: 1 } as never))).toEqual(['resources.gpu']);
    expect(errorsOf({ ...example(), homepage: 'x' })[0]!.message).toBe('homepage is not allowed (unknown field)');
  });

  it.each([
    ['ab', false],
    ['abc', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['Social', false],
    ['1social', false],
    ['social-', false],
    ['social_x', false],
    ['social-2', true],
  ])('name %j valid: %s', (name, valid) => {
    const result = validateManifest({ ...example(), name });
    expect(result.ok).toBe(valid);
    if (!result.ok) expect(result.errors.map((error) => error.field)).toEqual(['name']);
  });

  it.each([
    ['1.0.0', true],
    ['0.1.0-beta.1', true],
    ['1.0', false],
    ['v1.0.0', false],
    ['01.0.0', false],
    ['1.0.0+build.5', false],
    ['1.0.0-', false],
  ])('version %j valid: %s', (version, valid) => {
    const result = validateManifest({ ...example(), version });
    expect(result.ok).toBe(valid);
    if (!result.ok) expect(result.errors[0]!.message).toMatch(/^version must be a semantic version/);
  });

  it('rejects version numbers beyond the safe integer range', () => {
    expect(fieldsOf({ ...example(), version: '99999999999999999.0.0' })).toEqual(['version']);
  });

  it('rejects blank title and description and unknown categories', () => {
    expect(fieldsOf({ ...example(), title: '   ' })).toEqual(['title']);
    expect(fieldsOf({ ...example(), description: '' })).toEqual(['description']);
    const errors = errorsOf({ ...example(), category: 'dating' });
    expect(errors.map((error) => error.field)).toEqual(['category']);
    expect(errors[0]!.message).toContain('"personality"');
  });

  it('accepts only price 0 for now', () => {
    const errors = errorsOf({ ...example(), price: 5 });
    expect(errors).toEqual([{ field: 'price', message: 'price must be 0: paid analyses are not available yet' }]);
    expect(fieldsOf({ ...example(), price: -1 })).toEqual(['price']);
    expect(fieldsOf({ ...example(), price: '0' })).toEqual(['price']);
  });

  it('requires a non-empty entrypoint of non-empty strings, at most 32', () => {
    expect(fieldsOf({ ...example(), entrypoint: [] })).toEqual(['entrypoint']);
    expect(fieldsOf({ ...example(), entrypoint: ['node', ''] })).toEqual(['entrypoint[1]']);
    expect(fieldsOf({ ...example(), entrypoint: 'node main.js' })).toEqual(['entrypoint']);
    expect(validateManifest({ ...example(), entrypoint: Array(32).fill('x') }).ok).toBe(true);
    expect(fieldsOf({ ...example(), entrypoint: Array(33).fill('x') })).toEqual(['entrypoint']);
  });

  it('rejects NUL characters anywhere', () => {
    expect(errorsOf({ ...example(), entrypoint: ['node', 'a\u0000b'] })).toContainEqual({
      field: 'entrypoint[1]',
      message: 'entrypoint[1] must not contain NUL characters',
    });
  });

  describe('hostile JSON', () => {
    /** At each level an array of `width` strings and one array nesting further: what blocked the API. */
    const wideNested = (depth: number, width: number): unknown => {
      let value: unknown[] = Array.from({ length: width }, () => 'x');
      for (let level = 1; level < depth; level++) value = [...Array.from({ length: width }, () => 'x'), value];
      return value;
    };

    it('refuses a 256 KB manifest of wide arrays nested 250 deep as one clear error, reading past the depth cap no further', () => {
      const text = JSON.stringify({ ...example(), homepage: wideNested(250, 270) }).slice(0, MANIFEST_MAX_BYTES);
      expect(text.length).toBe(MANIFEST_MAX_BYTES);
      const result = parseManifest(text);
      expect(result).toEqual({
        ok: false,
        syntax: false,
        errors: [{ field: '', message: expect.stringMatching(/^manifest is nested more than 16 levels deep \(at position \d+\)$/) }],
      });
    });

    it('holds every cap of the text on both sides', () => {
      // Trailing white space: the same manifest, as many bytes as asked.
      const padded = (bytes: number) => {
        const text = JSON.stringify(example());
        return text + ' '.repeat(bytes - text.length);
      };
      expect(padded(MANIFEST_MAX_BYTES)).toHaveLength(MANIFEST_MAX_BYTES);
      expect(parseManifest(padded(MANIFEST_MAX_BYTES)).ok).toBe(true);
      expect(parseManifest(padded(MANIFEST_MAX_BYTES + 1))).toMatchObject({
        ok: false,
        errors: [{ message: 'manifest is larger than 256 KiB (at position 0)' }],
      });
      expect(parseManifest('{"name": ')).toMatchObject({ ok: false, syntax: true, errors: [{ message: 'manifest is not valid JSON: it ends too early' }] });
    });

    it('holds a parsed manifest (as read back from the database) to the same caps, naming where it stopped', () => {
      let deep: unknown = 1;
      // The manifest, params, properties and x are 4 levels: 12 arrays reach the cap of 16.
      for (let i = 0; i < MANIFEST_JSON_CAPS.maxDepth - 4; i++) deep = [deep];
      const atCap = { ...example(), params: { type: 'object', properties: { x: { type: 'string', default: deep } } } };
      // Inside the caps, the default's own check speaks.
      expect(fieldsOf(atCap)).toEqual(['params.properties.x.default']);
      const overCap = { ...example(), params: { type: 'object', properties: { x: { type: 'string', default: [deep] } } } };
      expect(errorsOf(overCap)).toEqual([
        { field: '', message: expect.stringMatching(/^manifest is nested more than 16 levels deep \(at params\.properties\.x\.default(\[0\]){12}\)$/) },
      ]);
      const wide = { ...example(), homepage: Array.from({ length: MANIFEST_JSON_CAPS.maxNodes }, () => 0) };
      expect(errorsOf(wide)).toEqual([{ field: '', message: expect.stringMatching(/^manifest has more than 20000 values \(at homepage\[\d+\]\)$/) }]);
    });

    it('looks for NUL characters in one linear walk, holding one frame per level', () => {
      const meter: JsonCost = { nodes: 0, peakDepth: 0, pathWeight: 0, characters: 0 };
      const value = wideNested(250, 40);
      expect(findNul(value, 256, meter)).toBeUndefined();
      expect(meter).toMatchObject({ nodes: 250 * 41, peakDepth: 250 });
      const withNul = wideNested(3, 2) as unknown[];
      (withNul[2] as unknown[])[1] = 'a\u0000';
      expect(findNul(withNul)).toEqual([2, 1]);
    });

    it('lists at most a bounded number of problems, counting the rest', () => {
      const unknown = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`extra${i}`, i]));
      const errors = errorsOf({ ...example(), ...unknown });
      expect(errors).toHaveLength(MAX_REPORTED_MANIFEST_ERRORS + 1);
      expect(errors[MAX_REPORTED_MANIFEST_ERRORS]).toEqual({ field: '', message: '…and 150 more problems' });
    });
  });

  describe('scopes', () => {
    it('accepts field@grain from the vocabulary, and refuses a grain that does not fit, naming why', () => {
      const scopes = { 'location.points': ['timestamp@day', 'latitude@1km', 'longitude@1km'], 'social.messages': ['text@words', 'timestamp'] };
      expect(validateManifest({ ...example(), scopes }).ok).toBe(true);
      expect(errorsOf({ ...example(), scopes: { 'location.points': ['latitude@5km'] } })).toEqual([
        { field: 'scopes["location.points"][0]', message: expect.stringMatching(/^scopes\["location\.points"\]\[0\] is not accepted: "5km" is not a grain/) },
      ]);
      expect(errorsOf({ ...example(), scopes: { 'social.posts': ['likes@day'] } })[0]!.message).toMatch(
        /is not accepted: likes cannot be given at the grain day/,
      );
      expect(errorsOf({ ...example(), scopes: { 'location.points': ['latitude', 'latitude@1km'] } })).toEqual([
        {
          field: 'scopes["location.points"]',
          message: 'scopes["location.points"] latitude is asked for twice (latitude and latitude@1km): ask for it once, at one grain',
        },
      ]);
    });

    it('accepts several kinds', () => {
      const scopes = { 'social.posts': ['timestamp'], 'social.messages': ['direction', 'timestamp'] };
      expect(validateManifest({ ...example(), scopes }).ok).toBe(true);
    });

    it('needs at least one kind and at least one field per kind', () => {
      expect(errorsOf({ ...example(), scopes: {} })).toEqual([{ field: 'scopes', message: 'scopes must name at least one record kind' }]);
      expect(fieldsOf({ ...example(), scopes: { 'social.posts': [] } })).toEqual(['scopes["social.posts"]']);
    });

    it('rejects an unknown kind, naming it', () => {
      const errors = errorsOf({ ...example(), scopes: { 'social.posts': ['timestamp'], 'health.steps': ['count'] } });
      expect(errors).toHaveLength(1);
      expect(errors[0]!.field).toBe('scopes["health.steps"]');
      expect(errors[0]!.message).toMatch(/is not a known record kind \(known kinds: social\.posts/);
    });

    it("rejects a field that is not in the kind's canonical schema", () => {
      const errors = errorsOf({ ...example(), scopes: { 'social.posts': ['timestamp', 'email'] } });
      expect(errors).toHaveLength(1);
      expect(errors[0]!.field).toBe('scopes["social.posts"][1]');
      expect(errors[0]!.message).toMatch(/is not a field of social\.posts \(its fields: timestamp, platform, type/);
      // A field of another kind is not a field of this one.
      expect(fieldsOf({ ...example(), scopes: { 'social.posts': ['direction'] } })).toEqual(['scopes["social.posts"][0]']);
    });

    it('rejects repeated fields', () => {
      expect(fieldsOf({ ...example(), scopes: { 'social.posts': ['likes', 'likes'] } })).toEqual(['scopes["social.posts"]']);
    });
  });

  describe('params', () => {
    it('must be a JSON Schema of type object', () => {
      expect(fieldsOf({ ...example(), params: { type: 'string' } })).toEqual(['params.type']);
      expect(fieldsOf({ ...example(), params: {} })).toEqual(['params.type']);
      expect(fieldsOf({ ...example(), params: [] })).toEqual(['params']);
    });

    it('must be valid draft-07 once inside the dialect', () => {
      const params = { type: 'object', properties: { limit: { type: 'integer', minimum: 'one' }, name: { type: 'string', maxLength: -1 } } };
      expect(errorsOf({ ...example(), params })).toEqual([
        { field: 'params.properties.limit.minimum', message: 'params.properties.limit.minimum must be a number' },
        { field: 'params.properties.name.maxLength', message: 'params.properties.name.maxLength must be >= 0' },
      ]);
      expect(errorsOf({ ...example(), params: { type: 'object', properties: { day: { type: 'string', format: 'colour' } } } })[0]!.message).toMatch(
        /^params is not a valid JSON Schema/,
      );
    });

    it('accepts a schema with properties, defaults and formats', () => {
      const params = {
        type: 'object',
        additionalProperties: false,
        properties: { since: { type: 'string', format: 'date' }, top: { type: 'integer', minimum: 1, default: 10 } },
      };
      expect(validateManifest({ ...example(), params }).ok).toBe(true);
    });

    it('refuses patterns the linear-time engine cannot run (lookaround, backreferences), saying why', () => {
      const lookahead = { type: 'object', properties: { code: { type: 'string', pattern: '^(?=a)a+$' } } };
      expect(errorsOf({ ...example(), params: lookahead })).toEqual([
        { field: 'params', message: expect.stringMatching(/^params pattern "\^\(\?=a\)a\+\$" is not supported: .*linear-time engine/) },
      ]);
      const backreference = { type: 'object', properties: { code: { type: 'string', pattern: '^(x)\\1$' } } };
      expect(fieldsOf({ ...example(), params: backreference })).toEqual(['params']);
    });
  });
  describe('resources against the platform limits', () => {
    it.each([
      ['memory', '127m', false],
      ['memory', '128m', true],
      ['memory', '131072k', true],
      ['memory', '2g', true],
      ['memory', '2049m', false],
      ['memory', '256', false],
      ['memory', '256M', false],
      ['memory', '0m', false],
      ['cpu', 0.24, false],
      ['cpu', 0.25, true],
      ['cpu', 2, true],
      ['cpu', 2.01, false],
      ['timeout', 0, false],
      ['timeout', 1, true],
      ['timeout', 900, true],
      ['timeout', 901, false],
      ['timeout', 1.5, false],
      ['output', '64m', true],
      ['output', '65m', false],
      ['output', '1k', true],
    ])('%s %j valid: %s', (field, value, valid) => {
      const result = validateManifest(withResources({ [field]: value }));
      expect(result.ok).toBe(valid);
      if (!result.ok) expect(result.errors.map((error) => error.field)).toEqual([`resources.${field}`]);
    });

    it('explains the allowed range', () => {
      expect(errorsOf(withResources({ memory: '4g' }))[0]!.message).toBe('resources.memory must be between 128m and 2g (got 4g)');
      expect(errorsOf(withResources({ timeout: 1000 }))[0]!.message).toBe('resources.timeout must be between 1 and 900 seconds (got 1000)');
      expect(errorsOf(withResources({ output: '128m' }))[0]!.message).toBe('resources.output must be at most 64m (got 128m)');
    });

    it('uses the limits it is given', () => {
      const tight = definePlatformLimits({ runTimeoutMaxSeconds: 30 });
      expect(validateManifest(withResources({ timeout: 60 }), tight).ok).toBe(false);
      expect(validateManifest(withResources({ timeout: 30 }), tight).ok).toBe(true);
    });
  });

  it('reports every problem at once', () => {
    const fields = fieldsOf({ ...example(), name: 'X', price: 3, resources: { memory: '1g', cpu: 9, timeout: 60, output: '16m' } });
    expect(fields.sort()).toEqual(['name', 'price', 'resources.cpu']);
  });

  it('exports a JSON Schema with additionalProperties false on every object', () => {
    expect(MANIFEST_SCHEMA.additionalProperties).toBe(false);
    expect(MANIFEST_SCHEMA.properties.resources.additionalProperties).toBe(false);
    expect(MANIFEST_SCHEMA.properties.scopes.additionalProperties).toBe(false);
  });
});

describe('parseByteSize and formatByteSize', () => {
  it('parses k, m and g as powers of 1024', () => {
    expect(parseByteSize('256m')).toBe(256 * 1024 * 1024);
    expect(parseByteSize('2g')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('16k')).toBe(16 * 1024);
    expect(parseByteSize('100')).toBe(100);
  });

  it('rejects anything else', () => {
    for (const bad of ['', '1.5g', '-1m', '1t', '1 m', 'm', '1mb']) expect(() => parseByteSize(bad)).toThrow(RangeError);
    expect(() => parseByteSize('99999999999g')).toThrow(/too large/);
  });

  it('formats with the largest unit that divides evenly', () => {
    expect(formatByteSize(2 * 1024 ** 3)).toBe('2g');
    expect(formatByteSize(1536 * 1024 ** 2)).toBe('1536m');
    expect(formatByteSize(1000)).toBe('1000');
  });

  it('parses manifest resources into numbers', () => {
    expect(parseResources(example().resources)).toEqual({
      memoryBytes: 256 * 1024 ** 2,
      cpu: 0.5,
      timeoutSeconds: 60,
      outputBytes: 16 * 1024 ** 2,
    });
  });
});

describe('validateParams', () => {
  const schema = { type: 'object' as const, additionalProperties: false, required: ['top'], properties: { top: { type: 'integer', minimum: 1, default: 3 } } };

  it('accepts params that match the schema', () => {
    expect(validateParams(schema, { top: 5 })).toEqual({ ok: true, params: { top: 5 } });
  });

  it('names the offending parameter', () => {
    const result = validateParams(schema, { top: 0, extra: true });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toEqual(
        expect.arrayContaining([
          { field: 'params.top', message: 'params.top must be >= 1' },
          { field: 'params.extra', message: 'params.extra is not allowed (unknown field)' },
        ]),
      );
    }
    const missing = validateParams(schema, {});
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.errors).toEqual([{ field: 'params.top', message: 'params.top is required' }]);
  });
});

describe("validateParams with a developer's patterns", () => {
  it('matches them as JSON Schema says: unanchored unless anchored, unicode-aware', () => {
    const schema = {
      type: 'object' as const,
      properties: { slug: { type: 'string', pattern: '^[a-z]{2,8}$' }, word: { type: 'string', pattern: '\\p{L}+' }, any: { type: 'string', pattern: 'b' } },
    };
    expect(validateParams(schema, { slug: 'abc', word: '1 héllo 2', any: 'abc' }).ok).toBe(true);
    expect(validateParams(schema, { slug: 'ABC' }).ok).toBe(false);
    expect(validateParams(schema, { word: '123' }).ok).toBe(false);
    expect(validateParams(schema, { any: 'xyz' }).ok).toBe(false);
  });

  it('runs a catastrophic-backtracking pattern in linear time: a hostile manifest cannot stall the API', () => {
    // A backtracking engine takes about 2^n steps on this input; n = 40 would never finish.
    const schema = { type: 'object' as const, properties: { text: { type: 'string', pattern: '^(a+)+$' } } };
    expect(validateManifest({ ...example(), params: schema }).ok).toBe(true);
    expect(validateParams(schema, { text: `${'a'.repeat(40)}!` }).ok).toBe(false);
    expect(validateParams(schema, { text: 'a'.repeat(60_000) }).ok).toBe(true);
  });
});

describe('scopesEqual', () => {
  it('ignores order but not content', () => {
    expect(scopesEqual({ 'social.posts': ['likes', 'timestamp'] }, { 'social.posts': ['timestamp', 'likes'] })).toBe(true);
    expect(scopesEqual({ 'social.posts': ['likes', 'timestamp'] }, { 'social.posts': ['timestamp'] })).toBe(false);
    expect(scopesEqual({ 'social.posts': ['likes'] }, { 'social.posts': ['likes'], 'social.messages': ['text'] })).toBe(false);
    expect(scopesEqual({ 'social.posts': ['likes'] }, { 'social.comments': ['likes'] })).toBe(false);
  });
});

it('uses the default platform limits when none are given', () => {
  expect(DEFAULT_PLATFORM_LIMITS.runMemoryMaxBytes).toBe(parseByteSize('2g'));
  expect(validateManifest(withResources({ memory: '2g' })).ok).toBe(true);
});
