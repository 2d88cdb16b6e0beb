// The analysis manifest (`lockbox.json`): schema, validation and resource parsing.
import type { ErrorObject } from 'ajv';
import { BoundedValidator, describeAjvError, errorSegments, findNul, formatPath } from './ajv';
import { type JsonCaps, measureJson, parseJson } from './bounded-json';
import { DEFAULT_PLATFORM_LIMITS, type PlatformLimits } from './limits';
import { type Grain, parseScopeField, ScopeFieldError, scopeFieldsProblem } from './grain';
import { paramsSchemaProblems } from './params-schema';
import { RECORD_KIND_NAMES, RECORD_KINDS, recordFieldNames, type RecordFieldName, type RecordFieldSpec, type RecordKind } from './records';

export const ANALYSIS_CATEGORIES = ['social', 'writing', 'personality', 'health', 'finance', 'productivity', 'other'] as const;
export type AnalysisCategory = (typeof ANALYSIS_CATEGORIES)[number];

export const SANDBOX_RUNTIMES = ['runc', 'runsc'] as const;
export type SandboxRuntime = (typeof SANDBOX_RUNTIMES)[number];

/** A scope field: a field of the kind, at full precision, or `field@grain` (grain.ts: `latitude@1km`). */
export type ScopeFieldName<K extends RecordKind = RecordKind> = RecordFieldName<K> | `${RecordFieldName<K>}@${Grain}`;

/** Consent scopes: for each record kind, the fields an analysis may read, each at full precision or at a grain. */
export type ConsentScopes = { [K in RecordKind]?: ScopeFieldName<K>[] };

/** A JSON Schema (draft-07) describing an analysis' parameters; always `type: "object"`. */
export interface ParamsSchema {
  type: 'object';
  [keyword: string]: unknown;
}

export interface ManifestResources {
  /** e.g. "256m"; units k, m, g (powers of 1024). */
  memory: string;
  /** CPUs, e.g. 0.5. */
  cpu: number;
  /** Wall-clock limit in seconds. */
  timeout: number;
  /** Cap on everything written to /output, e.g. "16m". */
  output: string;
}

export interface Manifest {
  name: string;
  version: string;
  title: string;
  description: string;
  category: AnalysisCategory;
  price: number;
  entrypoint: string[];
  scopes: ConsentScopes;
  params: ParamsSchema;
  resources: ManifestResources;
  runtime?: SandboxRuntime;
}

/** Manifest resources in numbers, ready for the container policy. */
export interface RunResources {
  memoryBytes: number;
  cpu: number;
  timeoutSeconds: number;
  outputBytes: number;
}

export interface FieldError {
  /** A path such as `resources.memory`, `entrypoint[0]` or `scopes["social.posts"][1]`; '' for the whole document. */
  field: string;
  /** A sentence that names the field, e.g. "resources.memory must be between 128m and 2g (got 4g)". */
  message: string;
}

export type ManifestValidation = { ok: true; manifest: Manifest } | { ok: false; errors: FieldError[] };

export const NAME_PATTERN = '^[a-z][a-z0-9-]*[a-z0-9]$';
// semver.org's regular expression, without build metadata (see validateManifest).
export const VERSION_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$';
export const BYTE_SIZE_PATTERN = '^[1-9][0-9]{0,12}[kmg]$';
/** The largest manifest accepted, as JSON text. A real one is a few KiB; its params schema at most 64 KiB. */
export const MANIFEST_MAX_BYTES = 256 * 1024;
/**
 * Caps on a manifest's JSON, checked before anything else reads it. A real manifest nests at most 6
 * levels (params.properties.x.items.enum[0]) and holds a few hundred values.
 */
export const MANIFEST_JSON_CAPS: JsonCaps = Object.freeze({ maxBytes: MANIFEST_MAX_BYTES, maxDepth: 16, maxNodes: 20_000, maxStringLength: 16 * 1024 });
/** At most this many problems of a manifest are listed; a final entry counts the rest. */
export const MAX_REPORTED_MANIFEST_ERRORS = 50;

