// The params schema of a manifest: the form a user fills in to run an analysis, and the JSON Schema the
// API evaluates against what they send. Full JSON Schema can take exponential time to evaluate ($ref
// chains through allOf/anyOf: a 5 KB schema froze the API on the first real value), so a params schema
// is written in a small dialect of draft-07 that covers what a form needs and nothing more: an object
// of scalars (string, number, integer, boolean), enums, and arrays of scalars with a bound. Evaluating
// it costs the size of the schema plus the size of the value, and the value is capped before that.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv, describeAjvError, errorSegments, formatPath } from './ajv';
import { type JsonCaps, measureJson } from './bounded-json';
import { LINEAR_REGEXP_ENGINE, UnsupportedPatternError } from './linear-regexp';
import type { FieldError, ParamsSchema } from './manifest';

/** The largest params schema accepted, as serialized JSON. */
export const MAX_PARAMS_SCHEMA_BYTES = 64 * 1024;
/** Parameters one analysis may declare: a form, not a database. */
export const MAX_PARAMS = 100;
/** Values of one `enum`, and items of one array parameter (`maxItems`). */
export const MAX_PARAMS_CHOICES = 1000;
/**
 * What checking the largest params a schema accepts may cost, in comparisons: each parameter counts
 * its items (maxItems, or 1) times the values of its enum (or 1), and an array whose items have no
 * scalar type and must be unique counts maxItems² (Ajv compares them pairwise). 100,000 is a
 * millisecond or two; a form's dropdowns and multi-selects stay far below it.
 */
export const MAX_PARAMS_CHECK_COST = 100_000;
/** Names of parameters: they become form fields and keys of run.json. */
export const PARAM_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';
/**
 * Caps on the params a user sends, checked before the schema sees them. Valid params are at most an
 * object of arrays of scalars (depth 2); the caps leave room for the schema to name what is wrong.
 */
export const PARAMS_JSON_CAPS: JsonCaps = Object.freeze({ maxBytes: 64 * 1024, maxDepth: 8, maxNodes: 10_000, maxStringLength: 64 * 1024 });
/** At most this many problems with a user's params are listed; a final entry counts the rest. */
export const MAX_REPORTED_PARAMS_ERRORS = 20;

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const SCALAR_TYPES = ['string', 'number', 'integer', 'boolean'] as const;
const PARAM_TYPES = [...SCALAR_TYPES, 'array'] as const;
type ParamType = (typeof PARAM_TYPES)[number];

