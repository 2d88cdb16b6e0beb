// The run's parameters as a form, generated from the version's params schema. The schema is in the
// SDK's restricted dialect (analysis-sdk/src/params-schema.ts): an object of scalars, enums, and arrays
// of scalars with a bound, with defaults, titles, descriptions and `required`. Anything else the form
// cannot show is reported, not guessed at; the API checks the values against the schema in any case.
import type { ParamsSchema } from './types';

export type Scalar = string | number | boolean;
export type ScalarType = 'string' | 'number' | 'integer' | 'boolean';

export type FieldControl =
  | { kind: 'text'; minLength?: number; maxLength?: number }
  | { kind: 'number'; integer: boolean; minimum?: number; maximum?: number }
  | { kind: 'checkbox' }
  | { kind: 'select'; options: Scalar[] }
  | { kind: 'multi-select'; options: Scalar[]; maxItems?: number }
  | { kind: 'list'; itemType: ScalarType; maxItems?: number };

export interface ParamField {
  name: string;
  /** The schema's title, or the name. Developer text: shown as text, never as markup. */
  label: string;
  description?: string;
  required: boolean;
  control: FieldControl;
  defaultValue?: unknown;
}

/** What a form holds while it is edited: text for inputs, booleans for checkboxes, lists for multi-selects. */
export type FormValue = string | boolean | string[];
export type FormValues = Record<string, FormValue>;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isScalar = (value: unknown): value is Scalar => ['string', 'number', 'boolean'].includes(typeof value);
const numberOr = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const SCALAR_TYPES: readonly string[] = ['string', 'number', 'integer', 'boolean'];
/** The smoke run's marker param (test analyses): never shown. */
const HIDDEN_PREFIX = 'lockboxTest';

function controlFor(property: Record<string, unknown>): FieldControl | undefined {
  if (Array.isArray(property.enum) && property.enum.every(isScalar)) return { kind: 'select', options: property.enum };
  switch (property.type) {
    case 'string':
      return { kind: 'text', minLength: numberOr(property.minLength), maxLength: numberOr(property.maxLength) };
    case 'number':
    case 'integer':
      return { kind: 'number', integer: property.type === 'integer', minimum: numberOr(property.minimum), maximum: numberOr(property.maximum) };
    case 'boolean':
      return { kind: 'checkbox' };
    case 'array': {
      const items = isObject(property.items) ? property.items : {};
      const maxItems = numberOr(property.maxItems);
      if (Array.isArray(items.enum) && items.enum.every(isScalar)) return { kind: 'multi-select', options: items.enum, maxItems };
      const itemType = typeof items.type === 'string' && SCALAR_TYPES.includes(items.type) ? (items.type as ScalarType) : 'string';
      return { kind: 'list', itemType, maxItems };
    }
    default:
      return undefined;
  }
}

/** The form's fields, in the schema's order. */
export function fieldsFromSchema(schema: ParamsSchema): ParamField[] {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : []);
  const fields: ParamField[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (!isObject(property) || name.startsWith(HIDDEN_PREFIX)) continue;
    const control = controlFor(property);
    if (!control) continue;
    const field: ParamField = {
      name,
      label: typeof property.title === 'string' && property.title.trim() ? property.title : name,
      required: required.has(name),
      control,
    };
    if (typeof property.description === 'string') field.description = property.description;
    if (property.default !== undefined) field.defaultValue = property.default;
    fields.push(field);
  }
  return fields;
}

/** The form's first values: each field's default, or empty. */
export function initialValues(fields: ParamField[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const value = field.defaultValue;
    switch (field.control.kind) {
      case 'checkbox':
        values[field.name] = value === true;
        break;
      case 'multi-select':
        values[field.name] = Array.isArray(value) ? value.map(String) : [];
        break;
      case 'list':
        values[field.name] = Array.isArray(value) ? value.map(String).join('\n') : '';
        break;
      default:
        values[field.name] = scalarText(value);
    }
  }
  return values;
}

/** A schema's default as the text of an input: a scalar as written, anything else (a schema error) as its JSON. */
function scalarText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value as string | number | boolean | bigint | symbol);
}

function parseScalar(text: string, type: ScalarType): Scalar | undefined {
  if (type === 'string') return text;
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : undefined;
  const number = Number(text);
  if (text.trim() === '' || !Number.isFinite(number)) return undefined;
  if (type === 'integer' && !Number.isInteger(number)) return undefined;
  return number;
}

/** An enum option back from the text a select holds. */
function option(options: Scalar[], text: string): Scalar | undefined {
  return options.find((candidate) => String(candidate) === text);
}

export interface ParamsOutcome {
  params: Record<string, unknown>;
  /** Problems by field name, in words; empty when the params may be sent. */
  errors: Record<string, string>;
}

/**
 * The params to send from what the form holds, and what is wrong with it (required and left empty, not
 * a number, out of range, too many items). Empty optional fields are left out, so the API applies the
 * schema's defaults.
 */
export function paramsFromValues(fields: ParamField[], values: FormValues): ParamsOutcome {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name];
    const control = field.control;
    if (control.kind === 'checkbox') {
      params[field.name] = value === true;
      continue;
    }
    if (control.kind === 'multi-select') {
      const chosen = (Array.isArray(value) ? value : []).map((text) => option(control.options, text)).filter((item): item is Scalar => item !== undefined);
      if (control.maxItems !== undefined && chosen.length > control.maxItems) errors[field.name] = `Choose at most ${control.maxItems}`;
      else if (chosen.length > 0 || field.required) params[field.name] = chosen;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') {
      if (field.required) errors[field.name] = 'Required';
      continue;
    }
    if (control.kind === 'select') {
      const chosen = option(control.options, text);
      if (chosen === undefined) errors[field.name] = 'Choose one of the options';
      else params[field.name] = chosen;
    } else if (control.kind === 'number') {
      const number = parseScalar(text, control.integer ? 'integer' : 'number');
      if (typeof number !== 'number') errors[field.name] = control.integer ? 'Enter a whole number' : 'Enter a number';
      else if (control.minimum !== undefined && number < control.minimum) errors[field.name] = `Enter ${control.minimum} or more`;
      else if (control.maximum !== undefined && number > control.maximum) errors[field.name] = `Enter ${control.maximum} or less`;
      else params[field.name] = number;
    } else if (control.kind === 'list') {
      const items = text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      const parsed = items.map((item) => parseScalar(item, control.itemType));
      if (parsed.some((item) => item === undefined)) errors[field.name] = `Each line must be a ${control.itemType === 'string' ? 'text' : control.itemType}`;
      else if (control.maxItems !== undefined && parsed.length > control.maxItems) errors[field.name] = `At most ${control.maxItems} lines`;
      else params[field.name] = parsed;
    } else {
      if (control.minLength !== undefined && text.length < control.minLength) errors[field.name] = `At least ${control.minLength} characters`;
      else if (control.maxLength !== undefined && text.length > control.maxLength) errors[field.name] = `At most ${control.maxLength} characters`;
      else params[field.name] = text;
    }
  }
  return { params, errors };
}