const nonBlank = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '\\S' });

/** The scope fields a kind accepts: each field, and `field@grain` for each grain it takes. */
function scopeFieldNames(kind: RecordKind): string[] {
  const specs = RECORD_KINDS[kind].fields as Readonly<Record<string, RecordFieldSpec>>;
  return Object.entries(specs).flatMap(([field, spec]) => [field, ...(spec.grains ?? []).map((grain) => `${field}@${grain}`)]);
}

function scopesSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const kind of RECORD_KIND_NAMES) {
    properties[kind] = {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', enum: scopeFieldNames(kind) },
      description: RECORD_KINDS[kind].description,
    };
  }
  return { type: 'object', minProperties: 1, additionalProperties: false, properties };
}

/** JSON Schema (draft-07) of `lockbox.json`. Ranges that depend on platform limits are checked in code. */
export const MANIFEST_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Lockbox analysis manifest (lockbox.json)',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'version', 'title', 'description', 'category', 'price', 'entrypoint', 'scopes', 'params', 'resources'],
  properties: {
    name: { type: 'string', minLength: 3, maxLength: 64, pattern: NAME_PATTERN, description: 'The slug of the analysis' },
    version: { type: 'string', maxLength: 64, pattern: VERSION_PATTERN, description: 'Semantic version, e.g. 1.0.0' },
    title: nonBlank(100),
    description: nonBlank(2000),
    category: { type: 'string', enum: [...ANALYSIS_CATEGORIES] },
    price: { type: 'number', minimum: 0, description: 'Only 0 is accepted for now' },
    entrypoint: {
      type: 'array',
      minItems: 1,
      maxItems: 32,
      items: { type: 'string', minLength: 1, maxLength: 4096 },
      description: "Replaces the image's ENTRYPOINT and CMD",
    },
    scopes: scopesSchema(),
    params: {
      type: 'object',
      required: ['type'],
      properties: { type: { const: 'object' } },
      description: 'A JSON Schema (draft-07) for the run parameters',
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      required: ['memory', 'cpu', 'timeout', 'output'],
      properties: {
        memory: { type: 'string', pattern: BYTE_SIZE_PATTERN, description: 'e.g. "256m"; 128m to 2g by default' },
        cpu: { type: 'number', description: 'CPUs; 0.25 to 2 by default' },
        timeout: { type: 'integer', description: 'Seconds; 1 to 900 by default' },
        output: { type: 'string', pattern: BYTE_SIZE_PATTERN, description: 'e.g. "16m"; at most 64m by default' },
      },
    },
    runtime: { type: 'string', enum: [...SANDBOX_RUNTIMES], description: 'runsc asks for the gVisor sandbox' },
  },
} as const;

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses a size such as "256m" into bytes (k, m, g are powers of 1024; no unit means bytes). Throws RangeError. */
export function parseByteSize(size: string): number {
  const match = /^([0-9]+)([kmg]?)$/.exec(typeof size === 'string' ? size : '');
  if (!match) throw new RangeError(`Invalid size ${JSON.stringify(size)}: expected a whole number with unit k, m or g, e.g. "256m"`);
  const bytes = Number(match[1]) * UNITS[match[2]!]!;
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`Size ${JSON.stringify(size)} is too large`);
  return bytes;
}

/** Formats bytes in the manifest's notation, using the largest unit that divides evenly ("2g", "1536m"). */
export function formatByteSize(bytes: number): string {
  for (const unit of ['g', 'm', 'k'] as const) {
    if (bytes >= UNITS[unit]! && bytes % UNITS[unit]! === 0) return `${bytes / UNITS[unit]!}${unit}`;
  }
  return String(bytes);
}

export function parseResources(resources: ManifestResources): RunResources {
  return {
    memoryBytes: parseByteSize(resources.memory),
    cpu: resources.cpu,
    timeoutSeconds: resources.timeout,
    outputBytes: parseByteSize(resources.output),
  };
}

const manifestValidator = new BoundedValidator(MANIFEST_SCHEMA);

