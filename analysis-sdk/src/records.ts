// Canonical record kinds: the normalized shape of users' data, one JSON object per JSONL line.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv, errorSegments } from './ajv';
import { type JsonCaps, measureJson, parseJson } from './bounded-json';

export const SOCIAL_PLATFORMS = ['x', 'facebook', 'instagram', 'reddit', 'google', 'other'] as const;
export type SocialPlatform = (typeof SOCIAL_PLATFORMS)[number];

export const POST_TYPES = ['post', 'reply', 'repost', 'story', 'comment'] as const;
export type PostType = (typeof POST_TYPES)[number];

export const MESSAGE_DIRECTIONS = ['sent', 'received'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];

export interface SocialPost {
  kind: 'social.posts';
  timestamp: string;
  platform: SocialPlatform;
  type: PostType;
  text?: string;
  likes?: number;
  comments?: number;
  shares?: number;
  id?: string;
}

export interface SocialComment {
  kind: 'social.comments';
  timestamp: string;
  platform: SocialPlatform;
  text?: string;
  likes?: number;
  id?: string;
}

export interface SocialMessage {
  kind: 'social.messages';
  timestamp: string;
  platform: SocialPlatform;
  direction: MessageDirection;
  text?: string;
  id?: string;
}

export interface SocialReaction {
  kind: 'social.reactions';
  /** Absent where the export does not say when (X likes, Reddit votes and saves). */
  timestamp?: string;
  platform: SocialPlatform;
  reaction: string;
  /** The id of the item reacted to: a reaction has no id of its own in the exports. */
  id?: string;
}

export interface RecordByKind {
  'social.posts': SocialPost;
  'social.comments': SocialComment;
  'social.messages': SocialMessage;
  'social.reactions': SocialReaction;
}
export type RecordKind = keyof RecordByKind;
export type CanonicalRecord = RecordByKind[RecordKind];
/** The fields of a kind that can be granted as consent scopes (`kind` itself is always present). */
export type RecordFieldName<K extends RecordKind = RecordKind> = K extends RecordKind ? Exclude<keyof RecordByKind[K], 'kind'> & string : never;

export interface RecordFieldSpec {
  type: 'string' | 'integer';
  required: boolean;
  description: string;
  format?: 'date-time';
  enum?: readonly string[];
  minimum?: number;
  minLength?: number;
  maxLength?: number;
}

export interface RecordKindSpec<K extends RecordKind = RecordKind> {
  description: string;
  fields: { readonly [F in RecordFieldName<K>]: RecordFieldSpec };
}

const MAX_TEXT = 100_000;

const timestamp: RecordFieldSpec = {
  type: 'string',
  format: 'date-time',
  required: true,
  description: 'When it happened: an RFC 3339 date-time with a time zone, e.g. 2026-01-05T18:20:00Z',
};
// Exports such as X's likes and Reddit's votes carry no time at all: such a record is kept without one.
const timestampWhenKnown: RecordFieldSpec = {
  ...timestamp,
  required: false,
  description: `${timestamp.description}; absent where the export does not say when (X likes, Reddit votes and saves)`,
};
const platform: RecordFieldSpec = { type: 'string', enum: SOCIAL_PLATFORMS, required: true, description: 'Where it happened' };
const text: RecordFieldSpec = { type: 'string', maxLength: MAX_TEXT, required: false, description: 'The text, as written' };
const MAX_NATIVE_ID = 256;
const nativeId = (what: string): RecordFieldSpec => ({ type: 'string', minLength: 1, maxLength: MAX_NATIVE_ID, required: false, description: what });
const count = (what: string): RecordFieldSpec => ({ type: 'integer', minimum: 0, required: false, description: what });

