// An interactive word cloud: each word sized by its weight, a button a keyboard reaches, and its weight
// shown on hover or focus (and read out with the word). Words are React text.
import { useMemo } from 'react';
import type { WordcloudBlock } from '@lockbox/analysis-sdk';
import { formatNumber } from '../lib/format';

const MIN_EM = 0.9;
const MAX_EM = 2.6;

/** The font size of each word, in em, from its weight: square-root scaled between the smallest and largest. */
export function wordSizes(weights: number[]): number[] {
  const finite = weights.map((weight) => (Number.isFinite(weight) && weight > 0 ? weight : 0));
  const max = Math.max(0, ...finite);
  if (max === 0) return finite.map(() => MIN_EM);
  return finite.map((weight) => MIN_EM + (MAX_EM - MIN_EM) * Math.sqrt(weight / max));
}

export function WordCloud({ block }: { block: WordcloudBlock }) {
  const words = useMemo(() => block.words.filter((word) => typeof word?.text === 'string' && typeof word.weight === 'number'), [block.words]);
  const sizes = useMemo(() => wordSizes(words.map((word) => word.weight)), [words]);
  if (words.length === 0) return <p className="muted">No words.</p>;
  return (
    <figure className="wordcloud">
      <figcaption>Word cloud: hover or focus a word to see its weight</figcaption>
      <ul>
        {words.map((word, index) => (
          <li key={index}>
            <button
              type="button"
              className="word"
              style={{ fontSize: `${(sizes[index] ?? MIN_EM).toFixed(2)}em` }}
              aria-label={`${word.text}, weight ${formatNumber(word.weight)}`}
            >
              <span aria-hidden="true">{word.text}</span>
              <span className="word-weight" aria-hidden="true">
                weight {formatNumber(word.weight)}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </figure>
  );
}
