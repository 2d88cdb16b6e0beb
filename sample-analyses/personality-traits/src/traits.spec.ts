import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRecord, validateManifest, validateRecord, validateResult, type SocialPost } from '@lockbox/analysis-sdk';
import lexiconJson from '../lexicon.json';
import manifest from '../lockbox.json';
import { traitsReport } from './report';
import { MIN_WORDS_FOR_ESTIMATE, TRAITS, computeTraits, type Lexicon, type PostRecord } from './traits';

const lexicon = lexiconJson as Lexicon;
const fixturesDir = join(__dirname, '..', 'fixtures');
const fixtureText = readFileSync(join(fixturesDir, 'posts.jsonl'), 'utf8');
const fixture = fixtureText
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as SocialPost);

/**
 * An independent reference for the fixture (plain words, no mentions, links or apostrophes): counts each
 * lexicon word with its own whole-word regular expression over all the text.
 */
function reference(texts: string[]) {
  const all = texts.join('\n').toLowerCase();
  const words = all.split(/[^a-z]+/).filter((word) => word !== '').length;
  const occurrences = (word: string) => (all.match(new RegExp(`(?<![a-z])${word}(?![a-z])`, 'g')) ?? []).length;
  return {
    words,
    traits: Object.fromEntries(
      TRAITS.map((trait) => {
        const higher = lexicon.traits[trait].higher.reduce((sum, word) => sum + occurrences(word), 0);
        const lower = lexicon.traits[trait].lower.reduce((sum, word) => sum + occurrences(word), 0);
        return [trait, { higher, lower, net: ((higher - lower) / words) * 1000 }];
      }),
    ),
  };
}

async function* stream<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe('the lexicon', () => {
  it('has a few dozen single lower-case words per trait, no word on both sides of a trait, and its sources', () => {
    expect(Object.keys(lexicon.traits).sort()).toEqual([...TRAITS].sort());
    for (const trait of TRAITS) {
      const { higher, lower } = lexicon.traits[trait];
      expect(higher.length + lower.length).toBeGreaterThanOrEqual(30);
      for (const word of [...higher, ...lower]) expect(word).toMatch(/^[a-z]+$/);
      expect(new Set([...higher, ...lower]).size).toBe(higher.length + lower.length);
    }
    expect(lexicon.sources.join(' ')).toMatch(/Yarkoni.*2010.*Schwartz.*2013.*Pennebaker.*1999/s);
  });
});

describe('the fixture', () => {
  it('holds 120 canonical social.posts records, a few without text', () => {
    expect(fixture).toHaveLength(120);
    for (const line of fixtureText.trim().split('\n')) expect(validateRecord(line)).toMatchObject({ ok: true });
    expect(fixture.filter((post) => post.text === undefined)).toHaveLength(6);
  });

  it('is what generate.mjs produces, byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'personality-traits-fixture-'));
    try {
      execFileSync(process.execPath, [join(fixturesDir, 'generate.mjs'), join(dir, 'posts.jsonl')]);
      expect(readFileSync(join(dir, 'posts.jsonl'), 'utf8')).toBe(fixtureText);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('computeTraits', () => {
  it('matches an independent computation over the fixture', async () => {
    const expected = reference(fixture.flatMap((post) => (post.text === undefined ? [] : [post.text])));
    const stats = await computeTraits(fixture, lexicon);
    expect(stats).toMatchObject({ texts: 114, skipped: 6, words: expected.words, enoughText: true });
    for (const score of stats.scores) {
      const want = expected.traits[score.trait]!;
      expect({ trait: score.trait, higher: score.higher, lower: score.lower }).toEqual({ trait: score.trait, higher: want.higher, lower: want.lower });
      expect(score.netPerThousand).toBeCloseTo(want.net, 10);
      expect(score.higherWords.reduce((sum, w) => sum + w.count, 0)).toBe(want.higher);
    }
    // The fixture's writer thanks people a lot and writes about art and plans: those lean higher.
    expect(stats.scores.find((s) => s.trait === 'agreeableness')!.lean).toBe('higher');
    expect(stats.scores.find((s) => s.trait === 'openness')!.lean).toBe('higher');
  });

  it('gives the same numbers for consented-only records, read as a stream', async () => {
    const consented = fixture.map((post) => projectRecord(post, manifest.scopes['social.posts']) as PostRecord);
    expect(await computeTraits(stream(consented), lexicon)).toEqual(await computeTraits(fixture, lexicon));
  });

  it('counts a word in every trait it marks, and ignores mentions and links', async () => {
    const stats = await computeTraits([{ kind: 'social.posts', text: 'I hate Mondays @happy https://thanks.example/grateful' }], lexicon);
    expect(stats.words).toBe(3);
    const by = Object.fromEntries(stats.scores.map((s) => [s.trait, s]));
    expect(by.agreeableness).toMatchObject({ higher: 0, lower: 1 });
    expect(by.neuroticism).toMatchObject({ higher: 1, lower: 0 });
    // Far too little text for a lean.
    expect(stats.enoughText).toBe(false);
    expect(stats.scores.every((s) => s.lean === 'no clear lean')).toBe(true);
  });

  it('handles no text', async () => {
    const stats = await computeTraits([{ kind: 'social.posts' }], lexicon);
    expect(stats).toMatchObject({ texts: 0, skipped: 1, words: 0 });
    expect(traitsReport(stats, lexicon).build().summary).toMatch(/^No text to analyse/);
  });
});

describe('the report', () => {
  it('validates, states its method, limits and sources, and the numbers', async () => {
    const stats = await computeTraits(fixture, lexicon);
    const doc = traitsReport(stats, lexicon).build();
    expect(validateResult(doc)).toEqual({ ok: true, result: doc });
    const text = doc.blocks.flatMap((block) => (block.type === 'markdown' ? [block.text] : [])).join('\n');
    expect(text).toContain('## Method');
    expect(text).toContain('not a personality test');
    expect(text).toContain(`below ${MIN_WORDS_FOR_ESTIMATE} words`);
    expect(text).toContain('Yarkoni, T. (2010)');
    const openness = stats.scores.find((s) => s.trait === 'openness')!;
    expect(doc.blocks.find((block) => block.type === 'metric' && block.label === 'Openness (net per 1,000 words)')).toMatchObject({
      value: Math.round(openness.netPerThousand * 100) / 100,
    });
  });

  it('comes with a manifest the platform accepts', () => {
    expect(validateManifest(manifest)).toMatchObject({ ok: true });
  });
});
