import { unescapeHtml } from './html-entities';

describe('unescapeHtml', () => {
  it('replaces the named entities X writes and numeric ones, in one pass', () => {
    expect(unescapeHtml('Fish &amp; chips &lt;3 &gt; &quot;hi&quot; &apos;x&#39; &#128522; &#x1F56F; a&nbsp;b')).toBe(
      'Fish & chips <3 > "hi" \'x\' 😊 🕯 a\u00a0b',
    );
    expect(unescapeHtml('&amp;lt; stays &lt;')).toBe('&lt; stays <');
  });

  it('leaves unknown and invalid entities as they are', () => {
    expect(unescapeHtml('&copy; &#0; &#xD800; &#99999999; & alone &amp')).toBe('&copy; &#0; &#xD800; &#99999999; & alone &amp');
  });
});