function fieldMessage(error: ErrorObject, segments: string[], value?: unknown): string {
  const [top, second] = segments;
  if (top === 'name' && ['pattern', 'minLength', 'maxLength'].includes(error.keyword)) {
    return 'must be 3 to 64 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen';
  }
  if (top === 'version' && ['pattern', 'maxLength'].includes(error.keyword)) {
    return 'must be a semantic version such as 1.0.0 or 1.1.0-beta.1 (build metadata "+…" is not accepted)';
  }
  if ((top === 'title' || top === 'description') && ['pattern', 'minLength'].includes(error.keyword)) return 'must not be blank';
  if (top === 'resources' && (second === 'memory' || second === 'output') && error.keyword === 'pattern') {
    return 'must be a size such as "256m": a whole number with unit k, m or g';
  }
  if (top === 'scopes' && segments.length === 2 && error.keyword === 'additionalProperties') {
    return `is not a known record kind (known kinds: ${RECORD_KIND_NAMES.join(', ')})`;
  }
  if (top === 'scopes' && segments.length === 3 && error.keyword === 'enum' && second !== undefined) {
    return scopeFieldMessage(second as RecordKind, value);
  }
  if (top === 'scopes' && segments.length === 1 && error.keyword === 'minProperties') {
    return 'must name at least one record kind';
  }
  if (top === 'params' && segments.length === 2 && second === 'type') return 'must be "object": params is a JSON Schema for an object';
  return describeAjvError(error);
}

