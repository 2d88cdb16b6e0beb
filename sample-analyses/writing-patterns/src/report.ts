// Turns the numbers into the result document the user sees.
import { ResultBuilder } from '@lockbox/analysis-sdk';
import { fleschBand, type Counted, type DictionStats } from './diction';

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const formatCount = (value: number) => value.toLocaleString('en-US');

const rows = (items: readonly Counted[]) => items.map((item, index) => [index + 1, item.text, item.count]);

export function dictionReport(stats: DictionStats): ResultBuilder {
  const result = new ResultBuilder();
  if (stats.words === 0 || stats.fleschReadingEase === null) {
    return result
      .summary('No text to analyse: the dataset has no social.posts records with words in them.')
      .markdown(
        'There was no text in the posts you shared, so there is nothing to measure yet. Add a dataset with the text of your posts and run the analysis again.',
      )
      .metric('Words', 0, 'words');
  }

  const flesch = round(stats.fleschReadingEase, 1);
  const band = fleschBand(stats.fleschReadingEase);
  const favourite = stats.topWords[0];
  result.summary(
    `${formatCount(stats.words)} words in ${formatCount(stats.texts)} posts; ` +
      `${round(stats.averageSentenceWords, 1)} words per sentence, reading ease ${flesch} (${band})` +
      (favourite ? `; your most used word is “${favourite.text}”.` : '.'),
  );

  result.markdown(
    [
      '## Your writing patterns',
      `Measured over the text of ${formatCount(stats.texts)} posts: ${formatCount(stats.words)} words in ${formatCount(stats.sentences)} sentences. ` +
        'Mentions (@name) and links are left out; a sentence ends at ".", "!", "?" or a line break.',
      '',
      '**Vocabulary richness.** The *type-token ratio* is distinct words ÷ all words: the share of your words that are new. ' +
        'It falls as a text grows, so compare it only between samples of similar size. The *hapax ratio* is the share of your distinct words that you used exactly once.',
      '',
      `**Readability.** The Flesch reading ease is 206.835 − 1.015 × (words per sentence) − 84.6 × (syllables per word). ` +
        `Higher is easier: 60–70 is plain English, above 80 is easy, below 30 reads like academic prose. Yours is **${flesch}**, which is *${band}*. ` +
        'Syllables are estimated from vowel groups, and short social posts score higher than long prose, so read it as a guide.',
      '',
      'Top words and phrases leave out common function words ("the", "and", "I", …); a phrase is a run of two or three such content words within a sentence, listed when it occurs more than once.',
      ...(stats.skipped > 0 ? ['', `${formatCount(stats.skipped)} posts without text were left out.`] : []),
    ].join('\n'),
  );

  result
    .metric('Words', stats.words, 'words')
    .metric('Sentences', stats.sentences, 'sentences')
    .metric('Distinct words', stats.distinctWords, 'words')
    .metric('Type-token ratio', round(stats.typeTokenRatio, 3))
    .metric('Hapax ratio', round(stats.hapaxRatio, 3))
    .metric('Average sentence length', round(stats.averageSentenceWords, 1), 'words')
    .metric('Average syllables per word', round(stats.averageSyllablesPerWord, 2), 'syllables')
    .metric('Flesch reading ease', flesch);

  if (stats.cloud.length > 0) result.wordcloud(stats.cloud.map((word) => ({ text: word.text, weight: word.count })));
  result.table(['Rank', 'Word', 'Uses'], rows(stats.topWords));
  if (stats.topBigrams.length > 0) result.table(['Rank', 'Two-word phrase', 'Uses'], rows(stats.topBigrams));
  if (stats.topTrigrams.length > 0) result.table(['Rank', 'Three-word phrase', 'Uses'], rows(stats.topTrigrams));

  result.barChart({
    title: 'Sentence length',
    data: stats.sentenceLengths.map((bucket) => ({ words: bucket.label, sentences: bucket.sentences })),
    x: 'words',
    y: 'sentences',
    xTitle: 'Words per sentence',
    yTitle: 'Sentences',
  });
  return result;
}
