import type { PostType } from '@lockbox/analysis-sdk';
import { type EntryParser, type ParsedItem, recordItem, skipItem } from '../export-format';
import { metaElements } from '../meta/meta-elements';
import { definedOnly, isObject, own, ownArray, ownString } from '../../text/json-values';
import { parseEpoch } from '../../text/timestamps';

// Instagram's JSON export. Timestamps are seconds since 1970; every string has been repaired from Meta's
// escaped UTF-8 before it is read here. Lists come either bare or under a key, depending on the vintage.

const BAD_TIMESTAMP = 'the timestamp is missing or not seconds since 1970 (a date from 1900 to 9999)';
const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value);

/**
 * One post (`posts_1.json`) or reel: `{media: [{uri, creation_timestamp, title}], title?, creation_timestamp?}`.
 * A multi-photo post keeps its caption and time on the outer object (its photos' titles are empty); a
 * single photo keeps them on its one media item.
 */
function instagramPostRecord(element: unknown, at: readonly number[], type: PostType = 'post'): ParsedItem {
  if (!isObject(element)) return skipItem('not_a_record', 'the element is not a post (not an object)', { element: at });
  const media = ownArray(element, 'media');
  const first = media.find(isObject);
  const timestamp = parseEpoch(own(element, 'creation_timestamp') ?? own(first, 'creation_timestamp'), 'seconds');
  if (timestamp === undefined) return skipItem('bad_timestamp', BAD_TIMESTAMP, { element: at });
  const text = nonEmpty(ownString(element, 'title')) ?? nonEmpty(ownString(first, 'title'));
  return recordItem(definedOnly({ kind: 'social.posts', timestamp, platform: 'instagram', type, text }), { element: at });
}

/** One story of `stories.json` (`ig_stories`): `{uri, creation_timestamp, title}`. */
function instagramStoryRecord(element: unknown, at: readonly number[]): ParsedItem {
  if (!isObject(element)) return skipItem('not_a_record', 'the element is not a story (not an object)', { element: at });
  const timestamp = parseEpoch(own(element, 'creation_timestamp'), 'seconds');
  if (timestamp === undefined) return skipItem('bad_timestamp', BAD_TIMESTAMP, { element: at });
  return recordItem(definedOnly({ kind: 'social.posts', timestamp, platform: 'instagram', type: 'story', text: nonEmpty(ownString(element, 'title')) }), {
    element: at,
  });
}

/** A value of the `string_map_data` shape: `{"Comment": {"value": …}, "Time": {"timestamp": …}}`. */
function mapValue(element: unknown, label: string, key: 'value' | 'timestamp'): unknown {
  return own(own(own(element, 'string_map_data'), label), key);
}

/**
 * One comment of `post_comments_1.json` (a bare list) or `post_comments.json` / `reels_comments.json`
 * (`comments_media_comments`, `comments_reels_comments`): the `string_map_data` shape, or the older
 * `string_list_data` one.
 */
function instagramCommentRecord(element: unknown, at: readonly number[]): ParsedItem {
  if (!isObject(element)) return skipItem('not_a_record', 'the element is not a comment (not an object)', { element: at });
  const listed = ownArray(element, 'string_list_data').find(isObject);
  const timestamp = parseEpoch(mapValue(element, 'Time', 'timestamp') ?? own(listed, 'timestamp'), 'seconds');
  if (timestamp === undefined) return skipItem('bad_timestamp', BAD_TIMESTAMP, { element: at });
  const comment = mapValue(element, 'Comment', 'value') ?? own(listed, 'value');
  const text = typeof comment === 'string' ? nonEmpty(comment) : undefined;
  return recordItem(definedOnly({ kind: 'social.comments', timestamp, platform: 'instagram', text }), { element: at });
}

// The liked post's shortcode, from its link: https://www.instagram.com/p/CxYz123/ (or /reel/…, /tv/…).
const POST_LINK = /^https:\/\/(?:www\.)?instagram\.com\/(?:[A-Za-z0-9._]+\/)?(?:p|reel|reels|tv)\/([A-Za-z0-9_-]{5,64})\/?(?:[?#].*)?$/;

function likedLink(element: unknown, listed: unknown): string | undefined {
  const href = ownString(listed, 'href');
  if (href !== undefined) return href;
  for (const label of ownArray(element, 'label_values')) {
    if (ownString(label, 'label') === 'URL') return ownString(label, 'href') ?? ownString(label, 'value');
  }
  return undefined;
}

/**
 * One like of `liked_posts.json` or `liked_comments.json`: the legacy shape (`likes_media_likes`,
 * `likes_comment_likes`: `{title, string_list_data: [{href, value, timestamp}]}`) or the newer bare list of
 * `{timestamp, label_values: [{label: "URL", value, href}, …], fbid}`. The id is the liked post's shortcode.
 */
function instagramLikeRecord(element: unknown, at: readonly number[]): ParsedItem {
  if (!isObject(element)) return skipItem('not_a_record', 'the element is not a like (not an object)', { element: at });
  const listed = ownArray(element, 'string_list_data').find(isObject);
  const timestamp = parseEpoch(own(listed, 'timestamp') ?? own(element, 'timestamp'), 'seconds');
  if (timestamp === undefined) return skipItem('bad_timestamp', BAD_TIMESTAMP, { element: at });
  const id = POST_LINK.exec(likedLink(element, listed) ?? '')?.[1];
  return recordItem(definedOnly({ kind: 'social.reactions', timestamp, platform: 'instagram', reaction: 'like', id }), { element: at });
}

function instagramParser(paths: readonly (readonly string[])[], record: (element: unknown, at: readonly number[]) => ParsedItem): EntryParser {
  return async function* (input, context) {
    for await (const element of metaElements(input, context, paths)) {
      yield element.kind === 'report' ? element.item : record(element.value, element.at);
    }
  };
}

export const parseInstagramPosts = instagramParser([['*'], ['ig_posts', '*']], (element, at) => instagramPostRecord(element, at));
export const parseInstagramReels = instagramParser([['ig_reels_media', '*'], ['*']], (element, at) => instagramPostRecord(element, at));
export const parseInstagramStories = instagramParser([['ig_stories', '*'], ['*']], instagramStoryRecord);
export const parseInstagramComments = instagramParser([['*'], ['comments_media_comments', '*'], ['comments_reels_comments', '*']], instagramCommentRecord);
export const parseInstagramLikes = instagramParser([['*'], ['likes_media_likes', '*'], ['likes_comment_likes', '*']], instagramLikeRecord);
