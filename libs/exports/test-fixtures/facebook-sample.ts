// A realistic Facebook "Download Your Information" (JSON) archive, written from the format's public
// descriptions, in its 2024+ layout (your_facebook_activity/…) and its older one (files at the root,
// reactions in posts_and_comments.json). Every string is written as Facebook writes it, each UTF-8 byte
// escaped (metaJson). The people and texts are invented.
import { epochSeconds, metaJson } from './meta-json';
import { type ArchiveFile, zipFiles } from './zip-writer';

const OWNER = 'Sofie Østergaard';
const FRIEND = 'Jürgen Weiß';
const THREAD = 'juergenweiss_10158123456789012';

export const EXPECTED_FACEBOOK_POSTS = [
  { timestamp: '2024-03-02T18:20:00Z', text: 'Smørrebrød på Nørrebro med gamle venner 🥪🇩🇰' },
  { timestamp: '2024-02-14T09:05:00Z', text: 'Grüße aus München! Die Brezn sind größer als gedacht 🥨' },
  { timestamp: '2024-01-20T12:00:00Z' },
  { timestamp: '2023-12-24T20:00:00Z', text: 'Glædelig jul 🎄✨ og godt nytår: æ, ø, å!' },
].map((post) => ({ kind: 'social.posts', platform: 'facebook', type: 'post', ...post }));

export const EXPECTED_FACEBOOK_COMMENTS = [
  { timestamp: '2024-03-03T08:00:00Z', text: 'Tak for i går! Det var hyggeligt 😊' },
  { timestamp: '2024-02-15T10:30:00Z', text: 'Schöne Grüße zurück, bis bald! 👋' },
  { timestamp: '2024-01-05T16:45:00Z' },
].map((comment) => ({ kind: 'social.comments', platform: 'facebook', ...comment }));

export const EXPECTED_FACEBOOK_REACTIONS = [
  { timestamp: '2024-03-02T19:00:00Z', reaction: 'like' },
  { timestamp: '2024-02-20T07:10:00Z', reaction: 'love' },
  { timestamp: '2024-02-01T21:00:00Z', reaction: 'haha' },
  { timestamp: '2023-12-25T10:00:00Z', reaction: 'wow' },
].map((reaction) => ({ kind: 'social.reactions', platform: 'facebook', ...reaction }));

export const EXPECTED_FACEBOOK_MESSAGES = [
  { timestamp: '2024-03-01T20:15:30.250Z', direction: 'received', text: 'Bis morgen, freue mich! 😄' },
  { timestamp: '2024-03-01T20:14:02Z', direction: 'sent', text: 'Ses i morgen ved søen 🦆' },
  { timestamp: '2024-03-01T19:00:00Z', direction: 'sent' },
  { timestamp: '2024-03-01T18:55:00Z', direction: 'received', text: "Hej Sofie! Wie geht's?" },
].map((message) => ({ kind: 'social.messages', platform: 'facebook', ...message }));

function posts(): unknown[] {
  const [first, second, , fourth] = EXPECTED_FACEBOOK_POSTS;
  if (!first || !second || !fourth) throw new Error('the sample has four posts');
  return [
    {
      timestamp: epochSeconds(first.timestamp),
      data: [{ post: first.text }, { update_timestamp: epochSeconds(first.timestamp) }],
      title: `${OWNER} updated her status.`,
    },
    {
      timestamp: epochSeconds(second.timestamp),
      attachments: [{ data: [{ external_context: { url: 'https://www.example.org/brezn' } }] }],
      data: [{ post: second.text }],
      title: `${OWNER} shared a link.`,
    },
    {
      timestamp: epochSeconds('2024-01-20T12:00:00Z'),
      attachments: [
        {
          data: [
            {
              media: {
                uri: 'your_facebook_activity/posts/media/Mobileuploads_2024/4211.jpg',
                creation_timestamp: epochSeconds('2024-01-20T11:58:00Z'),
                title: 'Mobile uploads',
              },
            },
          ],
        },
      ],
      data: [{ update_timestamp: epochSeconds('2024-01-20T12:00:00Z') }],
      title: `${OWNER} added a new photo.`,
      tags: [{ name: FRIEND }],
    },
    { timestamp: epochSeconds(fourth.timestamp), data: [{ post: fourth.text }], title: `${OWNER} updated her status.` },
  ];
}

function comments(): unknown[] {
  const [first, second, third] = EXPECTED_FACEBOOK_COMMENTS;
  if (!first || !second || !third) throw new Error('the sample has three comments');
  return [
    {
      timestamp: epochSeconds(first.timestamp),
      data: [{ comment: { timestamp: epochSeconds(first.timestamp), comment: first.text, author: OWNER } }],
      title: `${OWNER} commented on ${FRIEND}'s post.`,
    },
    {
      timestamp: epochSeconds(second.timestamp),
      data: [{ comment: { timestamp: epochSeconds(second.timestamp), comment: second.text, author: OWNER } }],
      title: `${OWNER} replied to ${FRIEND}'s comment.`,
    },
    // A GIF in reply: a comment without words.
    {
      timestamp: epochSeconds(third.timestamp),
      attachments: [{ data: [{ media: { uri: 'https://www.example.org/gif/klap.gif', creation_timestamp: epochSeconds(third.timestamp) } }] }],
      data: [{ comment: { timestamp: epochSeconds(third.timestamp), author: OWNER } }],
      title: `${OWNER} commented on her own post.`,
    },
  ];
}

