// Facebook and Instagram write every byte of a non-ASCII character's UTF-8 as its own `\u00XX` escape:
// "ø" (bytes C3 B8) arrives as "\u00c3\u00b8", which JSON.parse reads as the two characters "Ã¸". The
// repair turns the code units back into bytes and decodes those bytes as UTF-8, and only when that is
// safe: every code unit ≤ U+00FF (else the text was written right, e.g. an emoji as a surrogate pair),
// and the bytes valid UTF-8 that decode to something else (else there is nothing to repair, or it was not
// this encoding: a right "café" is not valid UTF-8 as bytes, and is kept as written).

export type RepairOutcome = 'unchanged' | 'repaired' | 'not_utf8';

export interface RepairedText {
  text: string;
  outcome: RepairOutcome;
}

const ABOVE_LATIN1 = /[\u0100-\uffff]/;
const NON_ASCII = /[\u0080-\u00ff]/;
// The bytes are the text: a leading EF BB BF is a character to keep, not a mark to drop.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One string, repaired when it is Meta's escaped UTF-8 (see above), else as it was, with what happened. */
export function repairMetaText(value: string): RepairedText {
  if (!NON_ASCII.test(value) || ABOVE_LATIN1.test(value)) return { text: value, outcome: 'unchanged' };
  let decoded: string;
  try {
    decoded = strictUtf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return { text: value, outcome: 'not_utf8' };
  }
  return decoded === value ? { text: value, outcome: 'unchanged' } : { text: decoded, outcome: 'repaired' };
}

/**
 * Repairs every string value in a parsed element (not the keys: Meta's keys are ASCII), in place, and
 * returns it with the number of strings that looked escaped but were not UTF-8 (kept as written). The
 * element reader bounds its nesting, so the walk's depth is bounded too.
 */
export function repairMetaStrings<T>(value: T): { value: T; notUtf8: number } {
  const tally = { notUtf8: 0 };
  return { value: repairValue(value, tally) as T, notUtf8: tally.notUtf8 };
}

function repairValue(value: unknown, tally: { notUtf8: number }): unknown {
  if (typeof value === 'string') {
    const repaired = repairMetaText(value);
    if (repaired.outcome === 'not_utf8') tally.notUtf8++;
    return repaired.text;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = repairValue(value[i], tally);
    return value;
  }
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) object[key] = repairValue(object[key], tally);
  }
  return value;
}
