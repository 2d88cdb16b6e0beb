import { PLAIN_LINE_PATTERN, escapeHiddenCharacters, findHiddenCharacter, isPlainLine, toPlainLine } from './plain-text';

// Every class the rule names, with one or more members.
const HIDDEN: Array<[string, string]> = [
  ['NUL', '\u0000'],
  ['tab', '\t'],
  ['line feed', '\n'],
  ['carriage return', '\r'],
  ['ESC (starts ANSI sequences)', '\u001b'],
  ['DEL', '\u007f'],
  ['C1 CSI', '\u009b'],
  ['C1 NEL', '\u0085'],
  ['LRE', '\u202a'],
  ['RLE', '\u202b'],
  ['PDF', '\u202c'],
  ['LRO', '\u202d'],
  ['RLO', '\u202e'],
  ['LRI', '\u2066'],
  ['RLI', '\u2067'],
  ['FSI', '\u2068'],
  ['PDI', '\u2069'],
  ['LRM', '\u200e'],
  ['RLM', '\u200f'],
  ['ALM', '\u061c'],
  ['zero-width space', '\u200b'],
  ['word joiner', '\u2060'],
  ['invisible times', '\u2062'],
  ['soft hyphen', '\u00ad'],
  ['byte order mark', '\ufeff'],
  ['interlinear annotation anchor', '\ufff9'],
  ['line separator', '\u2028'],
  ['paragraph separator', '\u2029'],
  ['Mongolian vowel separator', '\u180e'],
  ['Hangul filler', '\u3164'],
  ['halfwidth Hangul filler', '\uffa0'],
  ['tag letter (ASCII smuggling)', '\u{e0041}'],
];

describe('plain lines', () => {
  const pattern = new RegExp(PLAIN_LINE_PATTERN, 'u');

  it.each(HIDDEN)('refuses %s, in the code check and in the schema pattern', (_, character) => {
    const text = `safe ${character} text`;
    expect(isPlainLine(text)).toBe(false);
    // NUL is left to the NUL rule that validateResult applies to every string.
    expect(pattern.test(text)).toBe(character === '\u0000');
    expect(findHiddenCharacter(text)).toMatchObject({ index: 5, codePoint: character.codePointAt(0) });
  });

  it('accepts ordinary text in any script, emoji sequences and the joiners they need', () => {
    for (const text of ['12 posts, best hour 18:00 (UTC+01:00)', 'שלום עולם', 'مرحبا بالعالم', 'می‌خواهم', '👨‍👩‍👧 family', '🇫🇷 ✓ 100 %', 'a\u00a0b', '']) {
      expect(isPlainLine(text)).toBe(true);
      expect(pattern.test(text)).toBe(true);
    }
  });

  it('describes what it found', () => {
    expect(findHiddenCharacter('abc\u202edef')).toEqual({ index: 3, codePoint: 0x202e, code: 'U+202E', kind: 'a bidirectional control' });
    expect(findHiddenCharacter('a\u001b[31m')).toMatchObject({ code: 'U+001B', kind: 'a control character' });
    expect(findHiddenCharacter('a\nb')).toMatchObject({ code: 'U+000A', kind: 'a line break' });
    expect(findHiddenCharacter('a\u2029b')).toMatchObject({ code: 'U+2029', kind: 'a line break' });
    expect(findHiddenCharacter('a\u200bb')).toMatchObject({ code: 'U+200B', kind: 'an invisible formatting character' });
    expect(findHiddenCharacter('x\u{e0041}')).toMatchObject({ index: 1, code: 'U+E0041', kind: 'an invisible formatting character' });
    expect(findHiddenCharacter('fine')).toBeUndefined();
  });

  it('decides a 100,000-character text whose only hidden character is the last (no backtracking between the alternatives)', () => {
    const text = `${'a\u200d'.repeat(50_000)}\u202e`;
    expect(pattern.test(text)).toBe(false);
    expect(pattern.test(text.slice(0, -1))).toBe(true);
  });
});

describe('toPlainLine', () => {
  it('drops ANSI sequences: colours, cursor moves, screen clears, OSC titles and hyperlinks', () => {
    expect(toPlainLine('\u001b[1;31mRed\u001b[0m done', 200)).toBe('Red done');
    expect(toPlainLine('\u001b[2J\u001b[HCleared', 200)).toBe('Cleared');
    expect(toPlainLine('\u001b]0;pwned title\u0007Reading', 200)).toBe('Reading');
    expect(toPlainLine('\u001b]8;;https://evil.example/?d=1\u001b\\click\u001b]8;;\u001b\\ me', 200)).toBe('click me');
    expect(toPlainLine('\u009b31mC1 form', 200)).toBe('C1 form');
    expect(toPlainLine('\u001b]0;never terminated', 200)).toBe('');
    expect(toPlainLine('\u001bcReset', 200)).toBe('Reset');
  });

  it('drops bidi and invisible characters, and turns controls and line breaks into single spaces', () => {
    expect(toPlainLine('Reading \u202estsop\u202c posts', 200)).toBe('Reading stsop posts');
    expect(toPlainLine('\u2067evil\u2069 \u200e\u200f\u061c\u200b\ufeff\u{e0041}ok', 200)).toBe('evil ok');
    expect(toPlainLine('two\nlines\r\nand\ttabs\u2028end', 200)).toBe('two lines and tabs end');
    expect(toPlainLine('  a \u0000\u0001  b  ', 200)).toBe('a b');
    expect(toPlainLine('👨‍👩‍👧 می‌خواهم', 200)).toBe('👨‍👩‍👧 می‌خواهم');
  });

  it('cuts at a number of code points, never inside a surrogate pair', () => {
    expect(toPlainLine('x'.repeat(500), 200)).toHaveLength(200);
    const cut = toPlainLine('😀'.repeat(300), 200);
    expect(Array.from(cut)).toHaveLength(200);
    expect(cut).toBe('😀'.repeat(200));
    expect(toPlainLine(`${'a'.repeat(199)} b`, 200)).toBe('a'.repeat(199));
  });
});

describe('escapeHiddenCharacters', () => {
  it('shows each hidden character as an escape and leaves the rest alone', () => {
    expect(escapeHiddenCharacters('key "a\u202eb" \u001b[31m\u{e0041} fine é 👨‍👩‍👧')).toBe('key "a\\u202Eb" \\u001B[31m\\u{E0041} fine é 👨‍👩‍👧');
  });
});
