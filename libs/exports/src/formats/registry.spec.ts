import { detectFormat, detectFormats } from './registry';

describe('detectFormat', () => {
  it('tells an X archive by its names, and says what it found', () => {
    expect(detectFormat(['data/manifest.js', 'data/tweets.js', 'data/like.js'])).toEqual({
      format: 'x-archive',
      evidence: 'data/manifest.js and data/tweets.js: an X archive (2022+ layout)',
    });
    expect(detectFormat(['data/tweet.js', 'data/account.js'])).toEqual({ format: 'x-archive', evidence: 'data/tweet.js: an X archive (older layout)' });
    expect(detectFormat(['tweet.js'])).toEqual({ format: 'x-archive', evidence: "tweet.js: an X archive (older layout, files at the root)" });
  });

  it('tells a Reddit data request by two of its files, one of them read', () => {
    expect(detectFormat(['comments.csv', 'statistics.csv'])).toEqual({ format: 'reddit', evidence: 'comments.csv, statistics.csv: a Reddit data request' });
    expect(detectFormat(['comments_1.csv', 'comments_2.csv', 'posts.csv', 'ip_logs.csv', 'friends.csv'])).toEqual({
      format: 'reddit',
      evidence: 'comments_1.csv, comments_2.csv, posts.csv and 2 more: a Reddit data request',
    });
    expect(detectFormat(['comments.csv'])).toBeUndefined();
    expect(detectFormat(['ip_logs.csv', 'statistics.csv'])).toBeUndefined();
    expect(detectFormat(['constructor.csv', 'toString.csv'])).toBeUndefined();
  });

  it("tells Lockbox's canonical JSONL when every file is .jsonl", () => {
    expect(detectFormat(['posts.jsonl', 'dir/', 'reactions.jsonl'])).toEqual({ format: 'lockbox-jsonl', evidence: "2 .jsonl files: Lockbox's canonical JSONL" });
    expect(detectFormat(['posts.jsonl', 'notes.txt'])).toBeUndefined();
  });

  it('finds nothing in unknown names, and every format when names of several are mixed', () => {
    expect(detectFormat(['photos/a.jpg', 'notes.txt'])).toBeUndefined();
    expect(detectFormats(['data/tweets.js', 'comments.csv', 'posts.csv']).map((found) => found.format)).toEqual(['x-archive', 'reddit']);
  });
});
