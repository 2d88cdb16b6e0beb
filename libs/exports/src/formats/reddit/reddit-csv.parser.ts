import { type EntryParser, type ParsedItem, recordItem, skipItem } from '../export-format';
import { unescapeHtml } from '../../text/html-entities';
import { parseUtcDateTime } from '../../text/timestamps';
import { csvTable } from './csv-table';

// Reddit's data request: one CSV per kind of thing, each with a header. The `ip` column of posts and
// comments is never read: it stays in the raw upload, as received, and never reaches a record. Texts are
// markdown with `&`, `<` and `>` escaped as entities, as Reddit stores them: they are unescaped.

type Get = (column: string) => string | undefined;

export interface RedditTable {
  part: string;
  required: readonly string[];
  toRecord(get: Get, line: number): ParsedItem;
}

const DATE_EXAMPLE = 'as Reddit writes it, e.g. 2014-08-27 00:59:46 UTC';

function dated(get: Get, line: number): string | ParsedItem {
  const date = get('date')?.trim() ?? '';
  return parseUtcDateTime(date) ?? skipItem('bad_timestamp', `date is missing or not a date ${DATE_EXAMPLE}`, { line });
}

function nativeId(get: Get): string | undefined {
  const id = get('id')?.trim();
  return id ? id : undefined;
}

/** posts.csv: id, permalink, date, ip, subreddit, gildings, title, url, body. */
const POSTS: RedditTable = {
  part: 'posts',
  required: ['id', 'date', 'title'],
  toRecord(get, line) {
    const timestamp = dated(get, line);
    if (typeof timestamp !== 'string') return timestamp;
    const title = unescapeHtml(get('title') ?? '');
    const body = unescapeHtml(get('body') ?? '');
    const text = body.trim() === '' ? title : `${title}\n\n${body}`;
    return recordItem({ kind: 'social.posts', timestamp, platform: 'reddit', type: 'post', text, id: nativeId(get) }, { line });
  },
};

/** comments.csv: id, permalink, date, ip, subreddit, gildings, link, parent, body, media. */
const COMMENTS: RedditTable = {
  part: 'comments',
  required: ['id', 'date', 'body'],
  toRecord(get, line) {
    const timestamp = dated(get, line);
    if (typeof timestamp !== 'string') return timestamp;
    return recordItem({ kind: 'social.comments', timestamp, platform: 'reddit', text: unescapeHtml(get('body') ?? ''), id: nativeId(get) }, { line });
  },
};

const DIRECTIONS: Record<string, string> = { up: 'upvote', down: 'downvote' };

/** post_votes.csv, comment_votes.csv: id, permalink, direction. A vote has no date in the export. */
function votes(part: string): RedditTable {
  return {
    part,
    required: ['id', 'direction'],
    toRecord(get, line) {
      const direction = (get('direction') ?? '').trim().toLowerCase();
      const reaction = Object.prototype.hasOwnProperty.call(DIRECTIONS, direction) ? DIRECTIONS[direction] : undefined;
      // "none" and "removed" are votes taken back: no reaction is left.
      if (reaction === undefined) return skipItem('not_a_reaction', `the vote's direction is "${direction.slice(0, 16)}", neither up nor down`, { line });
      const id = nativeId(get);
      if (id === undefined) return skipItem('missing_field', 'the vote has no id', { line });
      return recordItem({ kind: 'social.reactions', platform: 'reddit', reaction, id }, { line });
    },
  };
}

/** saved_posts.csv, saved_comments.csv: id, permalink. Saving is kept as a reaction `save`, without a date. */
function saves(part: string): RedditTable {
  return {
    part,
    required: ['id'],
    toRecord(get, line) {
      const id = nativeId(get);
      if (id === undefined) return skipItem('missing_field', 'the saved item has no id', { line });
      return recordItem({ kind: 'social.reactions', platform: 'reddit', reaction: 'save', id }, { line });
    },
  };
}

export const REDDIT_TABLES: Readonly<Record<string, RedditTable>> = {
  posts: POSTS,
  comments: COMMENTS,
  post_votes: votes('post_votes'),
  comment_votes: votes('comment_votes'),
  saved_posts: saves('saved_posts'),
  saved_comments: saves('saved_comments'),
};

export function redditParser(table: RedditTable): EntryParser {
  return async function* (input, context) {
    for await (const row of csvTable(input, context, table.required)) {
      if (!row.ok) yield row.skip;
      else {
        const item = table.toRecord(row.get, row.line);
        if (item.type === 'record') for (const key of Object.keys(item.record)) if (item.record[key] === undefined) delete item.record[key];
        yield item;
      }
    }
  };
}
