import { collectIngest, ofKind } from '../../../test-fixtures/collect-ingest';
import {
  ACCOUNT_ID,
  EXPECTED_MESSAGES,
  EXPECTED_POSTS,
  LIKED_TWEET_IDS,
  xArchive2022,
  xArchive2022Files,
  xArchiveOlder,
  ytdFile,
} from '../../../test-fixtures/x-archive-sample';
import { zipFiles } from '../../../test-fixtures/zip-writer';

describe('X archive', () => {
  it('reads the 2022+ layout to the exact counts per kind, and says what it found', async () => {
    const { report, records } = await collectIngest(await xArchive2022(), { format: 'auto' });
    expect(report).toMatchObject({
      status: 'ready',
      format: 'x-archive',
      detected: 'data/manifest.js and data/tweets.js: an X archive (2022+ layout)',
      records: { 'social.posts': 8, 'social.reactions': 4, 'social.messages': 5 },
      recordCount: 17,
      skipped: 0,
    });
    expect(records).toHaveLength(17);
    expect(report.files.map((file) => [file.name, file.part, file.records])).toEqual([
      ['data/account.js', 'account', {}],
      ['data/tweets.js', 'tweets', { 'social.posts': 5 }],
      ['data/tweets-part1.js', 'tweets', { 'social.posts': 3 }],
      ['data/like.js', 'likes', { 'social.reactions': 4 }],
      ['data/direct-messages.js', 'direct-messages', { 'social.messages': 3 }],
      ['data/direct-messages-group.js', 'direct-messages-group', { 'social.messages': 2 }],
    ]);
    // Nothing is silently ignored: every other file is listed with the reason it was not read.
    expect(report.notRead.map((file) => file.name).sort()).toEqual([
      'Your archive.html',
      'assets/js/ondemand.js',
      'data/README.txt',
      'data/ad-engagements.js',
      'data/deleted-tweets.js',
      'data/manifest.js',
      'data/tweets_media/1269000000000000006-Example.jpg',
    ]);
    expect(report.notRead.find((file) => file.name === 'data/deleted-tweets.js')?.detail).toBe('tweets the person deleted are not imported');
  });

  it('reads every tweet field by field: entities unescaped, t.co links expanded, counts as numbers, retweets and replies marked', async () => {
    const { records } = await collectIngest(await xArchive2022(), { format: 'x-archive' });
    expect(ofKind(records, 'social.posts')).toEqual(EXPECTED_POSTS.map((post) => ({ kind: 'social.posts', platform: 'x', ...post })));
  });

  it('keeps likes without a timestamp (the export has none), by the liked tweet id, without the liked text', async () => {
    const { records } = await collectIngest(await xArchive2022(), { format: 'x-archive' });
    expect(ofKind(records, 'social.reactions')).toEqual(LIKED_TWEET_IDS.map((id) => ({ kind: 'social.reactions', platform: 'x', reaction: 'like', id })));
  });

  it("tells sent from received direct messages by the account's id, one-to-one and in groups, and drops conversation events", async () => {
    const { records } = await collectIngest(await xArchive2022(), { format: 'x-archive' });
    expect(ofKind(records, 'social.messages')).toEqual(EXPECTED_MESSAGES.map((message) => ({ kind: 'social.messages', platform: 'x', ...message })));
  });

  it('fails only the messages when the account cannot be read, saying why', async () => {
    const files = xArchive2022Files().filter((file) => file.name !== 'data/account.js');
    const { report } = await collectIngest(await zipFiles(files), { format: 'x-archive' });
    expect(report.status).toBe('ready');
    const messages = report.files.find((file) => file.name === 'data/direct-messages.js')!;
    expect(messages.failure).toEqual({ reason: 'needs_account', message: expect.stringContaining('account.js') });
    expect(report.records).toEqual({ 'social.posts': 8, 'social.reactions': 4 });
  });

  it('reads the older layout (files at the root, bare tweets in tweet.js) to the same records and the same keys', async () => {
    const older = await collectIngest(await xArchiveOlder(), { format: 'auto' });
    expect(older.report).toMatchObject({
      status: 'ready',
      detected: 'tweet.js and like.js: an X archive (older layout, files at the root)',
      records: { 'social.posts': 8, 'social.reactions': 4 },
    });
    expect(older.report.notRead.map((file) => [file.name, file.reason])).toEqual([
      ['profile.js', 'not_imported'],
      ['tweet_media/1269000000000000006-Example.jpg', 'not_imported'],
    ]);
    const modern = await collectIngest(await xArchive2022(), { format: 'auto' });
    expect(ofKind(older.records, 'social.posts')).toEqual(ofKind(modern.records, 'social.posts'));
    const postKeys = (result: typeof older) => result.keys.filter((_, index) => result.records[index]?.kind !== 'social.messages');
    expect(postKeys(older)).toEqual(postKeys(modern));
  });

  it('reads a Zip64 archive, and an archive zipped from its folder', async () => {
    const zip64 = await collectIngest(await xArchive2022({ zip64: true }), { format: 'auto' });
    expect(zip64.report).toMatchObject({ status: 'ready', recordCount: 17 });
    const wrapped = await zipFiles(xArchive2022Files().map((file) => ({ ...file, name: `twitter-2024-05-01-abc/${file.name}` })));
    const folder = await collectIngest(wrapped, { format: 'auto' });
    expect(folder.report).toMatchObject({ status: 'ready', format: 'x-archive', recordCount: 17 });
    expect(folder.report.files[1]?.name).toBe('twitter-2024-05-01-abc/data/tweets.js');
  });

  it('skips, with its element and reason, a tweet without a usable date and an element that is not a tweet', async () => {
    const tweets = ytdFile('tweets', 0, [
      { tweet: { id_str: '1', full_text: 'no date' } },
      { tweet: { id_str: '2', full_text: 'bad date', created_at: '2020-06-06' } },
      { not: 'a tweet' },
      { tweet: { id_str: '3', full_text: 'fine', created_at: 'Sat Jun 06 13:02:35 +0000 2020', favorite_count: 'many' } },
    ]);
    const { report, records } = await collectIngest(await zipFiles([{ name: 'data/tweets.js', data: tweets }]), { format: 'x-archive' });
    expect(report.files[0]?.skips).toEqual([
      { element: [0], reason: 'bad_timestamp', message: expect.stringContaining('created_at') },
      { element: [1], reason: 'bad_timestamp', message: expect.stringContaining('created_at') },
      { element: [2], reason: 'not_a_tweet', message: 'the element is not a tweet (no full_text or created_at)' },
    ]);
    // A count that is not a number is left out, not invented.
    expect(records).toEqual([{ kind: 'social.posts', timestamp: '2020-06-06T13:02:35Z', platform: 'x', type: 'post', text: 'fine', id: '3' }]);
  });

  it('skips a message whose account is neither sender nor recipient', async () => {
    const messages = ytdFile('direct_messages', 0, [
      {
        dmConversation: {
          conversationId: 'x',
          messages: [{ messageCreate: { id: '9', senderId: '5', recipientId: '6', text: 'not ours', createdAt: '2020-06-14T09:00:00.000Z' } }],
        },
      },
    ]);
    const account = ytdFile('account', 0, [{ account: { accountId: ACCOUNT_ID } }]);
    const { report } = await collectIngest(
      await zipFiles([
        { name: 'data/account.js', data: account },
        { name: 'data/direct-messages.js', data: messages },
      ]),
      { format: 'x-archive' },
    );
    expect(report.files[1]?.skips).toEqual([
      { element: [0, 0], reason: 'not_a_participant', message: "the account is neither the message's sender nor its recipient" },
    ]);
  });
});
