// The analysis itself, as pure logic: texts in, plain numbers out. No I/O, so it is easy to test.
import type { ConsentedRecord } from '@lockbox/analysis-sdk';

export type PostRecord = ConsentedRecord<'social.posts'>;

export interface DictionParams {
  /** How many top words, bigrams and trigrams to report (default 20). */
  topN?: number;
}

export interface Counted {
  text: string;
  count: number;
}

export interface SentenceLengthBucket {
  label: string;
  /** Inclusive word counts; max null = no upper bound. */
  min: number;
  max: number | null;
  sentences: number;
}

export interface DictionStats {
  texts: number;
  /** Records without text (or with text that has no words). */
  skipped: number;
  words: number;
  sentences: number;
  syllables: number;
  /** Distinct words (types). */
  distinctWords: number;
  /** Words used exactly once. */
  hapaxWords: number;
  /** distinctWords / words; 0 with no words. */
  typeTokenRatio: number;
  /** hapaxWords / distinctWords; 0 with no words. */
  hapaxRatio: number;
  averageSentenceWords: number;
  averageSyllablesPerWord: number;
  /** 206.835 − 1.015 × words/sentence − 84.6 × syllables/word; null with no words. */
  fleschReadingEase: number | null;
  topWords: Counted[];
  /** The 100 most used content words, for the word cloud. */
  cloud: Counted[];
  topBigrams: Counted[];
  topTrigrams: Counted[];
  sentenceLengths: SentenceLengthBucket[];
}

/** Common English function words: left out of top words and n-grams (not of the counts above). */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him himself ' +
    'his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ' +
    'ourselves out over own same she should so some such than that the their theirs them themselves then there these they this ' +
    'those through to too under until up very was we were what when where which while who whom why will with would you your ' +
    "yours yourself yourselves i'm i've i'll i'd it's that's don't can't won't isn't didn't doesn't you're we're they're let's " +
    'also get got im ive dont cant rt'
  ).split(' '),
);

const SENTENCE_LENGTH_BUCKETS: readonly { label: string; min: number; max: number | null }[] = [
  { label: '1–5', min: 1, max: 5 },
  { label: '6–10', min: 6, max: 10 },
  { label: '11–15', min: 11, max: 15 },
  { label: '16–20', min: 16, max: 20 },
  { label: '21–30', min: 21, max: 30 },
  { label: '31+', min: 31, max: null },
];

/** Mentions, links and hashtags' "#" are not the user's diction. */
function clean(text: string): string {
  return text
    .replace(/https?:\/\/\S+/gi, ' ')
    .replace(/@[\w.]+/g, ' ')
    .replace(/[\u2018\u2019]/g, "'")
    .toLowerCase();
}

/** Sentences end at . ! ? or a line break; each sentence is its list of words. */
function sentencesOf(text: string): string[][] {
  return clean(text)
    .split(/[.!?\n]+/)
    .map((sentence) => sentence.match(/[a-z]+(?:'[a-z]+)*/g) ?? [])
    .filter((words) => words.length > 0);
}

/** The usual English heuristic: vowel groups, less a silent final e, at least one. */
export function syllables(word: string): number {
  const letters = word.replace(/'/g, '');
  let groups = (letters.match(/[aeiouy]+/g) ?? []).length;
  if (letters.length > 2 && letters.endsWith('e') && !letters.endsWith('le') && groups > 1) groups--;
  return Math.max(1, groups);
}

function top(counts: Map<string, number>, n: number): Counted[] {
  return [...counts]
    .map(([text, count]) => ({ text, count }))
    .sort((a, b) => b.count - a.count || a.text.localeCompare(b.text))
    .slice(0, n);
}

const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

/** Reads texts as a stream; memory grows with the vocabulary, not with the number of posts. */
export async function computeDiction(posts: Iterable<PostRecord> | AsyncIterable<PostRecord>, params: DictionParams = {}): Promise<DictionStats> {
  const topN = params.topN ?? 20;
  const wordCounts = new Map<string, number>();
  const contentWords = new Map<string, number>();
  const bigrams = new Map<string, number>();
  const trigrams = new Map<string, number>();
  const buckets = SENTENCE_LENGTH_BUCKETS.map((bucket) => ({ ...bucket, sentences: 0 }));
  let texts = 0;
  let skipped = 0;
  let words = 0;
  let sentences = 0;
  let syllableTotal = 0;

  for await (const post of posts) {
    const found = typeof post.text === 'string' ? sentencesOf(post.text) : [];
    if (found.length === 0) {
      skipped++;
      continue;
    }
    texts++;
    for (const sentence of found) {
      sentences++;
      words += sentence.length;
      buckets.find((bucket) => sentence.length >= bucket.min && (bucket.max === null || sentence.length <= bucket.max))!.sentences++;
      sentence.forEach((word, index) => {
        syllableTotal += syllables(word);
        bump(wordCounts, word);
        if (STOP_WORDS.has(word)) return;
        bump(contentWords, word);
        // An n-gram is a run of content words within one sentence.
        const previous = sentence.slice(Math.max(0, index - 2), index);
        if (previous.length >= 1 && !STOP_WORDS.has(previous[previous.length - 1]!)) bump(bigrams, `${previous[previous.length - 1]} ${word}`);
        if (previous.length === 2 && !previous.some((w) => STOP_WORDS.has(w))) bump(trigrams, `${previous.join(' ')} ${word}`);
      });
    }
  }

  const distinctWords = wordCounts.size;
  const hapaxWords = [...wordCounts.values()].filter((count) => count === 1).length;
  const averageSentenceWords = sentences === 0 ? 0 : words / sentences;
  const averageSyllablesPerWord = words === 0 ? 0 : syllableTotal / words;
  return {
    texts,
    skipped,
    words,
    sentences,
    syllables: syllableTotal,
    distinctWords,
    hapaxWords,
    typeTokenRatio: words === 0 ? 0 : distinctWords / words,
    hapaxRatio: distinctWords === 0 ? 0 : hapaxWords / distinctWords,
    averageSentenceWords,
    averageSyllablesPerWord,
    fleschReadingEase: words === 0 ? null : 206.835 - 1.015 * averageSentenceWords - 84.6 * averageSyllablesPerWord,
    topWords: top(contentWords, topN),
    cloud: top(contentWords, 100),
    // A phrase seen once is not a pattern.
    topBigrams: top(bigrams, topN).filter((gram) => gram.count > 1),
    topTrigrams: top(trigrams, topN).filter((gram) => gram.count > 1),
    sentenceLengths: buckets,
  };
}

/** The conventional bands of the Flesch reading-ease score. */
export function fleschBand(score: number): string {
  if (score >= 90) return 'very easy';
  if (score >= 80) return 'easy';
  if (score >= 70) return 'fairly easy';
  if (score >= 60) return 'plain English';
  if (score >= 50) return 'fairly difficult';
  if (score >= 30) return 'difficult';
  return 'very difficult';
}
