import { Readable } from 'node:stream';
import { type JsonlLine, readJsonlLines } from './jsonl-lines';

async function lines(chunks: Array<Buffer | string>, maxLineBytes?: number): Promise<JsonlLine[]> {
  const result: JsonlLine[] = [];
  for await (const line of readJsonlLines(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), { maxLineBytes })) result.push(line);
  return result;
}

describe('readJsonlLines', () => {
  it('numbers lines from 1 and joins lines cut across chunks', async () => {
    expect(await lines(['{"a":', '1}\n{"b"', ':2}\n', '{"c":3}\n'])).toEqual([
      { number: 1, text: '{"a":1}' },
      { number: 2, text: '{"b":2}' },
      { number: 3, text: '{"c":3}' },
    ]);
  });

  it('keeps a last line without a newline, drops "\\r" of CRLF and yields blank lines as they are', async () => {
    expect(await lines(['one\r\n\r\n', '\nlast'])).toEqual([
      { number: 1, text: 'one' },
      { number: 2, text: '' },
      { number: 3, text: '' },
      { number: 4, text: 'last' },
    ]);
  });

  it('adds no line after a final newline, and none for an empty stream', async () => {
    expect(await lines(['a\n'])).toEqual([{ number: 1, text: 'a' }]);
    expect(await lines([])).toEqual([]);
  });

  it('reports a line past the cap without holding it, and goes on with the next one', async () => {
    const result = await lines(['12345', '6\n1234', '5\n', '1234567', '890', '\nok'], 5);
    expect(result).toEqual([
      { number: 1, error: 'line is longer than 5 bytes' },
      { number: 2, text: '12345' },
      { number: 3, error: 'line is longer than 5 bytes' },
      { number: 4, text: 'ok' },
    ]);
  });

  it('names the default cap in MiB and accepts a line of exactly the cap', async () => {
    const MiB = 1024 * 1024;
    const result = await lines(['x'.repeat(MiB), '\n', 'y'.repeat(MiB + 1)]);
    expect(result[0]).toEqual({ number: 1, text: 'x'.repeat(MiB) });
    expect(result[1]).toEqual({ number: 2, error: 'line is longer than 1 MiB' });
  });

  it('reports invalid UTF-8 instead of replacing it, and decodes multi-byte characters split across chunks', async () => {
    const euro = Buffer.from('€');
    const result = await lines([
      Buffer.concat([Buffer.from('"'), euro.subarray(0, 1)]),
      Buffer.concat([euro.subarray(1), Buffer.from('"\n')]),
      Buffer.from([0x22, 0xff, 0xfe, 0x22, 0x0a]),
      'fine',
    ]);
    expect(result).toEqual([
      { number: 1, text: '"€"' },
      { number: 2, error: 'line is not valid UTF-8' },
      { number: 3, text: 'fine' },
    ]);
  });
});
