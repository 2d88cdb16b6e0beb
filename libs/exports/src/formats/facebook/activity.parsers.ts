import { type EntryParser, type ParsedItem, recordItem, skipItem } from '../export-format';
import { metaElements } from '../meta/meta-elements';
import { definedOnly, isObject, own, ownArray, ownString } from '../../text/json-values';
import { parseEpoch } from '../../text/timestamps';

// Facebook's activity files list one element per post, comment or reaction: `timestamp` in seconds since
// 1970, the content in `data[]` (`{post}`, `{comment: {comment, timestamp, author}}`, `{reaction:
// {reaction, actor}}`), and a `title` that describes it in the account's language ("Jane commented on …").
// Every string has been repaired from Meta's escaped UTF-8 before it is read here.

const BAD_TIMESTAMP = 'timestamp is missing or not seconds since 1970 (a date from 1900 to 9999)';

/** The first non-empty string under `key` in the objects of `data[]`. */
function firstInData(element: unknown, key: string): string | undefined {
  for (const entry of ownArray(element, 'data')) {
    const found = ownString(entry, key);
    if (found !== undefined && found !== '') return found;
  }
  return undefined;
}

/** The first object under `key` in the objects of `data[]`. */
function firstObjectInData(element: unknown, key: string): unknown {
  for (const entry of ownArray(element, 'data')) {
    const found = own(entry, key);
    if (isObject(found)) return found;
  }
  return undefined;
}

/** One element of `your_posts_1.json` (older) or `your_posts__check_ins__photos_and_videos_1.json` (2024+). */
function facebookPostRecord(element: unknown, at: readonly number[]): ParsedItem {
  if (!isObject(element)) return skipItem('not_a_record', 'the element is not a post (not an object)', { element: at });
  const timestamp = parseEpoch(own(element, 'timestamp'), 'seconds');
  if (timestamp === undefined) return skipItem('bad_timestamp', BAD_TIMESTAMP, { element: at });
  // A photo or check-in without words is still a post: it is kept without text.
  return recordItem(definedOnly({ kind: 'social.posts', timestamp, platform: 'facebook', type: 'post', text: firstInData(element, 'post') }), { element: at });
}

/** One element of `comments.json`: the comment's own timestamp, else the element's. */
function facebookCommentRecord(element: unknown, at: readonly number[]): ParsedItem {
  if (!isObject(element)) return skipItem('not_a_record', 'the element is not a comment (not an object)', { element: at });
  const comment = firstObjectInData(element, 'comment');
  const timestamp = parseEpoch(own(comment, 'timestamp') ?? own(element, 'timestamp'), 'seconds');
  if (timestamp === undefined) return skipItem('bad_timestamp', BAD_TIMESTAMP, { element: at });
  const text = ownString(comment, 'comment');
  return recordItem(definedOnly({ kind: 'social.comments', timestamp, platform: 'facebook', text: text === '' ? undefined : text }), { element: at });
}

/** The reaction's name: `data[].reaction.reaction` ("LIKE", "Love"), or the `Reaction` label of the label_values shape. */
function reactionName(element: unknown): string | undefined {
  const named = ownString(firstObjectInData(element, 'reaction'), 'reaction');
  if (named !== undefined) return named;
  for (const label of ownArray(element, 'label_values')) {
    if (ownString(label, 'label') === 'Reaction') return ownString(label, 'value');
  }
  return undefined;
}

/**
 * One element of `posts_and_comments.json` (`reactions_v2`, older `reactions`), `likes_and_reactions_N.json`
 * (2024+) or `likes_and_reactions.json` (the label_values shape). The reaction is the export's name,
 * lowercased: like, love, haha, wow, sorry, anger, care. No export gives what was reacted to an id.
 */
function facebookReactionRecord(element: unknown, at: readonly number[]): ParsedItem {
  if (!isObject(element)) return skipItem('not_a_record', 'the element is not a reaction (not an object)', { element: at });
  const timestamp = parseEpoch(own(element, 'timestamp'), 'seconds');
  if (timestamp === undefined) return skipItem('bad_timestamp', BAD_TIMESTAMP, { element: at });
  const reaction = reactionName(element)?.trim().toLowerCase();
  if (reaction === undefined || reaction === '') return skipItem('missing_field', 'the element names no reaction', { element: at });
  return recordItem({ kind: 'social.reactions', timestamp, platform: 'facebook', reaction }, { element: at });
}

function activityParser(paths: readonly (readonly string[])[], record: (element: unknown, at: readonly number[]) => ParsedItem): EntryParser {
  return async function* (input, context) {
    for await (const element of metaElements(input, context, paths)) {
      yield element.kind === 'report' ? element.item : record(element.value, element.at);
    }
  };
}

export const parseFacebookPosts = activityParser([['*']], facebookPostRecord);
export const parseFacebookComments = activityParser(
  [
    ['comments_v2', '*'],
    ['comments', '*'],
  ],
  facebookCommentRecord,
);
export const parseFacebookReactions = activityParser([['reactions_v2', '*'], ['reactions', '*'], ['*']], facebookReactionRecord);
