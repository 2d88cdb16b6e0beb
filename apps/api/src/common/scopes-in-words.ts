import { describeKind, describeScopes, fullPrecisionScopes, isRecordKind, type SensitiveScope } from '@lockbox/analysis-sdk';

/** One kind of a consent in people's words: its heading and what the analysis receives of each field. */
export interface KindInWords {
  kind: string;
  /** e.g. "your location history". */
  heading: string;
  /** e.g. ["the date and time, to the day (not the time of day)", "your location, rounded to about 1 km"]. */
  fields: string[];
}

/**
 * Consent scopes in the words of the consent screen and the receipt (`describeScope`): each grain said as
 * what the analysis receives. Scopes that no longer read as such (a kind or field the SDK dropped since
 * a receipt was written) are shown as written, never left out.
 */
export function scopesInWords(scopes: { readonly [kind: string]: readonly string[] | undefined }): KindInWords[] {
  return Object.entries(scopes).flatMap(([kind, fields]) => {
    if (!fields) return [];
    if (!isRecordKind(kind)) return [{ kind, heading: kind, fields: [...fields] }];
    try {
      return [{ kind, heading: describeKind(kind), fields: describeScopes(kind, fields) }];
    } catch {
      return [{ kind, heading: describeKind(kind), fields: [...fields] }];
    }
  });
}

/** Scope fields asked for at full precision that reveal much: flagged on the consent step and to the reviewer. */
export function fullPrecisionFlags(scopes: { readonly [kind: string]: readonly string[] | undefined }): SensitiveScope[] {
  return fullPrecisionScopes(scopes);
}
