// A realistic X archive, written from the format's public descriptions: the 2022+ layout (data/, the
// `{"tweet": …}` wrapper, split tweets files, manifest, media, the viewer) and an older one (files at the
// root, bare tweet objects in tweet.js). Every person and text here is invented.
import { zipFiles, type ArchiveFile } from './zip-writer';

export const ACCOUNT_ID = '1100000000000000001';
const ACCOUNT_NAME = 'lene_vestergaard';
const FRIEND_ID = '1100000000000000042';
const GROUP_FRIEND_ID = '1100000000000000077';

interface UrlEntity {
  url: string;
  expanded_url: string;
  display_url: string;
}

interface TweetSpec {
  id: string;
  created_at: string;
  full_text: string;
  favorite_count: string;
  retweet_count: string;
  lang: string;
  urls?: UrlEntity[];
  media?: UrlEntity[];
  reply_to?: { status: string; user: string; screen_name: string };
}

/** What each sample tweet must become. */
export interface ExpectedPost {
  id: string;
  timestamp: string;
  type: 'post' | 'reply' | 'repost';
  text: string;
  likes: number;
  shares: number;
}

const link = (code: string, expanded: string): UrlEntity => ({
  url: `https://t.co/${code}`,
  expanded_url: expanded,
  display_url: expanded.replace(/^https?:\/\//, '').slice(0, 24),
});

const TWEETS: TweetSpec[] = [
  {
    id: '1269000000000000001',
    created_at: 'Sat Jun 06 13:02:35 +0000 2020',
    full_text: 'Første solskinsdag i København ☀️🚲 cyklen er fundet frem &amp; kaffen er klar',
    favorite_count: '12',
    retweet_count: '3',
    lang: 'da',
  },
  {
    id: '1269000000000000002',
    created_at: 'Sun Jun 07 08:15:00 +0000 2020',
    full_text: 'Nyt indlæg om surdejsbrød 🍞 https://t.co/AbC123xyZ0',
    favorite_count: '7',
    retweet_count: '1',
    lang: 'da',
    urls: [link('AbC123xyZ0', 'https://brod.example.dk/surdej?kilde=x&sprog=da')],
  },
  {
    id: '1269000000000000003',
    created_at: 'Mon Jun 08 19:45:10 +0000 2020',
    full_text: '@jonas_weber Danke für den Tipp! &lt;3 Schöne Grüße nach Berlin',
    favorite_count: '2',
    retweet_count: '0',
    lang: 'de',
    reply_to: { status: '1268999999999999999', user: FRIEND_ID, screen_name: 'jonas_weber' },
  },
  {
    id: '1269000000000000004',
    created_at: 'Tue Jun 09 06:30:00 +0000 2020',
    full_text: 'RT @bydelsnyt: Ny cykelsti på Nørrebrogade åbner i dag https://t.co/QwErTy1234',
    favorite_count: '0',
    retweet_count: '0',
    lang: 'da',
    urls: [link('QwErTy1234', 'https://bydelsnyt.example.dk/cykelsti-noerrebrogade')],
  },
  {
    id: '1269000000000000005',
    created_at: 'Wed Jun 10 21:05:59 +0000 2020',
    full_text: 'Sagde hun: &quot;Hygge er ikke et ord, det er en følelse&quot; &#128522; &#x1F56F;',
    favorite_count: '31',
    retweet_count: '5',
    lang: 'da',
  },
  {
    id: '1269000000000000006',
    created_at: 'Thu Jun 11 12:00:00 +0000 2020',
    full_text: 'Udsigten fra Rundetårn i dag https://t.co/MeDiA98765',
    favorite_count: '44',
    retweet_count: '8',
    lang: 'da',
    media: [link('MeDiA98765', `https://x.com/${ACCOUNT_NAME}/status/1269000000000000006/photo/1`)],
  },
  {
    id: '1269000000000000007',
    created_at: 'Fri Jun 12 17:20:30 +0000 2020',
    full_text: 'Weißwurstfrühstück in München 🥨 &gt; alles andere. Link folgt: https://t.co/NotListed1',
    favorite_count: '1000000',
    retweet_count: '12',
    lang: 'de',
  },
  {
    id: '1269000000000000008',
    created_at: 'Sat Jun 13 23:59:59 +0000 2020',
    full_text: '@mette_k @jonas_weber Vi ses på lørdag!\nHusk madpakken 🧺',
    favorite_count: '3',
    retweet_count: '0',
    lang: 'da',
    reply_to: { status: '1268999999999999998', user: '1100000000000000055', screen_name: 'mette_k' },
  },
];

export const EXPECTED_POSTS: ExpectedPost[] = [
  {
    id: '1269000000000000001',
    timestamp: '2020-06-06T13:02:35Z',
    type: 'post',
    text: 'Første solskinsdag i København ☀️🚲 cyklen er fundet frem & kaffen er klar',
    likes: 12,
    shares: 3,
  },
  {
    id: '1269000000000000002',
    timestamp: '2020-06-07T08:15:00Z',
    type: 'post',
    text: 'Nyt indlæg om surdejsbrød 🍞 https://brod.example.dk/surdej?kilde=x&sprog=da',
    likes: 7,
    shares: 1,
  },
  {
    id: '1269000000000000003',
    timestamp: '2020-06-08T19:45:10Z',
    type: 'reply',
    text: '@jonas_weber Danke für den Tipp! <3 Schöne Grüße nach Berlin',
    likes: 2,
    shares: 0,
  },
  {
    id: '1269000000000000004',
    timestamp: '2020-06-09T06:30:00Z',
    type: 'repost',
    text: 'RT @bydelsnyt: Ny cykelsti på Nørrebrogade åbner i dag https://bydelsnyt.example.dk/cykelsti-noerrebrogade',
    likes: 0,
    shares: 0,
  },
  {
    id: '1269000000000000005',
    timestamp: '2020-06-10T21:05:59Z',
    type: 'post',
    text: 'Sagde hun: "Hygge er ikke et ord, det er en følelse" 😊 🕯',
    likes: 31,
    shares: 5,
  },
  {
    id: '1269000000000000006',
    timestamp: '2020-06-11T12:00:00Z',
    type: 'post',
    text: `Udsigten fra Rundetårn i dag https://x.com/${ACCOUNT_NAME}/status/1269000000000000006/photo/1`,
    likes: 44,
    shares: 8,
  },
  {
    id: '1269000000000000007',
    timestamp: '2020-06-12T17:20:30Z',
    type: 'post',
    text: 'Weißwurstfrühstück in München 🥨 > alles andere. Link folgt: https://t.co/NotListed1',
    likes: 1000000,
    shares: 12,
  },
  {
    id: '1269000000000000008',
    timestamp: '2020-06-13T23:59:59Z',
    type: 'reply',
    text: '@mette_k @jonas_weber Vi ses på lørdag!\nHusk madpakken 🧺',
    likes: 3,
    shares: 0,
  },
];

/** Liked tweets (other people's): the export gives the id and text, never when. */
export const LIKED_TWEET_IDS = ['1260000000000000101', '1260000000000000102', '1260000000000000103', '1260000000000000104'];
const LIKED_TEXTS = [
  'Bedste fastelavnsboller i byen 🥐',
  'Ich habe heute 10 km geschafft! 🏃‍♀️',
  'Who else is watching the eclipse?',
  'Rødgrød med fløde &amp; en kop te',
];

/** The sample's direct messages, in file order: direction as seen from the account. */
export const EXPECTED_MESSAGES = [
  { id: '1270000000000000201', timestamp: '2020-06-14T09:00:00.123Z', direction: 'sent', text: 'Hej Jonas! Kommer du til København i juli?' },
  {
    id: '1270000000000000202',
    timestamp: '2020-06-14T09:05:42Z',
    direction: 'received',
    text: 'Ja! Ich freue mich schon 😄 Hier ist der Plan: https://plan.example.de/reise',
  },
  { id: '1270000000000000203', timestamp: '2020-06-14T09:07:00.500Z', direction: 'sent', text: 'Perfekt & tak <3' },
  { id: '1270000000000000301', timestamp: '2020-06-15T18:00:00Z', direction: 'received', text: 'Hvem tager kagen med til fredag?' },
  { id: '1270000000000000302', timestamp: '2020-06-15T18:01:10Z', direction: 'sent', text: 'Det gør jeg 🎂' },
] as const;

// X writes its JSON with two-space indentation and `"key" : value`.
function xJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/^(\s*"[^"\n]*"): /gm, '$1 : ');
}

