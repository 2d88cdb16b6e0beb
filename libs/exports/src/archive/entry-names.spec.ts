import { displayName, entryNameProblem, isNestedArchiveName } from './entry-names';

describe('entry names', () => {
  it('accepts ordinary names, including non-ASCII ones and directories', () => {
    for (const name of ['data/tweets.js', 'Your archive.html', 'data/tweets_media/æøå-😀.jpg', 'data/', 'comments_1.csv']) {
      expect(entryNameProblem(name, Buffer.byteLength(name), 1024)).toBeUndefined();
    }
  });

  it('refuses names that could be paths elsewhere or display as something else, one reason each', () => {
    expect(entryNameProblem('a/../b', 6, 1024)).toBe("the name has a '..' segment");
    expect(entryNameProblem('..', 2, 1024)).toBe("the name has a '..' segment");
    expect(entryNameProblem('/etc/passwd', 11, 1024)).toBe('the name is an absolute path');
    expect(entryNameProblem('c:/x', 4, 1024)).toBe('the name is an absolute path');
    expect(entryNameProblem('a\\b', 3, 1024)).toBe('the name has a backslash');
    expect(entryNameProblem('a\u0085b', 4, 1024)).toBe('the name has a control character');
    expect(entryNameProblem('a\u2066b', 5, 1024)).toBe('the name has a bidirectional-text control character');
    expect(entryNameProblem('a//b', 4, 1024)).toBe("the name has an empty or '.' segment");
    expect(entryNameProblem('', 0, 1024)).toBe('the name is empty');
    expect(entryNameProblem('x'.repeat(1025), 1025, 1024)).toBe('the name is longer than 1024 bytes');
    expect(entryNameProblem('x'.repeat(1024), 1024, 1024)).toBeUndefined();
  });

  it('shows names with control and bidi characters escaped, and cut at 200 characters', () => {
    expect(displayName('a\u0000b\u202Ec')).toBe('a\\u{0000}b\\u{202e}c');
    expect(displayName('y'.repeat(500))).toBe(`${'y'.repeat(199)}…`);
  });

  it('knows nested archives by their extension', () => {
    expect(['a.zip', 'b.TAR', 'c.tar.gz', 'd.7z', 'e.rar', 'f.zst'].every(isNestedArchiveName)).toBe(true);
    expect(isNestedArchiveName('tweets.js')).toBe(false);
  });
});
