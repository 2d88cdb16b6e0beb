// Markdown from a result, rendered as inert HTML. markdown-it starts from its 'zero' preset (nothing
// enabled) and only block and text rules that cannot produce a link, an image or raw HTML are turned
// on: no `link`, `image`, `autolink`, `linkify`, `reference`, `html_block` or `html_inline`. With
// html: false every `<`, `>`, `&` and quote in the text comes out escaped, so the output is a fixed set of
// tags (p, h1–h6, ul, ol, li, blockquote, pre, code, hr, table parts, em, strong, s, br) around escaped
// text. The result validator already refuses links, images and HTML; this holds even if it did not.
import MarkdownIt from 'markdown-it';

const ENABLED_RULES = [
  'heading',
  'lheading',
  'list',
  'blockquote',
  'code',
  'fence',
  'hr',
  'paragraph',
  'table',
  'emphasis',
  'strikethrough',
  'backticks',
  'newline',
  'escape',
  'entity',
];

function createRenderer() {
  const markdown = new MarkdownIt('zero', { html: false, linkify: false, typographer: false, breaks: false });
  markdown.enable(ENABLED_RULES);
  // Belt and braces: no URL is ever valid, should a rule that makes one be enabled by mistake.
  markdown.validateLink = () => false;
  // The fence's info string becomes a class name; a result has no business choosing class names.
  markdown.renderer.rules.fence = (tokens, index) => `<pre><code>${markdown.utils.escapeHtml(tokens[index]?.content ?? '')}</code></pre>\n`;
  return markdown;
}

const renderer = createRenderer();

/** The HTML of `text`: escaped text inside the fixed set of tags above, never a link, image or script. */
export function renderMarkdown(text: string): string {
  return renderer.render(text);
}
