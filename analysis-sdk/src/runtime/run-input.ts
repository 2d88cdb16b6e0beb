// Reading /input/run.json and the run's parameters, inside the analysis container (ARCHITECTURE §4).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTAINER_INPUT_DIR, CONTAINER_OUTPUT_DIR, type RunInput } from '../container-contract';
import type { FieldError, ParamsSchema } from '../manifest';
import { validateParams } from '../params-schema';
import { isRecordKind } from '../records';

/** Where the runtime reads its input and writes its output. */
export interface RuntimeDirs {
  inputDir: string;
  outputDir: string;
}

/**
 * The container paths, unless LOCKBOX_INPUT_DIR / LOCKBOX_OUTPUT_DIR point elsewhere (local runs and
 * tests). This is the analysis' own process, not the platform, so reading its environment is fine.
 */
export function runtimeDirs(env: Readonly<Record<string, string | undefined>> = processEnv()): RuntimeDirs {
  return {
    inputDir: env.LOCKBOX_INPUT_DIR || CONTAINER_INPUT_DIR,
    outputDir: env.LOCKBOX_OUTPUT_DIR || CONTAINER_OUTPUT_DIR,
  };
}

function processEnv(): NodeJS.ProcessEnv {
  // eslint-disable-next-line no-restricted-properties -- the analysis' own environment, not platform configuration
  return process.env;
}

/** run.json is missing or does not have the shape of the container contract. */
export class RunInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunInputError';
  }
}

/** The run's parameters do not match the analysis' params schema. */
export class ParamsValidationError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`Invalid run parameters:\n${errors.map((error) => `  - ${error.message}`).join('\n')}`);
    this.name = 'ParamsValidationError';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Reads and checks `<inputDir>/run.json`. Throws RunInputError naming every problem. */
export async function readRunInput(inputDir: string = runtimeDirs().inputDir): Promise<RunInput> {
  const path = join(inputDir, 'run.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RunInputError(`${path} not found: run inside a Lockbox container, or set LOCKBOX_INPUT_DIR for a local run`);
    }
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunInputError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const problems = runInputProblems(value);
  if (problems.length > 0) throw new RunInputError(`${path} is invalid: ${problems.join('; ')}`);
  return value as RunInput;
}

function runInputProblems(value: unknown): string[] {
  if (!isObject(value)) return ['it must be a JSON object'];
  const problems: string[] = [];
  for (const key of ['runId', 'analysis', 'version'] as const) {
    if (typeof value[key] !== 'string' || value[key] === '') problems.push(`${key} must be a non-empty string`);
  }
  if (!isObject(value.params)) problems.push('params must be an object');
  if (!isObject(value.scopes)) {
    problems.push('scopes must be an object');
  } else {
    for (const [kind, fields] of Object.entries(value.scopes)) {
      if (!isRecordKind(kind)) problems.push(`scopes names an unknown record kind '${kind}'`);
      else if (!Array.isArray(fields) || !fields.every((field) => typeof field === 'string')) {
        problems.push(`scopes["${kind}"] must be a list of field names`);
      }
    }
  }
  return problems;
}

/**
 * The run's parameters, checked against `schema` (normally the manifest's `params`). Top-level
 * `default`s of the schema fill in absent parameters first, because the platform passes params as the
 * user gave them. Throws ParamsValidationError listing every problem. Without a schema the params
 * are returned as they are.
 */
export function checkParams<T extends object = Record<string, unknown>>(params: Record<string, unknown>, schema?: ParamsSchema): T {
  if (!schema) return { ...params } as T;
  const withDefaults: Record<string, unknown> = { ...params };
  const properties = isObject(schema.properties) ? schema.properties : {};
  for (const [name, property] of Object.entries(properties)) {
    if (withDefaults[name] === undefined && isObject(property) && property.default !== undefined) {
      withDefaults[name] = structuredClone(property.default);
    }
  }
  const result = validateParams(schema, withDefaults);
  if (!result.ok) throw new ParamsValidationError(result.errors);
  return result.params as T;
}

/** Reads run.json (or uses `input`) and returns its params checked against `schema`; see checkParams. */
export async function params<T extends object = Record<string, unknown>>(schema?: ParamsSchema, input?: RunInput): Promise<T> {
  return checkParams<T>((input ?? (await readRunInput())).params, schema);
}
