// A realistic Instagram "Download your information" (JSON) archive in three vintages, written from the
// format's public descriptions: posts in content/ (older), your_instagram_activity/content/ (2023–24) or
// your_instagram_activity/media/ split in posts_1.json and posts_2.json (2025); a multi-photo post's
// caption on its outer title; likes in the legacy likes_media_likes shape or the newer label_values one;
// every string escaped byte by byte as Meta writes it. The people and texts are invented.
import { epochSeconds, metaJson } from './meta-json';
import { type ArchiveFile, zipFiles } from './zip-writer';

export type InstagramVintage = 'older' | '2023' | '2025';

export const EXPECTED_INSTAGRAM_POSTS = [
  { timestamp: '2024-07-14T16:00:00Z', type: 'post', text: 'Sommer i Skagen ☀️🌊 tre dage med is og vind' },
  { timestamp: '2024-05-01T08:30:00Z', type: 'post', text: 'Frühstück in Köln: Brötchen & Kaffee ☕' },
  { timestamp: '2024-03-09T11:11:00Z', type: 'post' },
  { timestamp: '2024-07-15T21:00:00Z', type: 'story' },
  { timestamp: '2024-07-16T20:45:00Z', type: 'story', text: 'Solnedgang 🌅' },
].map((post) => ({ kind: 'social.posts', platform: 'instagram', ...post }));

export const EXPECTED_INSTAGRAM_COMMENTS = [
  { timestamp: '2024-07-20T09:00:00Z', text: 'Så flot! 😍' },
  { timestamp: '2024-06-02T17:30:00Z', text: 'Schönes Foto, Grüße aus Hamburg' },
].map((comment) => ({ kind: 'social.comments', platform: 'instagram', ...comment }));

export const EXPECTED_INSTAGRAM_LIKES = [
  { timestamp: '2024-07-21T07:00:00Z', id: 'C8aBcD1eFgH' },
  { timestamp: '2024-06-30T22:10:00Z', id: 'C9xYz_2AbCd' },
].map((like) => ({ kind: 'social.reactions', platform: 'instagram', reaction: 'like', ...like }));

const LIKED = [
  { owner: 'ida.lund', name: 'Ida Lund', link: 'https://www.instagram.com/p/C8aBcD1eFgH/' },
  { owner: 'jonas_hh', name: 'Jonas Schröder', link: 'https://www.instagram.com/reel/C9xYz_2AbCd/' },
];

function posts(): unknown[] {
  const [multi, single, bare] = EXPECTED_INSTAGRAM_POSTS;
  if (!multi || !single || !bare) throw new Error('the sample has three feed posts');
  const at = epochSeconds(multi.timestamp);
  return [
    {
      media: [0, 1, 2].map((index) => ({
        uri: `media/posts/202407/1791234567890123${index}.jpg`,
        creation_timestamp: at - 60 * (3 - index),
        media_metadata: { photo_metadata: { exif_data: [{ latitude: 57.7209, longitude: 10.5839 }] } },
        title: '',
        cross_post_source: { source_app: 'FB' },
      })),
      title: multi.text,
      creation_timestamp: at,
    },
    {
      media: [
        {
          uri: 'media/posts/202405/17887654321098765.jpg',
          creation_timestamp: epochSeconds(single.timestamp),
          title: single.text,
          cross_post_source: { source_app: 'FB' },
        },
      ],
    },
    { media: [{ uri: 'media/posts/202403/17811111111111111.jpg', creation_timestamp: epochSeconds(bare.timestamp), title: '' }] },
  ];
}

function stories(): unknown {
  const [, , , first, second] = EXPECTED_INSTAGRAM_POSTS;
  if (!first || !second) throw new Error('the sample has two stories after its feed posts');
  return {
    ig_stories: [
      { uri: 'media/stories/202407/17999999999999991.mp4', creation_timestamp: epochSeconds(first.timestamp), title: '' },
      { uri: 'media/stories/202407/17999999999999992.jpg', creation_timestamp: epochSeconds(second.timestamp), title: second.text },
    ],
  };
}

function comments(): unknown[] {
  const owners = ['ida.lund', 'jonas_hh'];
  return EXPECTED_INSTAGRAM_COMMENTS.map((comment, index) => ({
    media_list_data: [{ uri: '' }],
    string_map_data: { Comment: { value: comment.text }, 'Media Owner': { value: owners[index] }, Time: { timestamp: epochSeconds(comment.timestamp) } },
  }));
}

function legacyLikes(): unknown {
  return {
    likes_media_likes: LIKED.map((liked, index) => ({
      title: liked.owner,
      string_list_data: [{ href: liked.link, value: '👍', timestamp: epochSeconds(EXPECTED_INSTAGRAM_LIKES[index]!.timestamp) }],
    })),
  };
}

function labelValueLikes(): unknown[] {
  return LIKED.map((liked, index) => ({
    timestamp: epochSeconds(EXPECTED_INSTAGRAM_LIKES[index]!.timestamp),
    media: [],
    label_values: [
      { label: 'URL', value: liked.link, href: liked.link },
      {
        dict: [
          {
            dict: [
              { label: 'URL', value: `https://www.instagram.com/${liked.owner}` },
              { label: 'Name', value: liked.name },
              { label: 'Username', value: liked.owner },
            ],
            title: '',
          },
        ],
        title: 'Owner',
      },
    ],
    fbid: `1795123456789012${index}`,
  }));
}

const personal = { profile_user: [{ media_map_data: {}, string_map_data: { Name: { value: 'Mads Kjærgaard' }, Username: { value: 'mads.kjaer' } } }] };
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);

export function instagramFiles(vintage: InstagramVintage): ArchiveFile[] {
  const root = vintage === 'older' ? '' : 'your_instagram_activity/';
  const content = vintage === '2025' ? 'media' : 'content';
  const allPosts = posts();
  const postFiles =
    vintage === '2025'
      ? [
          { name: `${root}${content}/posts_1.json`, data: metaJson(allPosts.slice(0, 2)) },
          { name: `${root}${content}/posts_2.json`, data: metaJson(allPosts.slice(2)) },
        ]
      : [{ name: `${root}${content}/posts_1.json`, data: metaJson(allPosts) }];
  return [
    {
      name: vintage === 'older' ? 'personal_information/personal_information.json' : 'personal_information/personal_information/personal_information.json',
      data: metaJson(personal),
    },
    ...postFiles,
    { name: `${root}${content}/stories.json`, data: metaJson(stories()) },
    {
      name: `${root}${content}/profile_photos.json`,
      data: metaJson({ ig_profile_picture: [{ uri: 'media/profile/202401/1.jpg', creation_timestamp: 1704067200, title: '' }] }),
    },
    vintage === 'older'
      ? { name: 'comments/post_comments.json', data: metaJson({ comments_media_comments: comments() }) }
      : { name: `${root}comments/post_comments_1.json`, data: metaJson(comments()) },
    { name: `${root}likes/liked_posts.json`, data: metaJson(vintage === '2025' ? labelValueLikes() : legacyLikes()) },
    {
      name: `${root}messages/inbox/idalund_17841400000000000/message_1.json`,
      data: metaJson({ participants: [{ name: 'Ida Lund' }, { name: 'Mads Kjærgaard' }], messages: [] }),
    },
    { name: 'media/posts/202407/17912345678901230.jpg', data: jpeg, compress: false },
    { name: 'connections/followers_and_following/following.json', data: metaJson({ relationships_following: [] }) },
  ];
}

export const instagramArchive = (vintage: InstagramVintage): Promise<Buffer> => zipFiles(instagramFiles(vintage));