function reactions(): unknown[] {
  const names: Record<string, string> = { like: 'LIKE', love: 'LOVE', haha: 'HAHA', wow: 'WOW' };
  return EXPECTED_FACEBOOK_REACTIONS.map((reaction) => ({
    timestamp: epochSeconds(reaction.timestamp),
    data: [{ reaction: { reaction: names[reaction.reaction], actor: OWNER } }],
    title: `${OWNER} reacted to ${FRIEND}'s post.`,
  }));
}

function conversation(): unknown {
  const ms = (iso: string) => Date.parse(iso);
  const [first, second, third, fourth] = EXPECTED_FACEBOOK_MESSAGES;
  if (!first || !second || !third || !fourth) throw new Error('the sample has four messages');
  return {
    participants: [{ name: FRIEND }, { name: OWNER }],
    messages: [
      { sender_name: FRIEND, timestamp_ms: ms(first.timestamp), content: first.text, is_geoblocked_for_viewer: false },
      { sender_name: OWNER, timestamp_ms: ms(second.timestamp), content: second.text, is_geoblocked_for_viewer: false },
      {
        sender_name: FRIEND,
        timestamp_ms: ms('2024-03-01T19:30:00Z'),
        content: `${FRIEND} called you.`,
        call_duration: 125,
        type: 'Call',
        is_geoblocked_for_viewer: false,
      },
      {
        sender_name: OWNER,
        timestamp_ms: ms(third.timestamp),
        photos: [{ uri: `your_facebook_activity/messages/inbox/${THREAD}/photos/9911.jpg`, creation_timestamp: 1709319600 }],
        is_geoblocked_for_viewer: false,
      },
      {
        sender_name: FRIEND,
        timestamp_ms: ms(fourth.timestamp),
        content: fourth.text,
        reactions: [{ reaction: '❤', actor: OWNER }],
        is_geoblocked_for_viewer: false,
      },
    ],
    title: FRIEND,
    is_still_participant: true,
    thread_path: `inbox/${THREAD}`,
    magic_words: [],
  };
}

const profile = {
  profile_v2: {
    name: { full_name: OWNER, first_name: 'Sofie', middle_name: '', last_name: 'Østergaard' },
    emails: { emails: ['sofie@example.org'] },
    registration_timestamp: 1262304000,
  },
};
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);

/** The 2024+ layout: the activity under your_facebook_activity/, reactions split in parts. */
export function facebook2024Files(): ArchiveFile[] {
  const allReactions = reactions();
  return [
    { name: 'personal_information/profile_information/profile_information.json', data: metaJson(profile) },
    { name: 'your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json', data: metaJson(posts()) },
    { name: 'your_facebook_activity/posts/media/Mobileuploads_2024/4211.jpg', data: jpeg, compress: false },
    { name: 'your_facebook_activity/comments_and_reactions/comments.json', data: metaJson({ comments_v2: comments() }) },
    { name: 'your_facebook_activity/comments_and_reactions/likes_and_reactions_1.json', data: metaJson(allReactions.slice(0, 3)) },
    { name: 'your_facebook_activity/comments_and_reactions/likes_and_reactions_2.json', data: metaJson(allReactions.slice(3)) },
    { name: `your_facebook_activity/messages/inbox/${THREAD}/message_1.json`, data: metaJson(conversation()) },
    { name: `your_facebook_activity/messages/inbox/${THREAD}/photos/9911.jpg`, data: jpeg, compress: false },
    { name: 'connections/friends/your_friends.json', data: metaJson({ friends_v2: [{ name: FRIEND, timestamp: 1262390400 }] }) },
    {
      name: 'logged_information/search/your_search_history.json',
      data: metaJson({ searches_v2: [{ timestamp: 1709300000, data: [{ text: 'smørrebrød' }] }] }),
    },
  ];
}

/** The older layout: the same folders at the root, reactions in posts_and_comments.json (`reactions_v2`). */
export function facebookOlderFiles(): ArchiveFile[] {
  return [
    { name: 'profile_information/profile_information.json', data: metaJson(profile) },
    { name: 'posts/your_posts_1.json', data: metaJson(posts()) },
    { name: 'comments_and_reactions/comments.json', data: metaJson({ comments_v2: comments() }) },
    { name: 'comments_and_reactions/posts_and_comments.json', data: metaJson({ reactions_v2: reactions() }) },
    { name: `messages/inbox/${THREAD}/message_1.json`, data: metaJson(conversation()) },
    { name: 'friends/friends.json', data: metaJson({ friends: [{ name: FRIEND, timestamp: 1262390400 }] }) },
  ];
}

export const facebook2024Archive = (): Promise<Buffer> => zipFiles(facebook2024Files());
export const facebookOlderArchive = (): Promise<Buffer> => zipFiles(facebookOlderFiles());
