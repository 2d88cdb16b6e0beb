import { type ParsedItem, noteItem, recordItem, skipItem } from '../export-format';
import { definedOnly, isObject, own, ownArray, ownString } from '../../text/json-values';
import { parseIsoTimestamp } from '../../text/timestamps';

// Google's activity records, the same shape in YouTube's watch-history.json and search-history.json and
// in every My Activity file: `{header, title, titleUrl?, subtitles?: [{name, url}], time, products?,
// details?, activityControls?}`. Titles and headers are in the account's language ("Watched …",
// "… angesehen"), so what an element is comes from its link, never from its words: a YouTube watch link
// is a watch, a YouTube results link or a Google search link is a search. A watch without a link is a
// video removed since (YouTube writes "Watched a video that has been removed", in the account's language).

const MAX_URL_CHARS = 2048;
const YOUTUBE_HOSTS = new Set(['www.youtube.com', 'youtube.com', 'm.youtube.com', 'music.youtube.com']);
const VIDEO_ID = /^[A-Za-z0-9_-]{6,64}$/;

// How YouTube words a watch in the account's language; the title is what the wording surrounds. A wording
// not listed leaves the title as exported. Portuguese and Chinese exports use the English wording.
const WATCH_WORDINGS: readonly RegExp[] = [
  /^Watched (.+)$/s,
  /^(.+) angesehen$/s,
  /^Vous avez regardé (.+)$/s,
  /^Has visto (.+)$/s,
  /^Hai guardato (.+)$/s,
  /^Je hebt naar (.+) gekeken$/s,
  /^Tittade på (.+)$/s,
  /^Så på (.+)$/s,
  /^Så (.+)$/s,
  /^Obejrzano: (.+)$/s,
  /^(.+) katsottiin$/s,
];

type Link = { kind: 'watch'; url: string; id: string } | { kind: 'search'; platform: 'youtube' | 'google'; query: string } | { kind: 'other' };

function parseUrl(value: string | undefined): URL | undefined {
  if (value === undefined || value.length > MAX_URL_CHARS || !/^https?:\/\//i.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function isGoogleHost(host: string): boolean {
  return /^(?:www\.)?google\.[a-z]{2,3}(?:\.[a-z]{2})?$/.test(host);
}

/** What an activity's link says it was. */
function classifyLink(titleUrl: string | undefined): Link | undefined {
  const url = parseUrl(titleUrl);
  if (!url) return undefined;
  const host = url.hostname.toLowerCase();
  if (YOUTUBE_HOSTS.has(host) || host === 'youtu.be') {
    let id: string | null | undefined;
    if (host === 'youtu.be') id = url.pathname.slice(1);
    else if (url.pathname === '/watch') id = url.searchParams.get('v');
    else if (url.pathname.startsWith('/shorts/')) id = url.pathname.slice('/shorts/'.length);
    if (id && VIDEO_ID.test(id)) return { kind: 'watch', url: titleUrl!, id };
    const query = url.pathname === '/results' ? url.searchParams.get('search_query') : null;
    if (query) return { kind: 'search', platform: 'youtube', query };
    return { kind: 'other' };
  }
  if (isGoogleHost(host) && url.pathname === '/search') {
    const query = url.searchParams.get('q');
    if (query) return { kind: 'search', platform: 'google', query };
  }
  return { kind: 'other' };
}

/** The video's title inside the activity's wording; undefined when the title is only the link again. */
function watchedTitle(title: string | undefined, url: string | undefined): string | undefined {
  if (title === undefined) return undefined;
  let inner = title;
  for (const wording of WATCH_WORDINGS) {
    const match = wording.exec(title);
    if (match) {
      inner = match[1]!;
      break;
    }
  }
  inner = inner.trim();
  // A video whose title YouTube no longer knows is listed by its link ("Watched https://www.youtube.com/watch?v=…").
  if (inner === '' || inner === url || /^https?:\/\/\S+$/.test(inner)) return undefined;
  return inner;
}

function isYouTube(element: unknown): boolean {
  const header = ownString(element, 'header') ?? '';
  return header.startsWith('YouTube') || ownArray(element, 'products').some((product) => product === 'YouTube');
}

/** One activity element: a watch, a search, or a note that it is another kind of activity. */
export function activityItem(element: unknown, at: readonly number[]): ParsedItem {
  if (!isObject(element)) return skipItem('not_a_record', 'the element is not an activity (not an object)', { element: at });
  const timestamp = parseIsoTimestamp(ownString(element, 'time') ?? '');
  if (timestamp === undefined) return skipItem('bad_timestamp', 'time is missing or not an ISO 8601 date-time', { element: at });
  // Google marks ads in `details` ("From Google Ads", in the account's language).
  if (ownArray(element, 'details').length > 0) return noteItem('not_imported', 'ads are not imported', { element: at });
  const titleUrl = ownString(element, 'titleUrl');
  const link = classifyLink(titleUrl);
  if (titleUrl === undefined && !Array.isArray(own(element, 'subtitles')) && isYouTube(element)) {
    return recordItem({ kind: 'media.watch', timestamp, platform: 'youtube', removed: true }, { element: at });
  }
  if (link?.kind === 'watch') {
    const channel = ownString(ownArray(element, 'subtitles').find(isObject), 'name')?.trim();
    return recordItem(
      definedOnly({
        kind: 'media.watch',
        timestamp,
        platform: 'youtube',
        title: watchedTitle(ownString(element, 'title'), titleUrl),
        url: link.url,
        channel: channel || undefined,
        id: link.id,
      }),
      { element: at },
    );
  }
  if (link?.kind === 'search') return recordItem({ kind: 'search.queries', timestamp, platform: link.platform, query: link.query }, { element: at });
  return noteItem('not_imported', 'activities other than watched videos and searches (visited pages, app use, …) are not imported', { element: at });
}
