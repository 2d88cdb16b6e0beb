import type { EntryPlan, EntryRole, ExportFormat, FormatPlan } from '../export-format';
import { parseFacebookComments, parseFacebookPosts, parseFacebookReactions } from './activity.parsers';
import { type FacebookOwner, facebookMessagesParser, profileParser } from './messages.parser';

// Facebook's "Download Your Information", JSON format. The 2024+ layout puts the activity under
// your_facebook_activity/ (2022–23: your_activity_across_facebook/); older exports have the same folders
// at the root. File names carry a part number when a list is long: likes_and_reactions_1.json, _2, …
const ACTIVITY = '(?:your_facebook_activity/|your_activity_across_facebook/)?';
const POSTS = new RegExp(`^${ACTIVITY}posts/your_posts(?:__check_ins__photos_and_videos)?(?:_([0-9]{1,4}))?\\.json$`);
const COMMENTS = new RegExp(`^${ACTIVITY}(?:comments_and_reactions|comments)/comments\\.json$`);
const REACTIONS_OLDER = new RegExp(`^${ACTIVITY}(?:comments_and_reactions|likes_and_reactions)/posts_and_comments\\.json$`);
const REACTIONS = new RegExp(`^${ACTIVITY}comments_and_reactions/likes_and_reactions(?:_([0-9]{1,4}))?\\.json$`);
const MESSAGES = new RegExp(
  `^${ACTIVITY}messages/(?:inbox|archived_threads|filtered_threads|message_requests|e2ee_cutover)/[^/]+/message_([0-9]{1,4})\\.json$`,
);
const PROFILE = /^(?:personal_information\/)?profile_information\/profile_information\.json$/;
const MEDIA = /\.(?:jpe?g|png|gif|webp|heic|mp4|mov|m4a|mp3|aac|wav|pdf)$/i;

const PROFILE_ORDER = 0;
const POSTS_ORDER = 1;
const COMMENTS_ORDER = 2;
const REACTIONS_ORDER = 3;
const MESSAGES_ORDER = 4;

function read(part: string, group: number, partNumber: string | undefined, parse: EntryPlan['parse']): EntryRole {
  return { read: { part, order: group * 10_000 + (partNumber === undefined ? 0 : Number(partNumber)), parse } };
}

function roleOf(name: string, owner: FacebookOwner): EntryRole | undefined {
  let match: RegExpExecArray | null;
  if (PROFILE.test(name)) return read('profile', PROFILE_ORDER, undefined, profileParser(owner));
  if ((match = POSTS.exec(name))) return read('posts', POSTS_ORDER, match[1], parseFacebookPosts);
  if (COMMENTS.test(name)) return read('comments', COMMENTS_ORDER, undefined, parseFacebookComments);
  if (REACTIONS_OLDER.test(name)) return read('reactions', REACTIONS_ORDER, undefined, parseFacebookReactions);
  if ((match = REACTIONS.exec(name))) return read('reactions', REACTIONS_ORDER, match[1] ?? '0', parseFacebookReactions);
  if ((match = MESSAGES.exec(name))) return read('messages', MESSAGES_ORDER, match[1], facebookMessagesParser(owner));
  if (MEDIA.test(name)) return { notImported: 'photos, videos and other media are not imported' };
  if (name.endsWith('.html')) return { notImported: 'Lockbox reads the JSON export: ask Facebook for your information in the JSON format' };
  if (name.endsWith('.json')) return { notImported: 'a part of a Facebook export that Lockbox does not import' };
  return undefined;
}

const SIGNS = [
  /^your_facebook_activity\/.+\.json$/,
  /^your_activity_across_facebook\/.+\.json$/,
  /^posts\/your_posts(?:__check_ins__photos_and_videos)?(?:_[0-9]+)?\.json$/,
  /^comments_and_reactions\/(?:comments|posts_and_comments|likes_and_reactions(?:_[0-9]+)?)\.json$/,
  /^likes_and_reactions\/posts_and_comments\.json$/,
  PROFILE,
];

function detect(names: readonly string[]): string | undefined {
  const found = names.filter((name) => SIGNS.some((sign) => sign.test(name)));
  if (found.length === 0) return undefined;
  const activity = found.filter((name) => [POSTS, COMMENTS, REACTIONS, REACTIONS_OLDER].some((pattern) => pattern.test(name)));
  const shown = (activity.length > 0 ? activity : found).slice(0, 2);
  const layout = found.some((name) => name.startsWith('your_facebook_activity/'))
    ? '2024+ layout'
    : found.some((name) => name.startsWith('your_activity_across_facebook/'))
      ? '2022–23 layout'
      : 'older layout';
  return `${shown.join(' and ')}: a Facebook export (${layout})`;
}

export const FACEBOOK: ExportFormat = {
  name: 'facebook',
  detect,
  plan(): FormatPlan {
    // Read by profile_information.json (first in the order), used by the messages parsers after it.
    const owner: FacebookOwner = {};
    return { roleOf: (name) => roleOf(name, owner) };
  },
};
