import { facebook2024Files, facebookOlderFiles } from '../../test-fixtures/facebook-sample';
import { takeoutEnglishFiles, takeoutGermanFiles } from '../../test-fixtures/google-takeout-sample';
import { instagramFiles } from '../../test-fixtures/instagram-sample';
import { redditFiles } from '../../test-fixtures/reddit-sample';
import { xArchive2022Files } from '../../test-fixtures/x-archive-sample';
import { detectFormat, detectFormats } from './registry';

describe('detectFormat', () => {
  it('tells an X archive by its names, and says what it found', () => {
    expect(detectFormat(['data/manifest.js', 'data/tweets.js', 'data/like.js'])).toEqual({
      format: 'x-archive',
      evidence: 'data/manifest.js and data/tweets.js: an X archive (2022+ layout)',
    });
    expect(detectFormat(['data/tweet.js', 'data/account.js'])).toEqual({ format: 'x-archive', evidence: 'data/tweet.js: an X archive (older layout)' });
    expect(detectFormat(['tweet.js'])).toEqual({ format: 'x-archive', evidence: 'tweet.js: an X archive (older layout, files at the root)' });
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
    expect(detectFormat(['posts.jsonl', 'dir/', 'reactions.jsonl'])).toEqual({
      format: 'lockbox-jsonl',
      evidence: "2 .jsonl files: Lockbox's canonical JSONL",
    });
    expect(detectFormat(['posts.jsonl', 'notes.txt'])).toBeUndefined();
  });

  it('finds nothing in unknown names, and every format when names of several are mixed', () => {
    expect(detectFormat(['photos/a.jpg', 'notes.txt'])).toBeUndefined();
    expect(detectFormats(['data/tweets.js', 'comments.csv', 'posts.csv']).map((found) => found.format)).toEqual(['x-archive', 'reddit']);
  });

  it('detects each sample export as its own format and no other', () => {
    const strip = (names: string[]) => {
      const first = names[0]?.split('/')[0] ?? '';
      return names.every((name) => name.startsWith(`${first}/`)) ? names.map((name) => name.slice(first.length + 1)) : names;
    };
    const samples: [string, string[]][] = [
      ['x-archive', xArchive2022Files().map((file) => file.name)],
      ['reddit', redditFiles().map((file) => file.name)],
      ['facebook', facebook2024Files().map((file) => file.name)],
      ['facebook', facebookOlderFiles().map((file) => file.name)],
      ['instagram', instagramFiles('older').map((file) => file.name)],
      ['instagram', instagramFiles('2023').map((file) => file.name)],
      ['instagram', instagramFiles('2025').map((file) => file.name)],
      ['google-takeout', strip(takeoutEnglishFiles().map((file) => file.name))],
      ['google-takeout', strip(takeoutGermanFiles().map((file) => file.name))],
    ];
    for (const [format, names] of samples) expect([format, detectFormats(names).map((found) => found.format)]).toEqual([format, [format]]);
  });
});