export const RECORD_KINDS: { readonly [K in RecordKind]: RecordKindSpec<K> } = {
  'social.posts': {
    description: 'Things the user published: posts, replies, reposts, stories and comments',
    fields: {
      timestamp,
      platform,
      type: { type: 'string', enum: POST_TYPES, required: true, description: 'What was published' },
      text,
      likes: count('Likes received'),
      comments: count('Comments received'),
      shares: count('Times shared by others'),
      id: nativeId("The post's id on its platform, where the export has one (e.g. an X tweet id)"),
    },
  },
  'social.comments': {
    description: "Comments the user wrote on other people's content",
    fields: { timestamp, platform, text, likes: count('Likes received'), id: nativeId("The comment's id on its platform, where the export has one") },
  },
  'social.messages': {
    description:
      "Private messages the user sent or received. They carry other people's words: a received message was written by " +
      'someone else, who never consented to the analysis',
    fields: {
      timestamp,
      platform,
      direction: { type: 'string', enum: MESSAGE_DIRECTIONS, required: true, description: 'Whether the user sent or received it' },
      text,
      id: nativeId("The message's id on its platform, where the export has one"),
    },
  },
  'social.reactions': {
    description:
      'Reactions (likes, votes, saves and similar) the user gave. X likes and Reddit votes and saves carry no timestamp: ' +
      'those exports do not say when',
    fields: {
      timestamp: timestampWhenKnown,
      platform,
      reaction: { type: 'string', minLength: 1, maxLength: 64, required: true, description: 'The reaction, e.g. like, love, haha, upvote, save' },
      id: nativeId('The id of the item reacted to (the exports give a reaction no id of its own), where the export has one'),
    },
  },
};

export const RECORD_KIND_NAMES = Object.keys(RECORD_KINDS) as RecordKind[];

export function isRecordKind(value: unknown): value is RecordKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RECORD_KINDS, value);
}

/** The field names of a kind, in canonical order (without `kind`). */
export function recordFieldNames<K extends RecordKind>(kind: K): RecordFieldName<K>[] {
  return Object.keys(RECORD_KINDS[kind].fields) as RecordFieldName<K>[];
}

function fieldSpecs(kind: RecordKind): Record<string, RecordFieldSpec> {
  return RECORD_KINDS[kind].fields as Record<string, RecordFieldSpec>;
}

function fieldJsonSchema(spec: RecordFieldSpec): Record<string, unknown> {
  const schema: Record<string, unknown> = { type: spec.type, description: spec.description };
  if (spec.format !== undefined) schema.format = spec.format;
  if (spec.enum !== undefined) schema.enum = [...spec.enum];
  if (spec.minimum !== undefined) schema.minimum = spec.minimum;
  if (spec.minLength !== undefined) schema.minLength = spec.minLength;
  if (spec.maxLength !== undefined) schema.maxLength = spec.maxLength;
  return schema;
}

/** A JSON Schema (draft-07) for one record kind, derived from RECORD_KINDS. */
export function recordJsonSchema(kind: RecordKind): Record<string, unknown> {
  const specs = fieldSpecs(kind);
  const properties: Record<string, unknown> = { kind: { const: kind } };
  for (const [name, spec] of Object.entries(specs)) {
    properties[name] = fieldJsonSchema(spec);
  }
  return {
    type: 'object',
    description: RECORD_KINDS[kind].description,
    additionalProperties: false,
    required: ['kind', ...Object.entries(specs).filter(([, spec]) => spec.required).map(([name]) => name)],
    properties,
  };
}

export const RECORD_SCHEMAS: { readonly [K in RecordKind]: Record<string, unknown> } = Object.fromEntries(
  RECORD_KIND_NAMES.map((kind) => [kind, recordJsonSchema(kind)]),
) as { [K in RecordKind]: Record<string, unknown> };

export type RecordValidation = { ok: true; record: CanonicalRecord } | { ok: false; reason: string };

/**
 * Caps on one dataset line, checked before it is parsed. A record is a flat object of at most 9
 * fields; the caps leave room for the schema to say what is wrong with a few more, and keep the list
 * of reasons short whatever the line holds (a line of 100,000 unknown keys would be 100,000 errors).
 */
export const RECORD_JSON_CAPS: JsonCaps = Object.freeze({ maxBytes: 1024 * 1024, maxDepth: 8, maxNodes: 256, maxStringLength: 1024 * 1024 });

let validators: Map<RecordKind, ValidateFunction> | undefined;

