// Shared Ajv set-up and error-path formatting for the validators in this package (not exported).
import Ajv, { type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { type JsonCost, walkJson } from './bounded-json';

export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    logger: false,
    ...options,
  });
  addFormats(ajv);
  return ajv;
}

/**
 * Documents of up to this many values get every problem listed (Ajv's allErrors); larger ones stop at
 * the first. On hostile input the list is itself the cost: an error object for every bad value.
 */
export const ALL_ERRORS_MAX_NODES = 20_000;

/** A schema's validator that lists every problem only where the list is cheap (see ALL_ERRORS_MAX_NODES). */
export class BoundedValidator {
  private first?: ValidateFunction;
  private all?: ValidateFunction;

  constructor(
    private readonly schema: object,
    private readonly options: Options = {},
  ) {}

  /** Undefined when `data` is valid; otherwise its errors: all of them, or the first for a document of more than ALL_ERRORS_MAX_NODES values. */
  errors(data: unknown, nodes: number): ErrorObject[] | undefined {
    this.first ??= createAjv({ ...this.options, allErrors: false }).compile(this.schema);
    if (this.first(data)) return undefined;
    if (nodes > ALL_ERRORS_MAX_NODES) return this.first.errors ?? [];
    this.all ??= createAjv(this.options).compile(this.schema);
    this.all(data);
    return this.all.errors ?? [];
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Splits an Ajv instancePath (a JSON Pointer) into its unescaped segments. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Turns path segments into a readable path such as `resources.memory`, `blocks[2].rows[5]` or
 * `scopes["social.posts"][0]`. Segments that index an array in `data` become `[n]`.
 */
export function formatPath(segments: readonly (string | number)[], data?: unknown): string {
  let out = '';
  let node: unknown = data;
  for (const segment of segments) {
    const key = String(segment);
    if (Array.isArray(node) || (node === undefined && typeof segment === 'number')) out += `[${key}]`;
    else if (IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

/** The path an Ajv error is about, pointing at the offending property for required/additionalProperties. */
export function errorSegments(error: ErrorObject): string[] {
  const segments = pointerSegments(error.instancePath);
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  if (error.keyword === 'discriminator') segments.push(String(error.params.tag));
  return segments;
}

/** A generic readable message for an Ajv error, used when no field-specific message applies. */
export function describeAjvError(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed (unknown field)';
    case 'type':
      return `must be ${article(String(error.params.type))}`;
    case 'enum':
      return `must be one of ${listValues(error.params.allowedValues as unknown[])}`;
    case 'const':
      return `must be ${JSON.stringify(error.params.allowedValue)}`;
    case 'minLength':
      return error.params.limit === 1 ? 'must not be empty' : `must be at least ${error.params.limit} characters`;
    case 'maxLength':
      return `must be at most ${error.params.limit} characters`;
    case 'minItems':
      return error.params.limit === 1 ? 'must not be empty' : `must have at least ${error.params.limit} items`;
    case 'maxItems':
      return `must have at most ${error.params.limit} items`;
    case 'minProperties':
      return `must have at least ${error.params.limit} entr${error.params.limit === 1 ? 'y' : 'ies'}`;
    case 'uniqueItems':
      return `must not repeat items (items ${error.params.j} and ${error.params.i} are the same)`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${error.params.comparison} ${error.params.limit}`;
    case 'format':
      return `must be a valid ${error.params.format}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** A schema's enum can hold a thousand values: a message names the first few. */
const LISTED_VALUES = 10;

function listValues(values: unknown[]): string {
  const listed = values.slice(0, LISTED_VALUES).map((value) => JSON.stringify(value));
  return values.length > LISTED_VALUES ? `${listed.join(', ')}, … (${values.length} values)` : listed.join(', ');
}

function article(type: string): string {
  const names = type.split(',');
  return names.map((name) => (/^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`)).join(' or ');
}

/**
 * Finds the first string or key containing a NUL character, in document order. The walk holds one
 * frame per open container and builds a path only for the string it reports, so it costs the size of
 * the value whatever its shape. Values deeper than `maxDepth` are not looked into: 'too-deep'. `meter`
 * receives what the walk did.
 */
export function findNul(value: unknown, maxDepth = 256, meter?: JsonCost): (string | number)[] | 'too-deep' | undefined {
  let found: (string | number)[] | 'too-deep' | undefined;
  const { cost } = walkJson(value, (node, key, at) => {
    if (typeof key === 'string' && key.includes('\u0000')) found = at.path();
    else if (typeof node === 'string' && node.includes('\u0000')) found = at.path();
    else if (node !== null && typeof node === 'object' && at.depth >= maxDepth) found = 'too-deep';
    return found === undefined;
  });
  if (meter) Object.assign(meter, cost);
  return found;
}
