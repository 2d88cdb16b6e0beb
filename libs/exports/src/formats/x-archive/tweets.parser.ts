import type { PostType } from '@lockbox/analysis-sdk';
import { type EntryParser, type ParsedItem, recordItem, skipItem } from '../export-format';
import { definedOnly, isObject, own, ownString, parseCount } from '../../text/json-values';
import { parseXCreatedAt } from '../../text/timestamps';
import { readableText, tweetLinks } from './tweet-text';
import { xElements } from './x-elements';

/** 2022+ archives wrap each tweet as `{"tweet": {…}}`; older ones list the tweet objects bare. */
function unwrap(element: unknown): unknown {
  const wrapped = own(element, 'tweet');
  return isObject(wrapped) ? wrapped : element;
}

function postType(tweet: unknown, text: string): PostType {
  // The archive marks a retweet only by its text ("RT @name: …"); older ones also keep retweeted_status.
  if (text.startsWith('RT @') || isObject(own(tweet, 'retweeted_status'))) return 'repost';
  const repliedTo = own(tweet, 'in_reply_to_status_id_str') ?? own(tweet, 'in_reply_to_status_id');
  if ((typeof repliedTo === 'string' && repliedTo !== '') || typeof repliedTo === 'number') return 'reply';
  return 'post';
}

function tweetRecord(element: unknown, at: readonly number[]): ParsedItem {
  const tweet = unwrap(element);
  const rawText = ownString(tweet, 'full_text') ?? ownString(tweet, 'text');
  const createdAt = ownString(tweet, 'created_at');
  if (!isObject(tweet) || (rawText === undefined && createdAt === undefined)) {
    return skipItem('not_a_tweet', 'the element is not a tweet (no full_text or created_at)', { element: at });
  }
  const timestamp = createdAt === undefined ? undefined : parseXCreatedAt(createdAt);
  if (timestamp === undefined) {
    return skipItem('bad_timestamp', 'created_at is missing or not a date as X writes it (e.g. Sat Jun 06 13:02:35 +0000 2020)', { element: at });
  }
  const text = rawText === undefined ? undefined : readableText(rawText, tweetLinks(tweet));
  return recordItem(
    definedOnly({
      kind: 'social.posts',
      timestamp,
      platform: 'x',
      type: postType(tweet, text ?? ''),
      text,
      likes: parseCount(own(tweet, 'favorite_count')),
      shares: parseCount(own(tweet, 'retweet_count')),
      id: ownString(tweet, 'id_str') ?? ownString(tweet, 'id'),
    }),
    { element: at },
  );
}

/** `tweets.js`, `tweets-part1.js` … (2022+), `tweet.js` (older): the person's own tweets, retweets and replies. */
export const parseTweets: EntryParser = async function* (input, context) {
  for await (const element of xElements(input, context)) {
    yield element.ok ? tweetRecord(element.value, element.at) : element.skip;
  }
};
