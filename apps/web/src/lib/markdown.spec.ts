import { renderMarkdown } from './markdown';

/** The tags the renderer may emit; anything else would be markup a result smuggled in. */
const ALLOWED_TAGS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'blockquote',
  'pre',
  'code',
  'hr',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'em',
  'strong',
  's',
  'br',
]);

function tagsOf(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z0-9]+)/g)].map((match) => match[1]!.toLowerCase());
}

describe('renderMarkdown', () => {
  it('renders the usual structure: headings, emphasis, lists, tables, code', () => {
    const html = renderMarkdown('# Title\n\n**bold** and *em* and ~~gone~~\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\ncode()\n```\n');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<em>em</em>');
    expect(html).toContain('<s>gone</s>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<td>1</td>');
    expect(html).toContain('<pre><code>code()\n</code></pre>');
  });

  it('escapes raw HTML instead of emitting it', () => {
    const html = renderMarkdown('<script>window.__pwned=1</script>\n\n<img src=x onerror="window.__pwned=1">');
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;');
  });

  it('shows entity-escaped markup as text', () => {
    expect(renderMarkdown('&lt;script&gt;x&lt;/script&gt;')).toBe('<p>&lt;script&gt;x&lt;/script&gt;</p>\n');
  });

  it('makes no link, image or autolink from any syntax', () => {
    const html = renderMarkdown(
      '[click](javascript:alert(1)) ![img](https://example.com/x.png) <https://example.com> https://example.com www.example.com\n\n[ref]\n\n[ref]: https://example.com',
    );
    expect(html).not.toMatch(/<a\b|<img\b|href=|src=/i);
  });

  it('gives a fenced block no class from its info string', () => {
    expect(renderMarkdown('```" onmouseover="x\ncode\n```')).toBe('<pre><code>code\n</code></pre>\n');
  });

  it('emits only the fixed set of tags whatever it is given', () => {
    const hostile = [
      '<div onclick=x>',
      '<svg><script>x</script></svg>',
      '<a href="javascript:x">a</a>',
      '<iframe src=x>',
      '<style>*{}</style>',
      '> quote\n\n---\n\n1. one',
    ].join('\n\n');
    for (const tag of tagsOf(renderMarkdown(hostile))) expect(ALLOWED_TAGS.has(tag)).toBe(true);
  });
});
