import { repairMetaStrings, repairMetaText } from './meta-mojibake';

/** What Facebook writes for a text: each UTF-8 byte of it as its own \u00XX escape, read back by JSON.parse. */
function asMetaWrites(text: string): string {
  const escaped = [...Buffer.from(text, 'utf8')]
    .map((byte) => (byte < 0x80 ? String.fromCharCode(byte) : `\\u00${byte.toString(16).padStart(2, '0')}`))
    .join('');
  return JSON.parse(`"${escaped.replace(/"/g, '\\"')}"`) as string;
}

describe('repairMetaText', () => {
  it('repairs Danish and German text as Facebook escapes it', () => {
    expect(asMetaWrites('ø')).toBe('\u00c3\u00b8');
    for (const text of [
      'Smørrebrød på Nørrebro, æbleskiver og rødgrød med fløde',
      'Åbent hus i Århus',
      'Grüße aus München: schön, größer, Straße',
      'ÄÖÜ äöü ß ẞ',
    ]) {
      expect(repairMetaText(asMetaWrites(text))).toEqual({ text, outcome: 'repaired' });
    }
  });

  it('repairs emoji, whose UTF-8 is four bytes (one character above U+FFFF, two UTF-16 code units)', () => {
    const text = 'Skål 🍻 og 👍🏽 og 👨‍👩‍👧';
    const written = asMetaWrites(text);
    expect(written).toContain('\u00f0\u009f\u008d\u00bb');
    expect(repairMetaText(written)).toEqual({ text, outcome: 'repaired' });
  });

  it('leaves ASCII and empty text as they are', () => {
    expect(repairMetaText('plain text, "quoted" & <tagged>')).toEqual({ text: 'plain text, "quoted" & <tagged>', outcome: 'unchanged' });
    expect(repairMetaText('')).toEqual({ text: '', outcome: 'unchanged' });
  });

  it('leaves text with a character above U+00FF as it is: it was written right', () => {
    for (const text of ['Skål 🍻', 'København – “citat”', 'Ã¸ next to € is not repaired', '日本語']) {
      expect(repairMetaText(text)).toEqual({ text, outcome: 'unchanged' });
    }
  });

  it('leaves right Latin-1 text that is not UTF-8 as bytes as it is, and says so', () => {
    for (const text of ['café', 'naïve', 'Ærø', 'Straße', '\u00c3', '\u00c3(', '\u00f0\u009f\u008d']) {
      expect(repairMetaText(text)).toEqual({ text, outcome: 'not_utf8' });
    }
  });

  it('refuses what strict UTF-8 refuses: overlong forms and encoded surrogates', () => {
    expect(repairMetaText('\u00c0\u0080').outcome).toBe('not_utf8');
    expect(repairMetaText('\u00ed\u00a0\u0080').outcome).toBe('not_utf8');
    expect(repairMetaText('\u00f4\u0090\u0080\u0080').outcome).toBe('not_utf8');
  });

  it('keeps an escaped byte order mark as a character', () => {
    expect(repairMetaText('\u00ef\u00bb\u00bfhej')).toEqual({ text: '\ufeffhej', outcome: 'repaired' });
  });

  it('is idempotent: repaired text is left as it is', () => {
    const once = repairMetaText(asMetaWrites('rødgrød 🍓')).text;
    expect(repairMetaText(once)).toEqual({ text: once, outcome: 'unchanged' });
  });
});

describe('repairMetaStrings', () => {
  it('repairs every string value of an element, not its keys, and counts what could not be repaired', () => {
    const element = JSON.parse(
      '{"timestamp": 1704067200, "data": [{"post": "R\\u00c3\\u00b8dgr\\u00c3\\u00b8d \\u00f0\\u009f\\u008d\\u0093"}], "title": "caf\\u00e9", "tags": [{"name": "J\\u00c3\\u00bcrgen"}], "ok": true}',
    ) as Record<string, unknown>;
    expect(repairMetaStrings(element)).toEqual({
      value: { timestamp: 1704067200, data: [{ post: 'Rødgrød 🍓' }], title: 'café', tags: [{ name: 'Jürgen' }], ok: true },
      notUtf8: 1,
    });
  });
});
