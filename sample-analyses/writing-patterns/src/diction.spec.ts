import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRecord, validateManifest, validateRecord, validateResult, type SocialPost } from '@lockbox/analysis-sdk';
import manifest from '../lockbox.json';
import { STOP_WORDS, computeDiction, fleschBand, syllables, type PostRecord } from './diction';
import { dictionReport } from './report';

const fixturesDir = join(__dirname, '..', 'fixtures');
const fixtureText = readFileSync(join(fixturesDir, 'posts.jsonl'), 'utf8');
const fixture = fixtureText
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as SocialPost);

/**
 * An independent reference: a character-by-character scanner (no regular expressions), its own
 * syllable count, and n-grams from sliding windows over whole sentences.
 */
function reference(texts: string[]) {
  const isLetter = (c: string) => c >= 'a' && c <= 'z';
  const vowels = 'aeiouy';
  const countSyllables = (word: string) => {
    const w = word.split("'").join('');
    let groups = 0;
    for (let i = 0; i < w.length; i++) if (vowels.includes(w[i]!) && (i === 0 || !vowels.includes(w[i - 1]!))) groups++;
    if (w.length > 2 && w[w.length - 1] === 'e' && w[w.length - 2] !== 'l' && groups > 1) groups--;
    return groups < 1 ? 1 : groups;
  };
  const sentences: string[][] = [];
  for (const raw of texts) {
    const words = raw.split(/\s+/).filter((token) => !token.startsWith('@') && !token.startsWith('http'));
    let current: string[] = [];
    for (const token of words) {
      const lower = token.toLowerCase().split('\u2019').join("'");
      let word = '';
      for (let i = 0; i < lower.length; i++) {
        const c = lower[i]!;
        if (isLetter(c) || (c === "'" && word !== '' && isLetter(lower[i + 1] ?? ''))) word += c;
        else {
          if (word) current.push(word);
          word = '';
          if (c === '.' || c === '!' || c === '?') {
            if (current.length) sentences.push(current);
            current = [];
          }
        }
      }
      if (word) current.push(word);
    }
    if (current.length) sentences.push(current);
  }
  const all = sentences.flat();
  const counts: Record<string, number> = {};
  for (const word of all) counts[word] = (counts[word] ?? 0) + 1;
  const ngrams = (n: number) => {
    const found: Record<string, number> = {};
    for (const sentence of sentences) {
      for (let i = 0; i + n <= sentence.length; i++) {
        const window = sentence.slice(i, i + n);
        if (window.every((w) => !STOP_WORDS.has(w))) found[window.join(' ')] = (found[window.join(' ')] ?? 0) + 1;
      }
    }
    return found;
  };
  const ranked = (found: Record<string, number>) => Object.entries(found).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  const syllableTotal = all.reduce((sum, word) => sum + countSyllables(word), 0);
  const lengths = sentences.map((s) => s.length);
  const between = (min: number, max: number) => lengths.filter((n) => n >= min && n <= max).length;
  return {
    words: all.length,
    sentences: sentences.length,
    syllables: syllableTotal,
    distinct: Object.keys(counts).length,
    hapax: Object.values(counts).filter((n) => n === 1).length,
    flesch: 206.835 - 1.015 * (all.length / sentences.length) - 84.6 * (syllableTotal / all.length),
    topWords: ranked(Object.fromEntries(Object.entries(counts).filter(([w]) => !STOP_WORDS.has(w)))),
    bigrams: ranked(ngrams(2)),
    trigrams: ranked(ngrams(3)),
    buckets: [between(1, 5), between(6, 10), between(11, 15), between(16, 20), between(21, 30), between(31, Infinity)],
  };
}