function ytd(name: string, part: number, elements: unknown[]): string {
  return `window.YTD.${name}.part${part} = ${xJson(elements)}`;
}

function tweetObject(spec: TweetSpec): Record<string, unknown> {
  const tweet: Record<string, unknown> = {
    edit_info: { initial: { editTweetIds: [spec.id], editableUntil: '2020-06-06T14:02:35.000Z', editsRemaining: '5', isEditEligible: true } },
    retweeted: false,
    source: '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
    entities: {
      hashtags: [],
      symbols: [],
      user_mentions: spec.reply_to
        ? [
            {
              name: spec.reply_to.screen_name,
              screen_name: spec.reply_to.screen_name,
              indices: ['0', '12'],
              id_str: spec.reply_to.user,
              id: spec.reply_to.user,
            },
          ]
        : [],
      urls: (spec.urls ?? []).map((url) => ({ ...url, indices: ['10', '33'] })),
      ...(spec.media
        ? {
            media: spec.media.map((media) => ({
              ...media,
              indices: ['29', '52'],
              type: 'photo',
              id_str: '1269000000000009999',
              media_url_https: 'https://pbs.twimg.com/media/Example.jpg',
            })),
          }
        : {}),
    },
    display_text_range: ['0', String(spec.full_text.length)],
    favorite_count: spec.favorite_count,
    id_str: spec.id,
    truncated: false,
    retweet_count: spec.retweet_count,
    id: spec.id,
    created_at: spec.created_at,
    favorited: false,
    full_text: spec.full_text,
    lang: spec.lang,
  };
  if (spec.media) tweet.extended_entities = { media: (tweet.entities as { media: unknown[] }).media };
  if (spec.reply_to) {
    Object.assign(tweet, {
      in_reply_to_status_id_str: spec.reply_to.status,
      in_reply_to_status_id: spec.reply_to.status,
      in_reply_to_user_id: spec.reply_to.user,
      in_reply_to_user_id_str: spec.reply_to.user,
      in_reply_to_screen_name: spec.reply_to.screen_name,
    });
  }
  return tweet;
}

