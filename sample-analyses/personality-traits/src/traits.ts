// The analysis itself, as pure logic: texts and a lexicon in, plain numbers out. No I/O, so it is easy to test.
import type { ConsentedRecord } from '@lockbox/analysis-sdk';

export type PostRecord = ConsentedRecord<'social.posts'>;

export const TRAITS = ['openness', 'conscientiousness', 'extraversion', 'agreeableness', 'neuroticism'] as const;
export type Trait = (typeof TRAITS)[number];

export interface Lexicon {
  version: number;
  sources: string[];
  traits: Record<Trait, { label: string; higher: string[]; lower: string[] }>;
}

export interface Counted {
  word: string;
  count: number;
}

export interface TraitScore {
  trait: Trait;
  label: string;
  /** Occurrences of the trait's "higher" words. */
  higher: number;
  /** Occurrences of its "lower" words. */
  lower: number;
  /** (higher − lower) per 1,000 words; 0 with no words. */
  netPerThousand: number;
  lean: Lean;
  /** The matched words, most used first. */
  higherWords: Counted[];
  lowerWords: Counted[];
}

export type Lean = 'higher' | 'lower' | 'no clear lean';

export interface TraitStats {
  texts: number;
  skipped: number;
  words: number;
  scores: TraitScore[];
  /** Under MIN_WORDS_FOR_ESTIMATE the estimate is too noisy to read anything into. */
  enoughText: boolean;
}

/** Word-level studies needed thousands of words per person; below this we show counts but no lean. */
export const MIN_WORDS_FOR_ESTIMATE = 500;
/** A net rate within ±this (per 1,000 words) is read as no clear lean. */
export const LEAN_THRESHOLD_PER_THOUSAND = 2;

/** Lower-case words; mentions and links are not the user's own words. */
function wordsOf(text: string): string[] {
  const cleaned = text
    .replace(/https?:\/\/\S+/gi, ' ')
    .replace(/@[\w.]+/g, ' ')
    .replace(/[\u2018\u2019]/g, "'")
    .toLowerCase();
  return cleaned.match(/[a-z]+(?:'[a-z]+)*/g) ?? [];
}

function ranked(counts: Map<string, number>): Counted[] {
  return [...counts].map(([word, count]) => ({ word, count })).sort((a, b) => b.count - a.count || a.word.localeCompare(b.word));
}

/** Scores the texts against the lexicon, as a stream: memory grows with the lexicon, not the data. */
export async function computeTraits(posts: Iterable<PostRecord> | AsyncIterable<PostRecord>, lexicon: Lexicon): Promise<TraitStats> {
  // word → the lists it belongs to (a word may mark several traits, e.g. "hate").
  const index = new Map<string, { trait: Trait; side: 'higher' | 'lower' }[]>();
  for (const trait of TRAITS) {
    for (const side of ['higher', 'lower'] as const) {
      for (const word of lexicon.traits[trait][side]) index.set(word, [...(index.get(word) ?? []), { trait, side }]);
    }
  }
  const matches = Object.fromEntries(TRAITS.map((trait) => [trait, { higher: new Map<string, number>(), lower: new Map<string, number>() }])) as Record<
    Trait,
    { higher: Map<string, number>; lower: Map<string, number> }
  >;
  let texts = 0;
  let skipped = 0;
  let words = 0;

  for await (const post of posts) {
    const found = typeof post.text === 'string' ? wordsOf(post.text) : [];
    if (found.length === 0) {
      skipped++;
      continue;
    }
    texts++;
    words += found.length;
    for (const word of found) {
      for (const { trait, side } of index.get(word) ?? []) matches[trait][side].set(word, (matches[trait][side].get(word) ?? 0) + 1);
    }
  }

  const total = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + n, 0);
  const enoughText = words >= MIN_WORDS_FOR_ESTIMATE;
  const scores = TRAITS.map((trait): TraitScore => {
    const higher = total(matches[trait].higher);
    const lower = total(matches[trait].lower);
    const netPerThousand = words === 0 ? 0 : ((higher - lower) * 1000) / words;
    const lean: Lean = !enoughText || Math.abs(netPerThousand) <= LEAN_THRESHOLD_PER_THOUSAND ? 'no clear lean' : netPerThousand > 0 ? 'higher' : 'lower';
    return {
      trait,
      label: lexicon.traits[trait].label,
      higher,
      lower,
      netPerThousand,
      lean,
      higherWords: ranked(matches[trait].higher),
      lowerWords: ranked(matches[trait].lower),
    };
  });
  return { texts, skipped, words, scores, enoughText };
}
