import type { EntryRole, ExportFormat, FormatPlan } from '../export-format';
import { REDDIT_TABLES, redditParser } from './reddit-csv.parser';

// A flat ZIP of CSV files; a long table comes split in parts: comments_1.csv, comments_2.csv, …
const CSV_FILE = /^([a-z_]+?)(?:_([0-9]{1,4}))?\.csv$/;
const READ_ORDER = Object.keys(REDDIT_TABLES);

const MESSAGES_WHY = "private messages are not imported yet: the export does not say which account is the person's, so sent cannot be told from received";
const HEADERS_WHY = 'the same rows as the full file, without their text; the full file is read';
const ACCOUNT_WHY = 'account details, not imported';

const NOT_IMPORTED: Record<string, string> = {
  messages: MESSAGES_WHY,
  messages_archive: MESSAGES_WHY,
  chat_history: MESSAGES_WHY,
  post_headers: HEADERS_WHY,
  comment_headers: HEADERS_WHY,
  message_headers: HEADERS_WHY,
  messages_archive_headers: HEADERS_WHY,
  checkfile: "the export's checksums",
  ip_logs: ACCOUNT_WHY,
  account_gender: ACCOUNT_WHY,
  birthdate: ACCOUNT_WHY,
  linked_identities: ACCOUNT_WHY,
  linked_phone_number: ACCOUNT_WHY,
  persona: ACCOUNT_WHY,
  stripe: ACCOUNT_WHY,
  twitter: ACCOUNT_WHY,
  statistics: ACCOUNT_WHY,
  user_preferences: ACCOUNT_WHY,
  sensitive_ads_preferences: ACCOUNT_WHY,
};

// Files of a Reddit export that hold nothing the canonical kinds have a place for yet.
const OTHER_KNOWN = [
  'announcements',
  'approved_submitter_subreddits',
  'drafts',
  'friends',
  'gilded_content',
  'gold_received',
  'hidden_posts',
  'moderated_subreddits',
  'multireddits',
  'payouts',
  'poll_votes',
  'purchases',
  'scheduled_posts',
  'subscribed_subreddits',
  'subscriptions',
];

function tableOf(name: string): { table: string; part: string | undefined } | undefined {
  const match = CSV_FILE.exec(name);
  return match ? { table: match[1]!, part: match[2] } : undefined;
}

const has = (table: Readonly<Record<string, unknown>>, name: string): boolean => Object.prototype.hasOwnProperty.call(table, name);

function isKnown(table: string): boolean {
  return has(REDDIT_TABLES, table) || has(NOT_IMPORTED, table) || OTHER_KNOWN.includes(table);
}

function roleOf(name: string): EntryRole | undefined {
  const found = tableOf(name);
  if (!found) return undefined;
  const { table, part } = found;
  if (has(REDDIT_TABLES, table)) {
    const order = READ_ORDER.indexOf(table) * 10_000 + (part === undefined ? 0 : Number(part));
    return { read: { part: table, order, parse: redditParser(REDDIT_TABLES[table]!) } };
  }
  if (has(NOT_IMPORTED, table)) return { notImported: NOT_IMPORTED[table]! };
  if (OTHER_KNOWN.includes(table)) return { notImported: 'a part of a Reddit export that Lockbox does not import' };
  return undefined;
}

/** Two files named as in a Reddit export, one of them read: a lone comments.csv could be anything. */
function detect(names: readonly string[]): string | undefined {
  const known = names.filter((name) => {
    const found = tableOf(name);
    return found !== undefined && isKnown(found.table);
  });
  const readable = known.filter((name) => has(REDDIT_TABLES, tableOf(name)!.table));
  if (known.length < 2 || readable.length === 0) return undefined;
  const shown = [...readable, ...known.filter((name) => !readable.includes(name))].slice(0, 3);
  const more = known.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}: a Reddit data request`;
}

export const REDDIT: ExportFormat = {
  name: 'reddit',
  detect,
  plan: (): FormatPlan => ({ roleOf }),
};
