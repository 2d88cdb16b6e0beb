import { unescapeHtml } from '../../text/html-entities';
import { isObject, own, ownArray, ownString } from '../../text/json-values';

// X shortens every link in a text to https://t.co/…, and lists each one with the link it stands for.
const TCO_LINK = /https?:\/\/t\.co\/[A-Za-z0-9]+/g;
const MAX_URL_CHARS = 4096;

function isWebUrl(value: string | undefined): value is string {
  return value !== undefined && value.length <= MAX_URL_CHARS && /^https?:\/\/\S+$/.test(value);
}

/** t.co link → expanded link, from a list of `{url, <expandedKey>}` objects. */
export function linkMap(entities: readonly unknown[], expandedKey: string): Map<string, string> {
  const links = new Map<string, string>();
  for (const entity of entities) {
    if (!isObject(entity)) continue;
    const short = ownString(entity, 'url');
    const expanded = ownString(entity, expandedKey);
    if (short !== undefined && isWebUrl(expanded)) links.set(short, expanded);
  }
  return links;
}

/** The links a tweet lists: `entities.urls`, and media in `entities.media` and `extended_entities.media`. */
export function tweetLinks(tweet: unknown): Map<string, string> {
  const entities = own(tweet, 'entities');
  const extended = own(tweet, 'extended_entities');
  return linkMap([...ownArray(entities, 'urls'), ...ownArray(entities, 'media'), ...ownArray(extended, 'media')], 'expanded_url');
}

/**
 * The text as written: HTML entities unescaped first (X writes `&amp;`), then each t.co link replaced by
 * the link it stands for. Only whole t.co links listed in the entities are replaced; others stay.
 */
export function readableText(raw: string, links: ReadonlyMap<string, string>): string {
  const text = unescapeHtml(raw);
  if (links.size === 0) return text;
  return text.replace(TCO_LINK, (short) => links.get(short) ?? short);
}