function likeObjects(): unknown[] {
  return LIKED_TWEET_IDS.map((tweetId, index) => ({
    like: { tweetId, fullText: LIKED_TEXTS[index], expandedUrl: `https://twitter.com/i/web/status/${tweetId}` },
  }));
}

function accountObject(): unknown[] {
  return [
    {
      account: {
        email: 'lene@example.dk',
        createdVia: 'web',
        username: ACCOUNT_NAME,
        accountId: ACCOUNT_ID,
        createdAt: '2011-03-14T10:00:00.000Z',
        accountDisplayName: 'Lene Vestergaard',
      },
    },
  ];
}

function messageCreate(id: string, senderId: string, recipientId: string | undefined, text: string, createdAt: string, urls: unknown[] = []): unknown {
  const message: Record<string, unknown> = { reactions: [], urls, text, mediaUrls: [], senderId, id, createdAt };
  if (recipientId !== undefined) message.recipientId = recipientId;
  return { messageCreate: message };
}

function directMessages(): unknown[] {
  return [
    {
      dmConversation: {
        conversationId: `${ACCOUNT_ID}-${FRIEND_ID}`,
        messages: [
          messageCreate('1270000000000000201', ACCOUNT_ID, FRIEND_ID, 'Hej Jonas! Kommer du til København i juli?', '2020-06-14T09:00:00.123Z'),
          messageCreate(
            '1270000000000000202',
            FRIEND_ID,
            ACCOUNT_ID,
            'Ja! Ich freue mich schon 😄 Hier ist der Plan: https://t.co/PlAn000001',
            '2020-06-14T09:05:42.000Z',
            [{ url: 'https://t.co/PlAn000001', expanded: 'https://plan.example.de/reise', display: 'plan.example.de/reise' }],
          ),
          messageCreate('1270000000000000203', ACCOUNT_ID, FRIEND_ID, 'Perfekt &amp; tak &lt;3', '2020-06-14T09:07:00.500Z'),
        ],
      },
    },
  ];
}

