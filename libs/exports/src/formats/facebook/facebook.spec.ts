import { collectIngest, ofKind } from '../../../test-fixtures/collect-ingest';
import {
  EXPECTED_FACEBOOK_COMMENTS,
  EXPECTED_FACEBOOK_MESSAGES,
  EXPECTED_FACEBOOK_POSTS,
  EXPECTED_FACEBOOK_REACTIONS,
  facebook2024Archive,
  facebook2024Files,
  facebookOlderArchive,
} from '../../../test-fixtures/facebook-sample';
import { metaJson } from '../../../test-fixtures/meta-json';
import { zipFiles } from '../../../test-fixtures/zip-writer';

describe('Facebook export', () => {
  it('reads the 2024+ layout to the exact counts per kind, and says what it found', async () => {
    const { report, records } = await collectIngest(await facebook2024Archive(), { format: 'auto' });
    expect(report).toMatchObject({
      status: 'ready',
      format: 'facebook',
      detected:
        'your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json and your_facebook_activity/comments_and_reactions/comments.json: a Facebook export (2024+ layout)',
      records: { 'social.posts': 4, 'social.comments': 3, 'social.reactions': 4, 'social.messages': 4 },
      recordCount: 15,
      skipped: 0,
      notes: { not_imported: 1 },
    });
    expect(records).toHaveLength(15);
    expect(report.files.map((file) => [file.name, file.part, file.records])).toEqual([
      ['personal_information/profile_information/profile_information.json', 'profile', {}],
      ['your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json', 'posts', { 'social.posts': 4 }],
      ['your_facebook_activity/comments_and_reactions/comments.json', 'comments', { 'social.comments': 3 }],
      ['your_facebook_activity/comments_and_reactions/likes_and_reactions_1.json', 'reactions', { 'social.reactions': 3 }],
      ['your_facebook_activity/comments_and_reactions/likes_and_reactions_2.json', 'reactions', { 'social.reactions': 1 }],
      ['your_facebook_activity/messages/inbox/juergenweiss_10158123456789012/message_1.json', 'messages', { 'social.messages': 4 }],
    ]);
    expect(report.files[5]?.notes).toEqual([
      { reason: 'not_imported', count: 1, message: 'calls and people joining or leaving a conversation are not messages', element: [2] },
    ]);
    expect(report.notRead.map((file) => [file.name, file.detail])).toEqual([
      ['your_facebook_activity/posts/media/Mobileuploads_2024/4211.jpg', 'photos, videos and other media are not imported'],
      ['your_facebook_activity/messages/inbox/juergenweiss_10158123456789012/photos/9911.jpg', 'photos, videos and other media are not imported'],
      ['connections/friends/your_friends.json', 'a part of a Facebook export that Lockbox does not import'],
      ['logged_information/search/your_search_history.json', 'a part of a Facebook export that Lockbox does not import'],
    ]);
  });

  it('repairs the escaped UTF-8 of every text: Danish, German and emoji read right', async () => {
    const { records } = await collectIngest(await facebook2024Archive(), { format: 'facebook' });
    expect(ofKind(records, 'social.posts')).toEqual(EXPECTED_FACEBOOK_POSTS);
    expect(ofKind(records, 'social.comments')).toEqual(EXPECTED_FACEBOOK_COMMENTS);
    expect(ofKind(records, 'social.reactions')).toEqual(EXPECTED_FACEBOOK_REACTIONS);
    expect(ofKind(records, 'social.posts')[0]?.text).toBe('Smørrebrød på Nørrebro med gamle venner 🥪🇩🇰');
  });

  it("tells sent from received by the profile's name, itself repaired, and keeps a photo message without text", async () => {
    const { records } = await collectIngest(await facebook2024Archive(), { format: 'facebook' });
    expect(ofKind(records, 'social.messages')).toEqual(EXPECTED_FACEBOOK_MESSAGES);
  });

  it('reads the older layout (reactions_v2 in posts_and_comments.json) to the same records and keys', async () => {
    const older = await collectIngest(await facebookOlderArchive(), { format: 'auto' });
    expect(older.report).toMatchObject({
      status: 'ready',
      detected: 'posts/your_posts_1.json and comments_and_reactions/comments.json: a Facebook export (older layout)',
      records: { 'social.posts': 4, 'social.comments': 3, 'social.reactions': 4, 'social.messages': 4 },
    });
    const modern = await collectIngest(await facebook2024Archive(), { format: 'auto' });
    const sorted = (result: typeof older) => result.keys.map((key, index) => [key, result.records[index]] as const).sort(([a], [b]) => (a < b ? -1 : 1));
    expect(sorted(older)).toEqual(sorted(modern));
  });

  it('fails only the messages when the profile cannot be read, saying why', async () => {
    const files = facebook2024Files().filter((file) => !file.name.startsWith('personal_information/'));
    const { report } = await collectIngest(await zipFiles(files), { format: 'facebook' });
    expect(report.status).toBe('ready');
    expect(report.files.find((file) => file.part === 'messages')?.failure).toEqual({
      reason: 'needs_account',
      message: expect.stringContaining('profile_information.json'),
    });
    expect(report.records).toEqual({ 'social.posts': 4, 'social.comments': 3, 'social.reactions': 4 });
  });

  it('reads the oldest names (comments in comments/, reactions in likes_and_reactions/ with `reactions`) and the label_values reactions', async () => {
    const files = [
      {
        name: 'comments/comments.json',
        data: metaJson({ comments: [{ timestamp: 1514764800, data: [{ comment: { timestamp: 1514764800, comment: 'Gl\u00e6delig', author: 'A' } }] }] }),
      },
      {
        name: 'likes_and_reactions/posts_and_comments.json',
        data: metaJson({ reactions: [{ timestamp: 1514764900, data: [{ reaction: { reaction: 'ANGER', actor: 'A' } }] }] }),
      },
      {
        name: 'your_facebook_activity/comments_and_reactions/likes_and_reactions.json',
        data: metaJson([
          {
            timestamp: 1700000000,
            label_values: [
              { label: 'Reaction', value: 'Care' },
              { label: 'Name', value: 'Bø' },
            ],
            fbid: '1',
          },
        ]),
      },
    ];
    const { report, records } = await collectIngest(await zipFiles(files), { format: 'auto' });
    expect(report).toMatchObject({ status: 'ready', format: 'facebook' });
    expect(records).toEqual([
      { kind: 'social.comments', timestamp: '2018-01-01T00:00:00Z', platform: 'facebook', text: 'Glædelig' },
      { kind: 'social.reactions', timestamp: '2018-01-01T00:01:40Z', platform: 'facebook', reaction: 'anger' },
      { kind: 'social.reactions', timestamp: '2023-11-14T22:13:20Z', platform: 'facebook', reaction: 'care' },
    ]);
  });

  it('skips, with the element and the reason, a post without a usable timestamp, an element that is not one, and a reaction without a name', async () => {
    const files = [
      {
        name: 'posts/your_posts_1.json',
        data: metaJson([{ data: [{ post: 'no time' }] }, { timestamp: 1e13, data: [{ post: 'year 318857' }] }, 'text', { timestamp: 1700000000 }]),
      },
      { name: 'comments_and_reactions/posts_and_comments.json', data: metaJson({ reactions_v2: [{ timestamp: 1700000000, data: [{ reaction: {} }] }] }) },
    ];
    const { report } = await collectIngest(await zipFiles(files), { format: 'facebook' });
    expect(report.files[0]?.skips).toEqual([
      { element: [0], reason: 'bad_timestamp', message: 'timestamp is missing or not seconds since 1970 (a date from 1900 to 9999)' },
      { element: [1], reason: 'bad_timestamp', message: 'timestamp is missing or not seconds since 1970 (a date from 1900 to 9999)' },
      { element: [2], reason: 'not_a_record', message: 'the element is not a post (not an object)' },
    ]);
    expect(report.files[0]?.records).toEqual({ 'social.posts': 1 });
    expect(report.files[1]?.skips).toEqual([{ element: [0], reason: 'missing_field', message: 'the element names no reaction' }]);
  });

  it('points the person to the JSON format when the archive is the HTML one', async () => {
    const { report } = await collectIngest(
      await zipFiles([
        { name: 'your_facebook_activity/posts/your_posts_1.html', data: '<html></html>' },
        { name: 'personal_information/profile_information/profile_information.html', data: '<html></html>' },
      ]),
      { format: 'facebook' },
    );
    expect(report.failure?.reason).toBe('no_records');
    expect(report.notRead[0]?.detail).toBe('Lockbox reads the JSON export: ask Facebook for your information in the JSON format');
  });
});