async function* stream<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe('the fixture', () => {
  it('holds 150 canonical social.posts records, a few without text', () => {
    expect(fixture).toHaveLength(150);
    for (const line of fixtureText.trim().split('\n')) expect(validateRecord(line)).toMatchObject({ ok: true });
    expect(fixture.filter((post) => post.text === undefined).length).toBe(6);
  });

  it('is what generate.mjs produces, byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'writing-patterns-fixture-'));
    try {
      execFileSync(process.execPath, [join(fixturesDir, 'generate.mjs'), join(dir, 'posts.jsonl')]);
      expect(readFileSync(join(dir, 'posts.jsonl'), 'utf8')).toBe(fixtureText);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('computeDiction', () => {
  it('matches an independent computation over the fixture', async () => {
    const expected = reference(fixture.flatMap((post) => (post.text === undefined ? [] : [post.text])));
    const stats = await computeDiction(fixture, { topN: 10 });
    expect(stats).toMatchObject({
      texts: 144,
      skipped: 6,
      words: expected.words,
      sentences: expected.sentences,
      syllables: expected.syllables,
      distinctWords: expected.distinct,
      hapaxWords: expected.hapax,
    });
    expect(stats.typeTokenRatio).toBeCloseTo(expected.distinct / expected.words, 10);
    expect(stats.hapaxRatio).toBeCloseTo(expected.hapax / expected.distinct, 10);
    expect(stats.fleschReadingEase).toBeCloseTo(expected.flesch, 10);
    expect(stats.topWords).toEqual(expected.topWords.slice(0, 10).map(([text, count]) => ({ text, count })));
    expect(stats.topBigrams).toEqual(expected.bigrams.slice(0, 10).map(([text, count]) => ({ text, count })));
    expect(stats.topTrigrams).toEqual(expected.trigrams.slice(0, 10).map(([text, count]) => ({ text, count })));
    expect(stats.sentenceLengths.map((bucket) => bucket.sentences)).toEqual(expected.buckets);
    expect(expected.buckets.reduce((a, b) => a + b, 0)).toBe(expected.sentences);
  });

  it('gives the same numbers for consented-only records, read as a stream', async () => {
    const consented = fixture.map((post) => projectRecord(post, manifest.scopes['social.posts']) as PostRecord);
    expect(await computeDiction(stream(consented))).toEqual(await computeDiction(fixture));
  });

  it('counts a small text exactly', async () => {
    const stats = await computeDiction([{ kind: 'social.posts', text: 'The cat sat. @bob The cat ran away! See https://x.org/a' }]);
    // "the cat sat" | "the cat ran away" | "see": 8 words, 3 sentences, 6 distinct.
    expect(stats).toMatchObject({ words: 8, sentences: 3, distinctWords: 6, hapaxWords: 4, texts: 1 });
    expect(stats.topWords.slice(0, 1)).toEqual([{ text: 'cat', count: 2 }]);
    expect(stats.topBigrams).toEqual([]); // "cat sat", "cat ran", "ran away" occur once each
  });

  it('estimates syllables with the vowel-group rule', () => {
    expect(['the', 'cat', 'community', 'weather', 'table', 'make', 'rhythm', "don't"].map(syllables)).toEqual([1, 1, 4, 2, 2, 1, 1, 1]);
  });

  it('handles no text', async () => {
    const stats = await computeDiction([{ kind: 'social.posts' }, { kind: 'social.posts', text: '!!! ...' }]);
    expect(stats).toMatchObject({ texts: 0, skipped: 2, words: 0, fleschReadingEase: null, topWords: [] });
    const doc = dictionReport(stats).build();
    expect(doc.summary).toMatch(/^No text to analyse/);
  });
});

describe('the report', () => {
  it('validates, and states the headline numbers', async () => {
    const stats = await computeDiction(fixture);
    const doc = dictionReport(stats).build();
    expect(validateResult(doc)).toEqual({ ok: true, result: doc });
    const metric = (label: string) => doc.blocks.find((block) => block.type === 'metric' && block.label === label);
    expect(metric('Words')).toMatchObject({ value: stats.words });
    expect(metric('Flesch reading ease')).toMatchObject({ value: Math.round(stats.fleschReadingEase! * 10) / 10 });
    expect(doc.blocks.some((block) => block.type === 'wordcloud')).toBe(true);
    expect(doc.blocks.some((block) => block.type === 'chart')).toBe(true);
    expect(doc.summary).toContain(fleschBand(stats.fleschReadingEase!));
  });

  it('comes with a manifest the platform accepts', () => {
    expect(validateManifest(manifest)).toMatchObject({ ok: true });
  });
});