const SCHEMA_KEYWORDS = ['type', 'properties', 'required', 'additionalProperties', 'title', 'description', '$schema', '$comment'];
const ANNOTATIONS = ['title', 'description', '$comment'];
const TYPE_KEYWORDS: Record<ParamType, string[]> = {
  string: ['minLength', 'maxLength', 'pattern', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  boolean: [],
  array: ['items', 'minItems', 'maxItems', 'uniqueItems'],
};
const REFERENCES = new Set(['$ref', 'definitions', '$defs', '$id']);
const COMBINATORS = new Set(['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else']);

/** A published version's params schema is outside the dialect (it predates it): it is never compiled. */
export class UnsupportedParamsSchemaError extends Error {
  constructor(readonly problems: FieldError[]) {
    super(`the params schema is not supported: ${problems.map((problem) => problem.message).join('; ')}`);
    this.name = 'UnsupportedParamsSchemaError';
  }
}

function fieldError(segments: (string | number)[], message: string, data?: unknown): FieldError {
  const field = formatPath(segments, data);
  return { field, message: `${field} ${message}` };
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isScalar = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value);
const own = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

function refusedKeyword(at: (string | number)[], keyword: string, allowed: string[]): FieldError {
  const where = [...at, keyword];
  if (REFERENCES.has(keyword)) {
    return fieldError(
      where,
      'is not supported in a params schema: references can chain into schemas that take exponential time to evaluate; describe each parameter where it is declared',
    );
  }
  if (COMBINATORS.has(keyword)) {
    return fieldError(where, `is not supported in a params schema: combinators can take exponential time to evaluate; offer a choice of values with "enum"`);
  }
  return fieldError(where, `is not supported in a params schema (here it may use: ${allowed.join(', ')})`);
}

/**
 * The problems that put a schema outside the params dialect, each naming its keyword; [] when it is
 * inside. It reads only the keywords the dialect has, down to the items of an array parameter, so it
 * costs the size of the schema.
 */
export function paramsDialectProblems(schema: unknown): FieldError[] {
  const problems: FieldError[] = [];
  const at = ['params'];
  if (!isObject(schema)) return [fieldError(at, 'must be an object schema')];
  for (const keyword of Object.keys(schema)) if (!SCHEMA_KEYWORDS.includes(keyword)) problems.push(refusedKeyword(at, keyword, SCHEMA_KEYWORDS));
  if (schema.type !== 'object') problems.push(fieldError([...at, 'type'], 'must be "object": params is a JSON Schema for an object'));
  if (own(schema, '$schema') && !(typeof schema.$schema === 'string' && DRAFT_07.test(schema.$schema))) {
    problems.push(fieldError([...at, '$schema'], 'must be http://json-schema.org/draft-07/schema# or left out'));
  }
  if (own(schema, 'additionalProperties') && typeof schema.additionalProperties !== 'boolean') {
    problems.push(fieldError([...at, 'additionalProperties'], 'must be true or false'));
  }

  const properties = own(schema, 'properties') ? schema.properties : {};
  if (!isObject(properties)) {
    problems.push(fieldError([...at, 'properties'], 'must be an object of parameters'));
    return problems;
  }
  const names = Object.keys(properties);
  if (names.length > MAX_PARAMS) problems.push(fieldError([...at, 'properties'], `must declare at most ${MAX_PARAMS} parameters (got ${names.length})`));
  for (const name of names.slice(0, MAX_PARAMS)) {
    const here = [...at, 'properties', name];
    if (!new RegExp(PARAM_NAME_PATTERN).test(name) || name in Object.prototype) {
      problems.push(fieldError(here, 'is not a valid parameter name: use 1 to 64 letters, digits, "_" and "-", starting with a letter'));
    }
    problems.push(...parameterProblems(properties[name], here, true));
  }

  const cost = names.slice(0, MAX_PARAMS).reduce((sum, name) => sum + checkCost(properties[name]), 0);
  if (cost > MAX_PARAMS_CHECK_COST) {
    problems.push(
      fieldError(
        [...at, 'properties'],
        `would take ${cost} comparisons to check (at most ${MAX_PARAMS_CHECK_COST}): each parameter costs its maxItems times the values of its enum; shorten an enum or lower a maxItems`,
      ),
    );
  }

  if (own(schema, 'required')) {
    const required = schema.required;
    if (!Array.isArray(required) || !required.every((name) => typeof name === 'string')) {
      problems.push(fieldError([...at, 'required'], 'must be a list of parameter names'));
    } else {
      required.forEach((name: string, index) => {
        if (!own(properties, name)) problems.push(fieldError([...at, 'required', index], `names "${name.slice(0, 64)}", which is not a declared parameter`));
      });
      if (new Set(required).size !== required.length) problems.push(fieldError([...at, 'required'], 'must not name a parameter twice'));
    }
  }
  return problems;
}

/** One parameter (`asItem` false: the items of an array parameter, which are scalars without a default). */
function parameterProblems(parameter: unknown, at: (string | number)[], isParameter: boolean): FieldError[] {
  if (!isObject(parameter)) return [fieldError(at, 'must be a schema object, e.g. {"type": "string"}')];
  const problems: FieldError[] = [];
  const types: readonly string[] = isParameter ? PARAM_TYPES : SCALAR_TYPES;
  const type = parameter.type;
  const typed = typeof type === 'string' && types.includes(type);
  if (own(parameter, 'type') && !typed) {
    problems.push(fieldError([...at, 'type'], `must be one of ${types.join(', ')}${isParameter ? '' : ': the items of an array parameter are scalars'}`));
  }
  const composed = Object.keys(parameter).some((keyword) => REFERENCES.has(keyword) || COMBINATORS.has(keyword));
  // A parameter built from a reference or combinators is reported as such, not as lacking a type.
  if (!own(parameter, 'type') && !own(parameter, 'enum') && !own(parameter, 'const') && !composed) {
    problems.push(fieldError(at, `must have a "type" (${types.join(', ')}) or an "enum"`));
  }
  const allowed = [
    ...(isParameter ? ['type', 'enum', 'const', 'default'] : ['type', 'enum', 'const']),
    ...ANNOTATIONS,
    ...(typed ? TYPE_KEYWORDS[type as ParamType] : []),
  ];
  for (const keyword of Object.keys(parameter)) {
    if (allowed.includes(keyword)) continue;
    const forType = PARAM_TYPES.find((candidate) => TYPE_KEYWORDS[candidate].includes(keyword));
    if (forType && !REFERENCES.has(keyword) && !COMBINATORS.has(keyword) && (isParameter || forType !== 'array')) {
      problems.push(
        fieldError(
          [...at, keyword],
          `applies to ${forType === 'number' || forType === 'integer' ? 'number and integer' : forType} parameters only; declare "type": "${forType}"`,
        ),
      );
    } else {
      problems.push(refusedKeyword(at, keyword, allowed));
    }
  }
  if (own(parameter, 'enum')) {
    const choices = parameter.enum;
    if (!Array.isArray(choices) || choices.length === 0 || !choices.every(isScalar)) {
      problems.push(fieldError([...at, 'enum'], 'must be a non-empty list of strings, numbers, booleans or null'));
    } else if (choices.length > MAX_PARAMS_CHOICES) {
      problems.push(fieldError([...at, 'enum'], `must have at most ${MAX_PARAMS_CHOICES} values (got ${choices.length})`));
    }
  }
  if (own(parameter, 'const') && !isScalar(parameter.const)) problems.push(fieldError([...at, 'const'], 'must be a string, number, boolean or null'));
  if (type === 'array') {
    if (!own(parameter, 'items')) problems.push(fieldError(at, 'must say what its items are ("items": {"type": "string"}, for example)'));
    else problems.push(...parameterProblems(parameter.items, [...at, 'items'], false));
    const maxItems = parameter.maxItems;
    if (!own(parameter, 'maxItems')) problems.push(fieldError(at, `must have "maxItems" (at most ${MAX_PARAMS_CHOICES}): an array parameter is bounded`));
    else if (typeof maxItems === 'number' && maxItems > MAX_PARAMS_CHOICES) {
      problems.push(fieldError([...at, 'maxItems'], `must be at most ${MAX_PARAMS_CHOICES} (got ${maxItems})`));
    }
  }
  return problems;
}

/** Comparisons needed to check one parameter at its largest (see MAX_PARAMS_CHECK_COST). */
function checkCost(parameter: unknown): number {
  if (!isObject(parameter)) return 1;
  const choices = (schema: Record<string, unknown>) => (Array.isArray(schema.enum) ? Math.max(1, schema.enum.length) : 1);
  if (parameter.type !== 'array') return choices(parameter);
  const items = isObject(parameter.items) ? parameter.items : {};
  const count = typeof parameter.maxItems === 'number' && parameter.maxItems > 0 ? Math.min(parameter.maxItems, MAX_PARAMS_CHOICES) : 1;
  const pairwise = parameter.uniqueItems === true && !(typeof items.type === 'string' && (SCALAR_TYPES as readonly string[]).includes(items.type));
  return count * choices(items) + (pairwise ? count * count : 0);
}

/** The parameters a user who changes nothing runs with: each declared `default`. */
export function paramsDefaults(schema: ParamsSchema): Record<string, unknown> {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const defaults: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) if (isObject(property) && own(property, 'default')) defaults[name] = property.default;
  return defaults;
}

