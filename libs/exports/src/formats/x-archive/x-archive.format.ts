import type { EntryRole, ExportFormat, FormatPlan } from '../export-format';
import { accountParser, messagesParser, type XAccount } from './direct-messages.parser';
import { parseLikes } from './likes.parser';
import { parseTweets } from './tweets.parser';

// An X archive keeps its data as JavaScript files in data/ (2019 and later; at the root in some older
// ones), each possibly split into parts: tweets.js, tweets-part1.js, …
const DATA_FILE = /^(?:data\/)?([a-z0-9-]+?)(?:-part([0-9]{1,4}))?\.js$/;

const ACCOUNT_ORDER = 0;
const TWEETS_ORDER = 1;
const LIKES_ORDER = 2;
const MESSAGES_ORDER = 3;
const GROUP_MESSAGES_ORDER = 4;

function order(group: number, part: string | undefined): number {
  return group * 10_000 + (part === undefined ? 0 : Number(part));
}

const NOT_IMPORTED: Record<string, string> = {
  manifest: "the archive's table of contents",
  'deleted-tweets': 'tweets the person deleted are not imported',
  'deleted-tweet-headers': 'tweets the person deleted are not imported',
  'tweet-headers': 'the same tweets as tweets.js, without their text',
  'direct-message-headers': 'the same messages as direct-messages.js, without their text',
  'direct-message-group-headers': 'the same messages as direct-messages-group.js, without their text',
  'note-tweet': 'long-form tweet texts are not imported yet',
};

function dataFileRole(base: string, part: string | undefined, account: XAccount): EntryRole {
  switch (base) {
    case 'account':
      return { read: { part: 'account', order: order(ACCOUNT_ORDER, part), parse: accountParser(account) } };
    case 'tweets':
    case 'tweet':
      return { read: { part: 'tweets', order: order(TWEETS_ORDER, part), parse: parseTweets } };
    case 'like':
      return { read: { part: 'likes', order: order(LIKES_ORDER, part), parse: parseLikes } };
    case 'direct-messages':
      return { read: { part: 'direct-messages', order: order(MESSAGES_ORDER, part), parse: messagesParser(account) } };
    case 'direct-messages-group':
      return { read: { part: 'direct-messages-group', order: order(GROUP_MESSAGES_ORDER, part), parse: messagesParser(account) } };
    default:
      return { notImported: NOT_IMPORTED[base] ?? 'a part of an X archive that Lockbox does not import' };
  }
}

function roleOf(name: string, account: XAccount): EntryRole | undefined {
  const match = DATA_FILE.exec(name);
  if (match) return dataFileRole(match[1]!, match[2], account);
  if (/^(?:data\/)?[a-z0-9_]+_media\//.test(name)) return { notImported: 'photos and videos are not imported' };
  if (name === 'Your archive.html' || name.startsWith('assets/')) return { notImported: "the archive's viewer" };
  if (name.startsWith('data/')) return { notImported: 'a part of an X archive that Lockbox does not import' };
  return undefined;
}

const SIGNS = [/^data\/manifest\.js$/, /^(?:data\/)?tweets?(?:-part[0-9]+)?\.js$/, /^(?:data\/)?like(?:-part[0-9]+)?\.js$/, /^(?:data\/)?direct-messages\.js$/];

function detect(names: readonly string[]): string | undefined {
  const found = SIGNS.map((sign) => names.find((name) => sign.test(name))).filter((name): name is string => name !== undefined);
  if (found.length === 0) return undefined;
  const modern = names.includes('data/manifest.js') || names.some((name) => /^data\/tweets(?:-part[0-9]+)?\.js$/.test(name));
  const atRoot = found.every((name) => !name.startsWith('data/'));
  const layout = modern ? '2022+ layout' : atRoot ? 'older layout, files at the root' : 'older layout';
  return `${found.slice(0, 2).join(' and ')}: an X archive (${layout})`;
}

export const X_ARCHIVE: ExportFormat = {
  name: 'x-archive',
  detect,
  plan(): FormatPlan {
    // Read by account.js (first in the order), used by the messages parsers after it.
    const account: XAccount = {};
    return { roleOf: (name) => roleOf(name, account) };
  },
};