/** The value at a path of the document, or undefined. */
function valueAt(input: unknown, segments: readonly string[]): unknown {
  let value = input;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Why a scope field is refused: not a field of the kind, or a grain outside the vocabulary or that does not fit it. */
function scopeFieldMessage(kind: RecordKind, value: unknown): string {
  const fields = `its fields: ${recordFieldNames(kind).join(', ')}`;
  if (typeof value !== 'string' || !value.includes('@')) return `is not a field of ${kind} (${fields})`;
  try {
    parseScopeField(value, kind);
  } catch (error) {
    if (error instanceof ScopeFieldError) return `is not accepted: ${error.message}`;
    throw error;
  }
  return `is not a field of ${kind} (${fields})`;
}

function fieldError(field: string, message: string): FieldError {
  return { field, message: field === '' ? `manifest ${message}` : `${field} ${message}` };
}

/**
 * Parses and validates the text of `lockbox.json`. The text is held to MANIFEST_JSON_CAPS before it
 * is parsed; `syntax` says the problem is the JSON itself.
 */
export function parseManifest(text: string, limits: PlatformLimits = DEFAULT_PLATFORM_LIMITS): ManifestValidation & { syntax?: boolean } {
  const parsed = parseJson(text, MANIFEST_JSON_CAPS);
  if (!parsed.ok) return { ok: false, errors: [fieldError('', parsed.message)], syntax: parsed.problem === 'syntax' };
  return validateManifest(parsed.value, limits);
}

/**
 * Validates a manifest (already parsed from JSON) against the schema and the platform limits.
 * Every problem is reported (up to MAX_REPORTED_MANIFEST_ERRORS), each naming its field. The value is
 * held to MANIFEST_JSON_CAPS first: nothing else walks a manifest outside them.
 */
export function validateManifest(input: unknown, limits: PlatformLimits = DEFAULT_PLATFORM_LIMITS): ManifestValidation {
  const bounded = measureJson(input, MANIFEST_JSON_CAPS);
  if (!bounded.ok) {
    const where = bounded.path.length > 0 ? ` (at ${formatPath(bounded.path, input)})` : '';
    return { ok: false, errors: [fieldError('', `${bounded.message}${where}`)] };
  }
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  const add = (error: FieldError) => {
    const key = `${error.field}\u0000${error.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (errors.length < MAX_REPORTED_MANIFEST_ERRORS) errors.push(error);
    else dropped++;
  };

  for (const error of manifestValidator.errors(input, bounded.cost.nodes) ?? []) {
    const segments = errorSegments(error);
    add(fieldError(formatPath(segments, input), fieldMessage(error, segments, valueAt(input, segments))));
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors };
  const badFields = new Set(errors.map((error) => error.field.split(/[.[]/)[0]));
  const manifest = input as Record<string, unknown>;
  const resources = (manifest.resources ?? {}) as Record<string, unknown>;

  const nul = findNul(input);
  if (nul === 'too-deep') add(fieldError('', 'is nested too deeply'));
  else if (nul) add(fieldError(formatPath(nul, input), 'must not contain NUL characters'));

  if (typeof manifest.price === 'number' && manifest.price > 0) {
    add(fieldError('price', 'must be 0: paid analyses are not available yet'));
  }
  if (typeof manifest.version === 'string' && !badFields.has('version')) {
    const core = manifest.version.split(/[-+]/)[0]!.split('.');
    if (core.some((part) => !Number.isSafeInteger(Number(part)))) add(fieldError('version', 'has a number that is too large'));
  }
  checkRange(add, 'resources.memory', resources.memory, limits.runMemoryMinBytes, limits.runMemoryMaxBytes, true);
  checkRange(add, 'resources.output', resources.output, 1, limits.runOutputMaxBytes, true);
  checkRange(add, 'resources.cpu', resources.cpu, limits.runCpuMin, limits.runCpuMax, false);
  checkRange(add, 'resources.timeout', resources.timeout, limits.runTimeoutMinSeconds, limits.runTimeoutMaxSeconds, false, ' seconds');

  if (!badFields.has('scopes') && manifest.scopes !== null && typeof manifest.scopes === 'object') {
    // One field at one grain: `latitude` and `latitude@1km` together would give the coordinate whole.
    for (const [kind, fields] of Object.entries(manifest.scopes as Record<string, string[]>)) {
      const problem = scopeFieldsProblem(kind as RecordKind, fields);
      if (problem !== undefined) add(fieldError(`scopes[${JSON.stringify(kind)}]`, problem));
    }
  }
  if (!badFields.has('params') && manifest.params !== null && typeof manifest.params === 'object') {
    for (const problem of paramsSchemaProblems(manifest.params)) add(problem);
  }

  if (dropped > 0) errors.push({ field: '', message: `…and ${dropped} more problem${dropped === 1 ? '' : 's'}` });
  return errors.length === 0 ? { ok: true, manifest: input as Manifest } : { ok: false, errors };
}

function checkRange(add: (error: FieldError) => void, field: string, value: unknown, min: number, max: number, isSize: boolean, unit = ''): void {
  let amount: number;
  if (isSize) {
    if (typeof value !== 'string' || !new RegExp(BYTE_SIZE_PATTERN).test(value)) return;
    try {
      amount = parseByteSize(value);
    } catch {
      add(fieldError(field, 'is too large'));
      return;
    }
  } else {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    amount = value;
  }
  const show = (n: number) => (isSize ? formatByteSize(n) : String(n));
  if (amount < min || amount > max) {
    const range = isSize && min <= 1 ? `at most ${show(max)}` : `between ${show(min)} and ${show(max)}${unit}`;
    add(fieldError(field, `must be ${range} (got ${isSize ? String(value) : show(amount)})`));
  }
}

/** True when two consent-scope sets grant exactly the same fields of the same kinds (order does not matter). */
export function scopesEqual(
  a: { readonly [kind: string]: readonly string[] | undefined },
  b: { readonly [kind: string]: readonly string[] | undefined },
): boolean {
  const kindsOf = (scopes: typeof a) => Object.keys(scopes).filter((kind) => scopes[kind] !== undefined);
  const kindsA = kindsOf(a);
  if (kindsA.length !== kindsOf(b).length) return false;
  return kindsA.every((kind) => {
    const fieldsA = new Set(a[kind]);
    const fieldsB = Object.prototype.hasOwnProperty.call(b, kind) ? b[kind] : undefined;
    if (!fieldsB) return false;
    const setB = new Set(fieldsB);
    return setB.size === fieldsA.size && [...fieldsA].every((field) => setB.has(field));
  });
}
