import { BufferGauge } from './buffer-gauge';
import { readLines, type TextLine } from './lines';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function lines(bytes: Buffer, maxLineBytes = 10, size = 3, gauge?: BufferGauge): Promise<TextLine[]> {
  const out: TextLine[] = [];
  for await (const line of readLines(chunksOf(bytes, size), { maxLineBytes, gauge })) out.push(line);
  return out;
}

describe('readLines', () => {
  it('splits on LF, drops a CR before it and a BOM before the first line, and keeps a last line without LF', async () => {
    expect(await lines(Buffer.from('\uFEFFeins\r\n\nzwei'))).toEqual([
      { line: 1, text: 'eins' },
      { line: 2, text: '' },
      { line: 3, text: 'zwei' },
    ]);
  });

  it('skips a line past the cap without holding it, accepts one at the cap, and reports invalid UTF-8', async () => {
    const gauge = new BufferGauge();
    const found = await lines(Buffer.concat([Buffer.from('0123456789\n0123456789A\n'), Buffer.from([0xff]), Buffer.from('\nok')]), 10, 3, gauge);
    expect(found).toEqual([
      { line: 1, text: '0123456789' },
      { line: 2, skip: 'line_too_long', message: 'the line is longer than 10 bytes' },
      { line: 3, skip: 'invalid_utf8', message: 'the line is not valid UTF-8' },
      { line: 4, text: 'ok' },
    ]);
    expect(gauge.peakBytes).toBeLessThanOrEqual(10);
  });

  it('gives nothing for an empty input', async () => {
    expect(await lines(Buffer.alloc(0))).toEqual([]);
  });
});
