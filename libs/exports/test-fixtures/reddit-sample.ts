// A realistic Reddit data request, written from the format's public descriptions: a flat ZIP of CSVs with
// headers, BOMs on some files, CRLF line ends, multi-line quoted bodies, a table split into _1 and _2
// parts, dates as `2023-05-02 18:11:04 UTC`, and the ip column filled. Every person and text is invented.
import { zipFiles, type ArchiveFile } from './zip-writer';

const BOM = '\uFEFF';
const base = 'https://www.reddit.com/r';

/** The ip column's values: none of them may ever reach a record. */
export const SAMPLE_IPS = ['192.0.2.10', '198.51.100.23', '203.0.113.77'] as const;

function csv(rows: string[][], lineEnd = '\r\n'): string {
  const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return rows.map((row) => row.map(cell).join(',')).join(lineEnd) + lineEnd;
}

export const EXPECTED_REDDIT_POSTS = [
  { id: '1abcd2', timestamp: '2023-05-01T09:30:00Z', text: 'Nye cykelstier på Nørrebro?\n\nEr der nogen, der ved hvornår de åbner?\n\nTak på forhånd 🙏' },
  { id: '1abce9', timestamp: '2023-06-11T14:00:00Z', text: 'Mein erstes Sauerteigbrot 🍞' },
];

export const EXPECTED_REDDIT_COMMENTS = [
  { id: 'k3x9q2a', timestamp: '2023-05-02T18:11:04Z', text: 'Helt enig, cykelstierne er fantastiske 🚲' },
  { id: 'k3xa001', timestamp: '2023-05-03T07:00:00Z', text: 'Zeile eins\nZeile zwei mit "Anführungszeichen", und Komma' },
  { id: 'k3xb777', timestamp: '2014-08-27T00:59:46Z', text: '> a quote, escaped as Reddit stores it &amp; unescaped\n\nSkål! 🍻' },
];

/** Reactions per (reaction, id), in reading order: post votes, comment votes, saved posts, saved comments. */
export const EXPECTED_REDDIT_REACTIONS = [
  { reaction: 'upvote', id: '1aaa01' },
  { reaction: 'downvote', id: '1aaa02' },
  { reaction: 'upvote', id: '1aaa04' },
  { reaction: 'upvote', id: '1aaa05' },
  { reaction: 'upvote', id: 'k3zz001' },
  { reaction: 'save', id: '1bbb01' },
  { reaction: 'save', id: '1bbb02' },
  { reaction: 'save', id: 'k3yy001' },
];

export function redditFiles(): ArchiveFile[] {
  const commentHeader = ['id', 'permalink', 'date', 'ip', 'subreddit', 'gildings', 'link', 'parent', 'body', 'media'];
  const comments = [
    [
      'k3x9q2a',
      `${base}/copenhagen/comments/1abcd2/cykelstier/k3x9q2a/`,
      '2023-05-02 18:11:04 UTC',
      SAMPLE_IPS[0],
      'copenhagen',
      '0',
      `${base}/copenhagen/comments/1abcd2/cykelstier/`,
      't3_1abcd2',
      'Helt enig, cykelstierne er fantastiske 🚲',
      '',
    ],
    [
      'k3xa001',
      `${base}/de/comments/1xyz01/frage/k3xa001/`,
      '2023-05-03 07:00:00 UTC',
      SAMPLE_IPS[1],
      'de',
      '1',
      `${base}/de/comments/1xyz01/frage/`,
      't1_k3x9zz1',
      'Zeile eins\nZeile zwei mit "Anführungszeichen", und Komma',
      '',
    ],
    [
      'k3xb777',
      `${base}/Denmark/comments/2abc00/skaal/k3xb777/`,
      '2014-08-27 00:59:46 UTC',
      SAMPLE_IPS[2],
      'Denmark',
      '0',
      `${base}/Denmark/comments/2abc00/skaal/`,
      't3_2abc00',
      '&gt; a quote, escaped as Reddit stores it &amp;amp; unescaped\n\nSkål! 🍻',
      '',
    ],
  ];
  const postHeader = ['id', 'permalink', 'date', 'ip', 'subreddit', 'gildings', 'title', 'url', 'body'];
  const posts = [
    [
      '1abcd2',
      `${base}/copenhagen/comments/1abcd2/cykelstier/`,
      '2023-05-01 09:30:00 UTC',
      SAMPLE_IPS[0],
      'copenhagen',
      '0',
      'Nye cykelstier på Nørrebro?',
      `${base}/copenhagen/comments/1abcd2/cykelstier/`,
      'Er der nogen, der ved hvornår de åbner?\n\nTak på forhånd 🙏',
    ],
    [
      '1abce9',
      `${base}/Sourdough/comments/1abce9/brot/`,
      '2023-06-11 14:00:00 UTC',
      '',
      'Sourdough',
      '0',
      'Mein erstes Sauerteigbrot 🍞',
      'https://i.example.org/brot.jpg',
      '',
    ],
  ];
  const vote = (id: string, direction: string) => [id, `${base}/all/comments/${id}/`, direction];
  return [
    { name: 'comments.csv', data: BOM + csv([commentHeader, ...comments]) },
    { name: 'comment_headers.csv', data: csv([commentHeader.slice(0, 8), ...comments.map((row) => row.slice(0, 8))]) },
    { name: 'posts.csv', data: csv([postHeader, ...posts], '\n') },
    { name: 'post_votes_1.csv', data: BOM + csv([['id', 'permalink', 'direction'], vote('1aaa01', 'up'), vote('1aaa02', 'down'), vote('1aaa03', 'none')]) },
    { name: 'post_votes_2.csv', data: BOM + csv([['id', 'permalink', 'direction'], vote('1aaa04', 'up'), vote('1aaa05', 'up')]) },
    { name: 'comment_votes.csv', data: BOM + csv([['id', 'permalink', 'direction'], vote('k3zz001', 'up'), vote('k3zz002', 'removed')]) },
    {
      name: 'saved_posts.csv',
      data: csv([
        ['id', 'permalink'],
        ['1bbb01', `${base}/aww/comments/1bbb01/`],
        ['1bbb02', `${base}/food/comments/1bbb02/`],
      ]),
    },
    {
      name: 'saved_comments.csv',
      data: csv([
        ['id', 'permalink'],
        ['k3yy001', `${base}/food/comments/1bbb02/opskrift/k3yy001/`],
      ]),
    },
    {
      name: 'messages.csv',
      data: csv([
        ['id', 'permalink', 'thread_id', 'date', 'ip', 'from', 'to', 'subject', 'body'],
        ['2bq9x1', `https://www.reddit.com/message/messages/2bq9x1`, '', '2023-11-08 09:30:00 UTC', '', 'river_otter_77', 'maple_owl', 'hej', 'Ses vi?'],
      ]),
    },
    {
      name: 'ip_logs.csv',
      data: csv([
        ['date', 'ip'],
        ['2023-05-01 09:00:00 UTC', SAMPLE_IPS[0]],
      ]),
    },
    {
      name: 'statistics.csv',
      data: csv([
        ['statistic', 'value'],
        ['account_created', '2012-02-02 10:00:00 UTC'],
        ['comment_karma', '4187'],
      ]),
    },
    { name: 'subscribed_subreddits.csv', data: csv([['subreddit'], ['copenhagen'], ['Sourdough']]) },
  ];
}

export const redditArchive = (): Promise<Buffer> => zipFiles(redditFiles());
