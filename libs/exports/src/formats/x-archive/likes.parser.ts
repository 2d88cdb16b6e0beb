import { type EntryParser, type ParsedItem, recordItem, skipItem } from '../export-format';
import { isObject, own, ownString } from '../../text/json-values';
import { xElements } from './x-elements';

/**
 * `like.js`: `{"like": {"tweetId", "fullText", "expandedUrl"}}`. The export says nothing of when the like
 * was given, so the reaction has no timestamp. The liked tweet's text is someone else's words and has no
 * place in a reaction: it is not kept.
 */
function likeRecord(element: unknown, at: readonly number[]): ParsedItem {
  const wrapped = own(element, 'like');
  const like = isObject(wrapped) ? wrapped : element;
  const tweetId = ownString(like, 'tweetId');
  if (tweetId === undefined || tweetId === '') return skipItem('missing_field', 'the like has no tweetId', { element: at });
  return recordItem({ kind: 'social.reactions', platform: 'x', reaction: 'like', id: tweetId }, { element: at });
}

export const parseLikes: EntryParser = async function* (input, context) {
  for await (const element of xElements(input, context)) {
    yield element.ok ? likeRecord(element.value, element.at) : element.skip;
  }
};
