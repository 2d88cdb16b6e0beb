// One-line texts that people read in lists, notifications and a terminal: a result's summary and labels,
// progress messages, a failed run's message. Written by third-party code, so they may carry characters
// that draw nothing but change what the rest of the line looks like: control characters and ANSI escape
// sequences (a terminal obeys them), bidirectional overrides and isolates (they reorder the text around
// them: "Trojan Source"), and invisible formatting characters (they hide text, or make two texts that
// differ look the same).

/**
 * The characters a plain line must not hold: controls (C0, DEL, C1: Unicode category Cc), format
 * characters (Cf: bidi marks, embeddings, overrides and isolates, zero-width space, word joiner, soft
 * hyphen, byte order mark, invisible tags…), line and paragraph separators (Zl, Zp), and the Hangul fillers
 * (letters that draw nothing, a favourite for blank-looking names). The zero-width joiner and non-joiner
 * (U+200D, U+200C) are Cf but stay allowed: emoji sequences and several scripts (Persian, Indic) need them.
 */
const HIDDEN = String.raw`\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0`;
const JOINERS = String.raw`\u200C\u200D`;

/**
 * A JSON Schema `pattern` (ECMAScript, with the `u` flag, as Ajv compiles it) for one line of plain text.
 * It spells Cc out without NUL, which validateResult refuses in every string with its own message. The
 * two alternatives never overlap, so matching is linear in the length of the text.
 */
export const PLAIN_LINE_PATTERN = `^(?:[${JOINERS}]|[^${HIDDEN.replace(String.raw`\p{Cc}`, String.raw`\u0001-\u001F\u007F-\u009F`)}])*$`;

const HIDDEN_CHARACTER = new RegExp(`(?![${JOINERS}])[${HIDDEN}]`, 'u');
const HIDDEN_CHARACTERS = new RegExp(`(?![${JOINERS}])[${HIDDEN}]`, 'gu');
const LINE_BREAKING = /[\p{Cc}\p{Zl}\p{Zp}]/u;
// ECMA-48 sequences a terminal acts on: CSI (ESC [ or U+009B, parameters, intermediates, a final byte);
// the strings OSC, DCS, SOS, PM and APC (ESC ] P X ^ _ or their C1 forms) up to BEL or ST, or to the end
// when never terminated (an OSC 8 hyperlink is one); then any other ESC with its intermediates and final byte.
/* eslint-disable no-control-regex -- a block, not next-line: prettier may wrap the pattern onto a line of its own */
const ANSI_SEQUENCE =
  /(?:\u001B\[|\u009B)[0-?]*[ -/]*[@-~]|(?:\u001B[\]PX^_]|[\u0090\u0098\u009D\u009E\u009F])[\s\S]*?(?:\u0007|\u001B\\|\u009C|$)|\u001B[ -/]*[0-~]/g;
/* eslint-enable no-control-regex */

export interface HiddenCharacter {
  /** Index in UTF-16 code units, as JavaScript counts characters. */
  index: number;
  codePoint: number;
  /** e.g. "U+202E". */
  code: string;
  /** "a bidirectional control", "a line break", "a control character" or "an invisible formatting character". */
  kind: string;
}

/** The first character a plain line must not hold, or undefined when there is none. */
export function findHiddenCharacter(text: string): HiddenCharacter | undefined {
  const match = HIDDEN_CHARACTER.exec(text);
  if (!match) return undefined;
  const codePoint = match[0].codePointAt(0)!;
  return { index: match.index, codePoint, code: `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`, kind: kindOf(codePoint) };
}

/** Whether `text` is one line of plain text (see PLAIN_LINE_PATTERN). */
export function isPlainLine(text: string): boolean {
  return !HIDDEN_CHARACTER.test(text);
}

function kindOf(codePoint: number): string {
  const character = String.fromCodePoint(codePoint);
  if (isBidiControl(codePoint)) return 'a bidirectional control';
  if (character === '\n' || character === '\r' || /[\p{Zl}\p{Zp}]/u.test(character)) return 'a line break';
  if (/\p{Cc}/u.test(character)) return 'a control character';
  return 'an invisible formatting character';
}

function isBidiControl(codePoint: number): boolean {
  return (
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069) ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    codePoint === 0x061c
  );
}

/**
 * Makes one line of plain text out of anything: ANSI escape sequences go, controls and line breaks
 * become spaces, other hidden characters go, runs of white space become one space, and the result is
 * trimmed and cut at `maxChars` code points (never inside a surrogate pair). For texts that are shown
 * once and not validated, such as progress messages, where dropping the noise is kinder than failing.
 */
export function toPlainLine(text: string, maxChars: number): string {
  const stripped = text
    .replace(ANSI_SEQUENCE, '')
    .replace(HIDDEN_CHARACTERS, (character) => (LINE_BREAKING.test(character) ? ' ' : ''))
    .replace(/\s+/g, ' ')
    .trim();
  const codePoints = Array.from(stripped);
  return codePoints.length <= maxChars ? stripped : codePoints.slice(0, maxChars).join('').trimEnd();
}

/**
 * Writes every hidden character as a visible escape (`\u202E`), so a message that quotes third-party
 * text (a key, a file name, a snippet) shows it without being reordered, hidden or run by a terminal.
 */
export function escapeHiddenCharacters(text: string): string {
  return text.replace(HIDDEN_CHARACTERS, (character) => {
    const codePoint = character.codePointAt(0)!;
    return codePoint > 0xffff ? `\\u{${codePoint.toString(16).toUpperCase()}}` : `\\u${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}