function groupMessages(): unknown[] {
  return [
    {
      dmConversation: {
        conversationId: '1400000000000000001',
        messages: [
          { joinConversation: { initiatingUserId: GROUP_FRIEND_ID, participantsSnapshot: [ACCOUNT_ID, FRIEND_ID], createdAt: '2020-06-15T17:59:00.000Z' } },
          messageCreate('1270000000000000301', GROUP_FRIEND_ID, undefined, 'Hvem tager kagen med til fredag?', '2020-06-15T18:00:00.000Z'),
          messageCreate('1270000000000000302', ACCOUNT_ID, undefined, 'Det gør jeg 🎂', '2020-06-15T18:01:10.000Z'),
        ],
      },
    },
  ];
}

function manifest(): string {
  const files = (name: string, global: string, count: number) => ({ files: [{ fileName: `data/${name}`, globalName: global, count: String(count) }] });
  return `window.__THAR_CONFIG = ${xJson({
    userInfo: { accountId: ACCOUNT_ID, userName: ACCOUNT_NAME, displayName: 'Lene Vestergaard' },
    archiveInfo: { sizeBytes: '123456', generationDate: '2024-05-01T10:00:00.000Z', isPartialArchive: false, maxPartSizeBytes: '53687091200' },
    dataTypes: {
      account: files('account.js', 'YTD.account.part0', 1),
      tweets: {
        mediaDirectory: 'data/tweets_media',
        files: [
          { fileName: 'data/tweets.js', globalName: 'YTD.tweets.part0', count: '5' },
          { fileName: 'data/tweets-part1.js', globalName: 'YTD.tweets.part1', count: '3' },
        ],
      },
      like: files('like.js', 'YTD.like.part0', 4),
      directMessages: files('direct-messages.js', 'YTD.direct_messages.part0', 1),
      directMessagesGroup: files('direct-messages-group.js', 'YTD.direct_messages_group.part0', 1),
    },
  })}`;
}

const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');

/** The 2022+ layout: everything under data/, tweets split in two parts, with media and the viewer. */
export function xArchive2022Files(): ArchiveFile[] {
  const tweets = TWEETS.map((spec) => ({ tweet: tweetObject(spec) }));
  return [
    { name: 'Your archive.html', data: '<!DOCTYPE html><html><body>Your archive</body></html>' },
    { name: 'assets/js/ondemand.js', data: 'console.log("viewer")' },
    { name: 'data/manifest.js', data: manifest() },
    { name: 'data/README.txt', data: 'Twitter archive\n' },
    { name: 'data/account.js', data: ytd('account', 0, accountObject()) },
    { name: 'data/tweets.js', data: ytd('tweets', 0, tweets.slice(0, 5)) },
    { name: 'data/tweets-part1.js', data: ytd('tweets', 1, tweets.slice(5)) },
    { name: 'data/like.js', data: ytd('like', 0, likeObjects()) },
    { name: 'data/direct-messages.js', data: ytd('direct_messages', 0, directMessages()) },
    { name: 'data/direct-messages-group.js', data: ytd('direct_messages_group', 0, groupMessages()) },
    { name: 'data/ad-engagements.js', data: ytd('ad_engagements', 0, []) },
    { name: 'data/deleted-tweets.js', data: ytd('deleted_tweets', 0, []) },
    { name: 'data/tweets_media/1269000000000000006-Example.jpg', data: JPEG, compress: false },
  ];
}

/** The older layout: files at the root, tweet.js with bare tweet objects (no wrapper), no messages. */
function xArchiveOlderFiles(): ArchiveFile[] {
  return [
    { name: 'account.js', data: ytd('account', 0, accountObject()) },
    { name: 'tweet.js', data: ytd('tweet', 0, TWEETS.map(tweetObject)) },
    { name: 'like.js', data: ytd('like', 0, likeObjects()) },
    { name: 'profile.js', data: ytd('profile', 0, [{ profile: { description: { bio: 'Cykler, brød og hygge' } } }]) },
    { name: 'tweet_media/1269000000000000006-Example.jpg', data: JPEG, compress: false },
  ];
}

export const xArchive2022 = (options: { zip64?: boolean } = {}): Promise<Buffer> => zipFiles(xArchive2022Files(), options);
export const xArchiveOlder = (): Promise<Buffer> => zipFiles(xArchiveOlderFiles());

/** What a sample tweet looks like in a tweets.js element, for tests that build their own files. */
export function sampleTweetElement(index: number): unknown {
  const tweet = TWEETS[index];
  if (!tweet) throw new Error(`the sample has ${TWEETS.length} tweets, not ${index + 1}`);
  return { tweet: tweetObject(tweet) };
}

export { ytd as ytdFile };