// One Ajv for all params schemas: creating one costs tens of milliseconds. Schemas are not
// registered by $id (addUsedSchema: false) and are dropped from Ajv's cache after compiling, so
// one developer's schema can never affect another's.
let paramsAjv: ReturnType<typeof createAjv> | undefined;
const paramsValidators = new Map<string, ValidateFunction>();
const MAX_CACHED_PARAMS_VALIDATORS = 200;

function ajvForParams(): ReturnType<typeof createAjv> {
  paramsAjv ??= createAjv({ addUsedSchema: false, code: { regExp: LINEAR_REGEXP_ENGINE } });
  return paramsAjv;
}

/**
 * Every problem of a params schema at submission, each naming its field: outside the dialect, not
 * valid draft-07, a pattern the linear-time engine cannot run, or a default its own parameter refuses.
 */
export function paramsSchemaProblems(schema: object): FieldError[] {
  if (JSON.stringify(schema).length > MAX_PARAMS_SCHEMA_BYTES) {
    return [fieldError(['params'], `must be at most ${MAX_PARAMS_SCHEMA_BYTES / 1024} KiB of JSON`)];
  }
  const dialect = paramsDialectProblems(schema);
  if (dialect.length > 0) return dialect;
  const ajv = ajvForParams();
  if (!ajv.validateSchema(schema)) {
    // An anyOf error stands for its failed branches, which are reported at the same place.
    const all = ajv.errors ?? [];
    const anyOfAt = new Set(all.filter((error) => error.keyword === 'anyOf').map((error) => error.instancePath));
    const errors = all.filter((error) => error.keyword === 'anyOf' || !anyOfAt.has(error.instancePath));
    return errors.map((error) => fieldError(['params', ...errorSegments(error)], describeAjvError(error), { params: schema }));
  }
  let validate: ValidateFunction;
  try {
    validate = compileParamsSchema(schema as ParamsSchema);
  } catch (error) {
    if (error instanceof UnsupportedPatternError) return [fieldError(['params'], error.message)];
    const reason = error instanceof Error ? error.message : String(error);
    return [fieldError(['params'], `is not a valid JSON Schema (draft-07): ${reason}`)];
  }
  return defaultsProblems(schema as ParamsSchema, validate);
}

