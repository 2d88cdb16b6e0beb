import type { EntryParser, EntryRole, ExportFormat, FormatPlan } from '../export-format';
import { parseInstagramComments, parseInstagramLikes, parseInstagramPosts, parseInstagramReels, parseInstagramStories } from './instagram.parsers';

// Instagram's "Download your information", JSON format. The vintages move the files: posts in content/
// (2021–22), your_instagram_activity/content/ (2023–24) or your_instagram_activity/media/ (2025);
// comments and likes in comments/ and likes/, at the root or under your_instagram_activity/.
const ACTIVITY = '(?:your_instagram_activity/)?';
const POSTS = new RegExp(`^${ACTIVITY}(?:content|media)/posts_([0-9]{1,4})\\.json$`);
const REELS = new RegExp(`^${ACTIVITY}(?:content|media)/reels\\.json$`);
const STORIES = new RegExp(`^${ACTIVITY}(?:content|media)/stories\\.json$`);
const COMMENTS = new RegExp(`^${ACTIVITY}comments/(?:post_comments(?:_([0-9]{1,4}))?|reels_comments)\\.json$`);
const LIKES = new RegExp(`^${ACTIVITY}likes/liked_(?:posts|comments)\\.json$`);
const MESSAGES = new RegExp(`^${ACTIVITY}messages/`);
const MEDIA = /\.(?:jpe?g|png|gif|webp|heic|mp4|mov|m4a|mp3|aac|srt|webm)$/i;

function read(part: string, group: number, partNumber: string | undefined, parse: EntryParser): EntryRole {
  return { read: { part, order: group * 10_000 + (partNumber === undefined ? 0 : Number(partNumber)), parse } };
}

function roleOf(name: string): EntryRole | undefined {
  let match: RegExpExecArray | null;
  if ((match = POSTS.exec(name))) return read('posts', 0, match[1], parseInstagramPosts);
  if (REELS.test(name)) return read('reels', 1, undefined, parseInstagramReels);
  if (STORIES.test(name)) return read('stories', 2, undefined, parseInstagramStories);
  if ((match = COMMENTS.exec(name))) return read('comments', 3, match[1], parseInstagramComments);
  if (LIKES.test(name)) return read('likes', 4, undefined, parseInstagramLikes);
  if (MESSAGES.test(name)) return { notImported: 'Instagram messages are not imported yet' };
  if (MEDIA.test(name)) return { notImported: 'photos, videos and other media are not imported' };
  if (name.endsWith('.html')) return { notImported: 'Lockbox reads the JSON export: ask Instagram for your information in the JSON format' };
  if (name.endsWith('.json')) return { notImported: 'a part of an Instagram export that Lockbox does not import' };
  return undefined;
}

const SIGNS = [
  /^your_instagram_activity\/.+\.json$/,
  /^content\/(?:posts_[0-9]+|stories|reels)\.json$/,
  /^comments\/post_comments(?:_[0-9]+)?\.json$/,
  /^likes\/liked_(?:posts|comments)\.json$/,
  /^personal_information\/personal_information(?:\/personal_information)?\.json$/,
];

function detect(names: readonly string[]): string | undefined {
  const found = names.filter((name) => SIGNS.some((sign) => sign.test(name)));
  if (found.length === 0) return undefined;
  const activity = found.filter((name) => [POSTS, COMMENTS, LIKES].some((pattern) => pattern.test(name)));
  const shown = (activity.length > 0 ? activity : found).slice(0, 2);
  const layout = found.some((name) => name.startsWith('your_instagram_activity/media/'))
    ? '2025 layout'
    : found.some((name) => name.startsWith('your_instagram_activity/'))
      ? '2023–24 layout'
      : 'older layout';
  return `${shown.join(' and ')}: an Instagram export (${layout})`;
}

export const INSTAGRAM: ExportFormat = {
  name: 'instagram',
  detect,
  plan(): FormatPlan {
    return { roleOf };
  },
};
