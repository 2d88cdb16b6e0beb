// X escapes `&`, `<` and `>` in the text of tweets (and some tools write the other common entities).
// One pass, so `&amp;lt;` becomes `&lt;` and never `<`.
const ENTITY = /&(?:(amp|lt|gt|quot|apos|nbsp)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function fromCodePoint(codePoint: number, original: string): string {
  const valid = codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
  return valid ? String.fromCodePoint(codePoint) : original;
}

/** The text with HTML entities replaced by their characters; an invalid numeric entity is left as it is. */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (match: string, name: string | undefined, decimal: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return NAMED[name]!; // the pattern names only NAMED's entities
    if (decimal !== undefined) return fromCodePoint(Number.parseInt(decimal, 10), match);
    return fromCodePoint(Number.parseInt(hex!, 16), match);
  });
}
