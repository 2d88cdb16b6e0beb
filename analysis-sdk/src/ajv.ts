// Shared Ajv set-up and error-path formatting for the validators in this package (not exported).
import Ajv, { type ErrorObject, type Options } from 'ajv';
import addFormats from 'ajv-formats';

export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictNumbers: true, strictTypes: false, strictTuples: false, strictRequired: false, logger: false, ...options });
  addFormats(ajv);
  return ajv;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Splits an Ajv instancePath (a JSON Pointer) into its unescaped segments. */
export function pointerSegments(pointer: string): string[] {
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
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
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

function article(type: string): string {
  const names = type.split(',');
  return names.map((name) => (/^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`)).join(' or ');
}

/** Finds the first string containing a NUL character, iteratively so deep nesting cannot overflow the stack. */
export function findNul(value: unknown, maxDepth = 256): (string | number)[] | 'too-deep' | undefined {
  const stack: { node: unknown; path: (string | number)[] }[] = [{ node: value, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (path.length > maxDepth) return 'too-deep';
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return path;
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], path: [...path, i] });
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        if (key.includes('\u0000')) return [...path, key];
        stack.push({ node: child, path: [...path, key] });
      }
    }
  }
  return undefined;
}
