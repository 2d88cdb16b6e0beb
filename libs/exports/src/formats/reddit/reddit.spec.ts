import { collectIngest, ofKind } from '../../../test-fixtures/collect-ingest';
import {
  EXPECTED_REDDIT_COMMENTS,
  EXPECTED_REDDIT_POSTS,
  EXPECTED_REDDIT_REACTIONS,
  redditArchive,
  redditFiles,
  SAMPLE_IPS,
} from '../../../test-fixtures/reddit-sample';
import { zipFiles } from '../../../test-fixtures/zip-writer';

describe('Reddit data request', () => {
  it('reads the export to the exact counts per kind, the split vote files in order, and says what it found', async () => {
    const { report } = await collectIngest(await redditArchive(), { format: 'auto' });
    expect(report).toMatchObject({
      status: 'ready',
      format: 'reddit',
      detected: 'comments.csv, posts.csv, post_votes_1.csv and 9 more: a Reddit data request',
      records: { 'social.posts': 2, 'social.comments': 3, 'social.reactions': 8 },
      skipped: 2,
    });
    expect(report.files.map((file) => [file.name, file.records, file.skipped])).toEqual([
      ['posts.csv', { 'social.posts': 2 }, 0],
      ['comments.csv', { 'social.comments': 3 }, 0],
      ['post_votes_1.csv', { 'social.reactions': 2 }, 1],
      ['post_votes_2.csv', { 'social.reactions': 2 }, 0],
      ['comment_votes.csv', { 'social.reactions': 1 }, 1],
      ['saved_posts.csv', { 'social.reactions': 2 }, 0],
      ['saved_comments.csv', { 'social.reactions': 1 }, 0],
    ]);
    expect(report.files[2]?.skips).toEqual([{ line: 4, reason: 'not_a_reaction', message: 'the vote\'s direction is "none", neither up nor down' }]);
    expect(report.notRead.map((file) => [file.name, file.reason])).toEqual([
      ['comment_headers.csv', 'not_imported'],
      ['messages.csv', 'not_imported'],
      ['ip_logs.csv', 'not_imported'],
      ['statistics.csv', 'not_imported'],
      ['subscribed_subreddits.csv', 'not_imported'],
    ]);
  });

  it('reads posts and comments field by field: multi-line quoted bodies, BOM, CRLF, dates as RFC 3339', async () => {
    const { records } = await collectIngest(await redditArchive(), { format: 'reddit' });
    expect(ofKind(records, 'social.posts')).toEqual(EXPECTED_REDDIT_POSTS.map((post) => ({ kind: 'social.posts', platform: 'reddit', type: 'post', ...post })));
    expect(ofKind(records, 'social.comments')).toEqual(
      EXPECTED_REDDIT_COMMENTS.map((comment) => ({ kind: 'social.comments', platform: 'reddit', ...comment })),
    );
  });

  it('keeps votes and saves as reactions without a timestamp (the export has none)', async () => {
    const { records } = await collectIngest(await redditArchive(), { format: 'reddit' });
    expect(ofKind(records, 'social.reactions')).toEqual(
      EXPECTED_REDDIT_REACTIONS.map((reaction) => ({ kind: 'social.reactions', platform: 'reddit', ...reaction })),
    );
  });

  it('never puts the ip column into a record', async () => {
    const { records } = await collectIngest(await redditArchive(), { format: 'reddit' });
    const curated = JSON.stringify(records);
    for (const ip of SAMPLE_IPS) expect(curated).not.toContain(ip);
    expect(curated).not.toContain('"ip"');
  });

  it('skips a row with a bad date or the wrong number of columns, and fails a file without a needed column', async () => {
    const files = [
      {
        name: 'comments.csv',
        data: 'id,permalink,date,ip,subreddit,gildings,link,parent,body,media\nc1,p,27/08/2014,,s,0,l,t3_x,hej,\nc2,p,2014-08-27 00:59:46 UTC,,s\nc3,p,2014-08-27 00:59:46 UTC,,s,0,l,t3_x,ok,\n',
      },
      { name: 'posts.csv', data: 'id,permalink,date,subreddit\np1,x,2014-08-27 00:59:46 UTC,s\n' },
    ];
    const { report } = await collectIngest(await zipFiles(files), { format: 'reddit' });
    const [comments, posts] = [report.files.find((file) => file.name === 'comments.csv')!, report.files.find((file) => file.name === 'posts.csv')!];
    expect(comments.records).toEqual({ 'social.comments': 1 });
    expect(comments.skips).toEqual([
      { line: 2, reason: 'bad_timestamp', message: 'date is missing or not a date as Reddit writes it, e.g. 2014-08-27 00:59:46 UTC' },
      { line: 3, reason: 'wrong_column_count', message: 'the row has 5 columns, the header 10' },
    ]);
    expect(posts.failure).toEqual({ reason: 'missing_columns', message: 'the header has no column "title"' });
  });

  it('does not take a lone comments.csv for a Reddit export, but reads it when the format is named', async () => {
    const lone = await zipFiles(redditFiles().filter((file) => file.name === 'comments.csv'));
    expect((await collectIngest(lone, { format: 'auto' })).report.failure?.reason).toBe('format_not_detected');
    expect((await collectIngest(lone, { format: 'reddit' })).report).toMatchObject({ status: 'ready', records: { 'social.comments': 3 } });
  });
});