function validatorFor(kind: RecordKind): ValidateFunction {
  if (!validators) {
    const ajv = createAjv();
    validators = new Map(RECORD_KIND_NAMES.map((name) => [name, ajv.compile(RECORD_SCHEMAS[name])]));
  }
  return validators.get(kind)!;
}

function expectation(spec: RecordFieldSpec): string {
  if (spec.format === 'date-time') return 'an ISO 8601 date-time with a time zone, e.g. 2026-01-05T18:20:00Z';
  if (spec.enum) return `one of ${spec.enum.join(', ')}`;
  if (spec.type === 'integer') return spec.minimum === 0 ? 'a non-negative integer' : 'an integer';
  if (spec.minLength && spec.maxLength !== undefined) return `a string of ${spec.minLength} to ${spec.maxLength} characters`;
  if (spec.maxLength !== undefined) return `a string of at most ${spec.maxLength} characters`;
  return 'a string';
}

function reasonFor(kind: RecordKind, error: ErrorObject): string {
  const specs = fieldSpecs(kind);
  const [field] = errorSegments(error);
  if (error.keyword === 'required') return `line has no field '${field}'`;
  if (error.keyword === 'additionalProperties') {
    return `line has unknown field '${field}' (${kind} has: kind, ${Object.keys(specs).join(', ')})`;
  }
  const spec = field !== undefined ? specs[field] : undefined;
  if (spec) return `${field} must be ${expectation(spec)}`;
  return `line ${error.message ?? 'is invalid'}`;
}

/**
 * Checks one dataset line against its kind's canonical schema. Accepts the raw line text or the
 * parsed value, held to RECORD_JSON_CAPS before anything reads it. The reason is written for the
 * person who uploaded the data.
 */
export function validateRecord(line: unknown): RecordValidation {
  let value = line;
  if (typeof line === 'string') {
    const parsed = parseJson(line, RECORD_JSON_CAPS);
    if (!parsed.ok) return { ok: false, reason: parsed.problem === 'syntax' ? 'line is not valid JSON' : `line ${parsed.message}` };
    value = parsed.value;
  } else {
    const measured = measureJson(line, RECORD_JSON_CAPS);
    if (!measured.ok) return { ok: false, reason: `line ${measured.message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'line is not a JSON object' };
  const kind = (value as Record<string, unknown>).kind;
  if (kind === undefined) return { ok: false, reason: "line has no field 'kind'" };
  if (!isRecordKind(kind)) {
    const shown = typeof kind === 'string' ? kind.slice(0, 64) : JSON.stringify(kind);
    return { ok: false, reason: `unknown kind '${shown}' (known kinds: ${RECORD_KIND_NAMES.join(', ')})` };
  }
  const validate = validatorFor(kind);
  if (validate(value)) return { ok: true, record: value as CanonicalRecord };
  const reasons = [...new Set((validate.errors ?? []).map((error) => reasonFor(kind, error)))];
  return { ok: false, reason: reasons.join('; ') };
}

/**
 * Keeps only `kind` and the consented fields of a record. A field is copied only if it is both
 * consented and part of the kind's canonical schema, so a stray property can never leak.
 */
export function projectRecord<K extends RecordKind>(
  record: RecordByKind[K],
  fields: readonly string[],
): Partial<RecordByKind[K]> & { kind: K } {
  const kind = record.kind as K;
  const specs = fieldSpecs(kind);
  const projected: Record<string, unknown> = { kind };
  for (const field of fields) {
    if (!Object.prototype.hasOwnProperty.call(specs, field)) continue;
    if (!Object.prototype.hasOwnProperty.call(record, field)) continue;
    projected[field] = (record as unknown as Record<string, unknown>)[field];
  }
  return projected as Partial<RecordByKind[K]> & { kind: K };
}

/** Projects a record for a run's consent scopes; undefined when its kind was not consented. */
export function projectForScopes(
  record: CanonicalRecord,
  scopes: { readonly [kind: string]: readonly string[] | undefined },
): (Partial<CanonicalRecord> & { kind: RecordKind }) | undefined {
  const fields = Object.prototype.hasOwnProperty.call(scopes, record.kind) ? scopes[record.kind] : undefined;
  return fields ? projectRecord(record, fields) : undefined;
}
