// Consent scopes in plain words. Every page that says what an analysis reads (the analysis page, the
// consent step, a run's receipt) goes through describeScope, the one place that turns a kind and a field
// into words; when grains arrive (`timestamp@day`, analysis-sdk's describeScope), swap it here.
import type { Scopes } from './types';

const KIND_WORDS: Record<string, string> = {
  'social.posts': 'your posts',
  'social.comments': 'your comments',
  'social.reactions': 'your reactions (likes, votes, saves)',
  'social.messages': 'your private messages',
  'media.watch': 'what you watched',
  'search.queries': 'your searches',
  'location.points': 'your location history',
  'location.visits': 'the places you visited',
};

const FIELD_WORDS: Record<string, string> = {
  timestamp: 'when it happened (date and time)',
  platform: 'which platform it came from',
  type: 'its type (post, reply, repost, story or comment)',
  text: 'the full text',
  likes: 'how many likes it got',
  comments: 'how many comments it got',
  shares: 'how many shares it got',
  direction: 'whether you sent or received it',
  reaction: 'which reaction it was',
  id: "the platform's id for it",
  latitude: 'the latitude',
  longitude: 'the longitude',
  title: 'the title',
  url: 'the address',
  query: 'what you searched for',
  name: 'the name',
  duration: 'how long it lasted',
  channel: 'the channel that published it',
  removed: 'whether it was removed',
  accuracy: 'how accurate the position was',
  durationSeconds: 'how long you stayed',
  placeName: "the place's name",
  placeId: "the place's id (it names a precise place)",
  semanticType: 'what kind of place it was (home, work…)',
};

const GRAIN_WORDS: Record<string, string> = {
  hour: 'only to the hour',
  day: 'only to the day',
  '1km': 'rounded to about 1 km',
  '10km': 'rounded to about 10 km',
  length: 'only its length in characters, not the text',
  words: 'only its number of words, not the text',
};

/** A record kind in words ("your posts"); an unknown kind is named as it is. */
export function describeKind(kind: string): string {
  return KIND_WORDS[kind] ?? `records of kind "${kind}"`;
}

/**
 * One scope field in words: `likes` → "how many likes it got"; `timestamp@day` → "when it happened
 * (date and time), only to the day". Unknown fields and grains are named as they are, never dropped.
 */
export function describeScope(_kind: string, field: string): string {
  const [name = field, grain] = field.split('@', 2);
  const words = FIELD_WORDS[name] ?? `the field "${name}"`;
  if (grain === undefined) return words;
  return `${words}, ${GRAIN_WORDS[grain] ?? `at grain "${grain}"`}`;
}

export interface ScopeDescription {
  kind: string;
  kindWords: string;
  fields: { field: string; words: string }[];
}

/** Every kind with its fields in words, in the order declared. */
export function describeScopes(scopes: Scopes): ScopeDescription[] {
  return Object.entries(scopes).map(([kind, fields]) => ({
    kind,
    kindWords: describeKind(kind),
    fields: fields.map((field) => ({ field, words: describeScope(kind, field) })),
  }));
}

export interface ScopeChanges {
  added: Scopes;
  removed: Scopes;
  unchanged: boolean;
}

function difference(from: Scopes, minus: Scopes): Scopes {
  const out: Scopes = {};
  for (const [kind, fields] of Object.entries(from)) {
    const other = new Set(minus[kind] ?? []);
    const extra = fields.filter((field) => !other.has(field));
    if (extra.length > 0) out[kind] = extra;
  }
  return out;
}

/** What a version reads that the consented one did not (`added`), and what it no longer reads. */
export function scopeChanges(consented: Scopes, current: Scopes): ScopeChanges {
  const added = difference(current, consented);
  const removed = difference(consented, current);
  return { added, removed, unchanged: Object.keys(added).length === 0 && Object.keys(removed).length === 0 };
}
