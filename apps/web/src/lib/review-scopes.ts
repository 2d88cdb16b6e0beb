// What a reviewer must see about a version's scopes: what it reads beyond the previous published version,
// and which fields it asks for at full precision where a grain exists (an exact location, the text of
// messages, search queries). The flag is the SDK's own rule (analysis-sdk/src/grain.ts), so the console
// and the platform can never disagree; this module is loaded only with the reviewer's page.
import { isFullPrecisionSensitive } from '../../../../analysis-sdk/src/grain';
import { isRecordKind } from '../../../../analysis-sdk/src/records';
import { describeKind, describeScope, scopeChanges } from './scopes';
import type { Scopes } from './types';

export interface ReviewedField {
  field: string;
  words: string;
  /** Not read by the previous published version (every field of a first version). */
  added: boolean;
  fullPrecision: boolean;
}

export interface ReviewedKind {
  kind: string;
  kindWords: string;
  fields: ReviewedField[];
  /** Fields the previous version read that this one no longer does. */
  dropped: string[];
}

/** Each kind the version reads, its fields marked; `previous` is null for a first version. */
export function reviewScopes(current: Scopes, previous: Scopes | null): ReviewedKind[] {
  const changes = scopeChanges(previous ?? {}, current);
  const kinds = Object.keys(current);
  for (const kind of Object.keys(changes.removed)) if (!kinds.includes(kind)) kinds.push(kind);
  return kinds.map((kind) => {
    const added = new Set(changes.added[kind] ?? []);
    return {
      kind,
      kindWords: describeKind(kind),
      fields: (current[kind] ?? []).map((field) => ({
        field,
        words: describeScope(kind, field),
        added: added.has(field),
        fullPrecision: isRecordKind(kind) && isFullPrecisionSensitive(kind, field),
      })),
      dropped: changes.removed[kind] ?? [],
    };
  });
}