/**
 * The submission checks run the analysis with the defaults, and so does every user who changes
 * nothing: each default must pass its own parameter, and each required parameter needs one.
 */
function defaultsProblems(schema: ParamsSchema, validate: ValidateFunction): FieldError[] {
  const defaults = paramsDefaults(schema);
  const problems: FieldError[] = [];
  const required: unknown[] = Array.isArray(schema.required) ? schema.required : [];
  required.forEach((name, index) => {
    if (typeof name === 'string' && !own(defaults, name)) {
      problems.push(
        fieldError(
          ['params', 'required', index],
          `names "${name}", which has no default: the submission checks run the analysis with the defaults, so a required parameter needs one`,
        ),
      );
    }
  });
  if (validate(defaults)) return problems;
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'required') continue;
    const [name, ...rest] = errorSegments(error);
    problems.push(
      fieldError(['params', 'properties', name!, 'default', ...rest], describeAjvError(error), {
        params: { properties: { [name!]: { default: defaults[name!] } } },
      }),
    );
  }
  return problems;
}

/** Compiles a params schema, once per distinct schema; refuses (throws) a schema outside the dialect. */
function compileParamsSchema(schema: ParamsSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = paramsValidators.get(key);
  if (cached) return cached;
  const problems = paramsDialectProblems(schema);
  if (problems.length > 0) throw new UnsupportedParamsSchemaError(problems);
  const ajv = ajvForParams();
  const copy = JSON.parse(key) as object;
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(copy);
  } finally {
    ajv.removeSchema(copy);
  }
  if (paramsValidators.size >= MAX_CACHED_PARAMS_VALIDATORS) paramsValidators.delete(paramsValidators.keys().next().value!);
  paramsValidators.set(key, validate);
  return validate;
}

export type ParamsValidation = { ok: true; params: Record<string, unknown> } | { ok: false; errors: FieldError[] };

/**
 * Validates run parameters against an analysis' params schema (from a validated manifest). The params
 * are held to PARAMS_JSON_CAPS before the schema sees them, and at most MAX_REPORTED_PARAMS_ERRORS
 * problems are described. Errors name fields under `params`, e.g. `params.threshold`. Throws
 * UnsupportedParamsSchemaError for a schema outside the dialect, and other errors for an invalid one.
 */
export function validateParams(schema: ParamsSchema, params: unknown): ParamsValidation {
  const validate = compileParamsSchema(schema);
  const bounded = measureJson(params, PARAMS_JSON_CAPS);
  if (!bounded.ok) {
    const where = bounded.path.length > 0 ? ` (at ${formatPath(['params', ...bounded.path], { params })})` : '';
    return { ok: false, errors: [{ field: 'params', message: `params ${bounded.message}${where}` }] };
  }
  if (validate(params)) return { ok: true, params: params as Record<string, unknown> };
  const all: ErrorObject[] = validate.errors ?? [];
  const errors = all.slice(0, MAX_REPORTED_PARAMS_ERRORS).map((error) => fieldError(['params', ...errorSegments(error)], describeAjvError(error), { params }));
  const rest = all.length - errors.length;
  if (rest > 0) errors.push({ field: '', message: `…and ${rest} more problem${rest === 1 ? '' : 's'} with params` });
  return { ok: false, errors };
}
