// Turns the numbers into the result document the user sees, with the method and its limits.
import { ResultBuilder } from '@lockbox/analysis-sdk';
import { LEAN_THRESHOLD_PER_THOUSAND, MIN_WORDS_FOR_ESTIMATE, type Counted, type Lexicon, type TraitStats } from './traits';

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const formatCount = (value: number) => value.toLocaleString('en-US');
const listed = (words: readonly Counted[]) =>
  words.length === 0
    ? '—'
    : words
        .slice(0, 8)
        .map((w) => `${w.word} (${w.count})`)
        .join(', ');

export function traitsReport(stats: TraitStats, lexicon: Lexicon): ResultBuilder {
  const result = new ResultBuilder();
  const method = [
    '## Method',
    `Each trait has two short word lists that the Lockbox team curated (lexicon version ${lexicon.version}): words that published studies found more often in the writing of people who score **higher** on the trait, and words found more often in the writing of people who score **lower**. ` +
      `The analysis counts how often your posts use each list and reports **(higher − lower) per 1,000 words**. A rate beyond ±${LEAN_THRESHOLD_PER_THOUSAND} is shown as a lean; anything closer is *no clear lean*. Every matched word is listed below, so you can check the result yourself.`,
    '',
    '## Limits',
    '- This is **not a personality test** and not a clinical or validated measure. The studies found *small* correlations across thousands of people; for one person, word counts say far less.',
    `- It needs a lot of text: below ${formatCount(MIN_WORDS_FOR_ESTIMATE)} words no lean is shown at all. Short social posts, quotes, jokes and reposts all blur it.`,
    '- Single words lose context: "not happy" counts as "happy". The lexicon is small, English-only and has no population norms, so a "lean" compares you with zero, not with other people.',
    '- It runs offline on your own words only; nothing is sent anywhere.',
    '',
    '## Sources',
    ...lexicon.sources.map((source) => `- ${source}`),
  ].join('\n');

  if (stats.words === 0) {
    return result
      .summary('No text to analyse: the dataset has no social.posts records with words in them.')
      .markdown(
        'There was no text in the posts you shared, so there is nothing to estimate. Add a dataset with the text of your posts and run the analysis again.',
      )
      .metric('Words', 0, 'words')
      .markdown(method);
  }

  const leaning = stats.scores.filter((score) => score.lean !== 'no clear lean');
  result.summary(
    !stats.enoughText
      ? `${formatCount(stats.words)} words: too little text for an estimate (at least ${formatCount(MIN_WORDS_FOR_ESTIMATE)} needed); the matched words are listed.`
      : leaning.length === 0
        ? `${formatCount(stats.words)} words: no clear lean on any of the Big Five traits.`
        : `${formatCount(stats.words)} words; your writing leans ${leaning.map((score) => `${score.lean} on ${score.label.toLowerCase()}`).join(', ')}.`,
  );

  result.markdown(
    [
      '## How your words lean on the Big Five',
      `Measured over ${formatCount(stats.words)} words in ${formatCount(stats.texts)} posts.` +
        (stats.enoughText ? '' : ` That is under ${formatCount(MIN_WORDS_FOR_ESTIMATE)} words, so no lean is shown.`),
      '',
      ...stats.scores.map((score) => `- **${score.label}**: ${score.lean} (${round(score.netPerThousand)} per 1,000 words)`),
      ...(stats.skipped > 0 ? ['', `${formatCount(stats.skipped)} posts without text were left out.`] : []),
    ].join('\n'),
  );
  for (const score of stats.scores) result.metric(`${score.label} (net per 1,000 words)`, round(score.netPerThousand, 2));
  result.table(
    ['Trait', '"Higher" words', '"Lower" words', 'Net per 1,000 words', 'Lean', 'Matched "higher" words', 'Matched "lower" words'],
    stats.scores.map((score) => [
      score.label,
      score.higher,
      score.lower,
      round(score.netPerThousand, 2),
      score.lean,
      listed(score.higherWords),
      listed(score.lowerWords),
    ]),
  );
  result.barChart({
    title: 'Net lean per trait (per 1,000 words)',
    data: stats.scores.map((score) => ({ trait: score.label, net: round(score.netPerThousand, 2) })),
    x: 'trait',
    y: 'net',
    xTitle: 'Trait',
    yTitle: 'Higher − lower words per 1,000 words',
  });
  return result.markdown(method);
}
