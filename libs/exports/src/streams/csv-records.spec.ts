import { BufferGauge } from './buffer-gauge';
import { type CsvOptions, type CsvRow, readCsvRecords } from './csv-records';

const options = (overrides: Partial<CsvOptions> = {}): CsvOptions => ({ maxColumns: 10, maxFieldBytes: 100, maxRecordBytes: 300, ...overrides });

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function rows(text: string | Buffer, opts = options(), size = 5): Promise<CsvRow[]> {
  const out: CsvRow[] = [];
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  for await (const row of readCsvRecords(chunksOf(bytes, size), opts)) out.push(row);
  return out;
}

describe('readCsvRecords', () => {
  it('reads RFC 4180: quoted commas, doubled quotes, multi-line fields, CRLF, with their starting lines', async () => {
    const text = 'id,body,n\r\n1,"Hej, verden",2\r\n2,"Zeile eins\r\nZeile ""zwei""",3\r\n3,,\r\n';
    for (const size of [1, 2, 3, 5, 1000]) {
      expect(await rows(text, options(), size)).toEqual([
        { line: 1, fields: ['id', 'body', 'n'] },
        { line: 2, fields: ['1', 'Hej, verden', '2'] },
        { line: 3, fields: ['2', 'Zeile eins\r\nZeile "zwei"', '3'] },
        { line: 5, fields: ['3', '', ''] },
      ]);
    }
  });

  it('drops a UTF-8 BOM, accepts LF and lone CR line ends and a last line without one, and passes over blank lines', async () => {
    expect(await rows('\uFEFFa,b\n\n1,2\r3,"4"', options(), 1)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
      { line: 4, fields: ['3', '4'] },
    ]);
  });

  it('keeps text after a closing quote as part of the field, like common readers', async () => {
    expect(await rows('"ab"cd,e\n')).toEqual([{ line: 1, fields: ['abcd', 'e'] }]);
  });

  it('accepts exactly the column cap and skips a record one column over it, then goes on', async () => {
    const atCap = Array.from({ length: 10 }, (_, i) => `c${i}`).join(',');
    const over = `${atCap},c10`;
    expect(await rows(`${atCap}\n${over}\nlast\n`)).toEqual([
      { line: 1, fields: atCap.split(',') },
      { line: 2, skip: 'too_many_columns', message: 'the record has more than 10 columns' },
      { line: 3, fields: ['last'] },
    ]);
  });

  it('skips a record with a field or a record past its byte cap, holding no more than the cap', async () => {
    const gauge = new BufferGauge();
    const longField = `"${'x'.repeat(101)}"`;
    const longRecord = Array.from({ length: 4 }, () => 'y'.repeat(90)).join(',');
    expect(await rows(`${longField},a\n${longRecord}\nok,${'z'.repeat(100)}\n`, options({ gauge }), 7)).toEqual([
      { line: 1, skip: 'field_too_large', message: 'a field is longer than 100 bytes' },
      { line: 2, skip: 'record_too_large', message: 'the record is longer than 300 bytes' },
      { line: 3, fields: ['ok', 'z'.repeat(100)] },
    ]);
    expect(gauge.peakBytes).toBeLessThanOrEqual(300);
  });

  it('reports a quote never closed and a record that is not valid UTF-8', async () => {
    expect(await rows('a,"never closed\nmore')).toEqual([{ line: 1, skip: 'unterminated_quote', message: 'a quoted field is never closed' }]);
    expect(await rows(Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n2,3\n')]))).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, skip: 'invalid_utf8', message: 'the record is not valid UTF-8' },
      { line: 3, fields: ['2', '3'] },
    ]);
  });

  it('decodes multi-byte characters split across chunks', async () => {
    expect(await rows('ø,😀,æ\n', options(), 1)).toEqual([{ line: 1, fields: ['ø', '😀', 'æ'] }]);
  });
});
