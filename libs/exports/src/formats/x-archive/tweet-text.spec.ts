import { linkMap, readableText, tweetLinks } from './tweet-text';

describe('tweet text', () => {
  it('unescapes entities, then expands only the t.co links the entities list', () => {
    const links = tweetLinks({
      entities: {
        urls: [{ url: 'https://t.co/abc', expanded_url: 'https://example.org/a?b=1&c=2' }],
        media: [{ url: 'https://t.co/pic', expanded_url: 'https://x.com/a/status/1/photo/1' }],
      },
    });
    expect(readableText('See https://t.co/abc &amp; https://t.co/abcd and https://t.co/pic', links)).toBe(
      'See https://example.org/a?b=1&c=2 & https://t.co/abcd and https://x.com/a/status/1/photo/1',
    );
  });

  it('ignores expanded links that are not web links, and entities of the wrong shape', () => {
    const links = linkMap(
      [{ url: 'https://t.co/js', expanded: 'javascript:alert(1)' }, 'nonsense', { url: 'https://t.co/ok', expanded: 'https://ok.example' }],
      'expanded',
    );
    expect([...links]).toEqual([['https://t.co/ok', 'https://ok.example']]);
    expect(tweetLinks({ entities: { urls: 'not a list', constructor: { urls: [] } } }).size).toBe(0);
  });
});
