import { checkPng } from './png';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
function chunk(type: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
}
const IHDR = chunk('IHDR', Buffer.alloc(13));
const png = (...chunks: Buffer[]) => Buffer.concat([SIGNATURE, ...chunks]);

describe('checkPng', () => {
  it('accepts a PNG: signature, IHDR first, IEND last', () => {
    expect(checkPng(png(IHDR, chunk('tEXt', Buffer.from('Software\0matplotlib')), chunk('IDAT', Buffer.alloc(20)), chunk('IEND')))).toBeUndefined();
  });

  it.each([
    ['HTML named .png', Buffer.from('<html><script>alert(1)</script></html>'), 'is not a PNG image: it does not start with the PNG signature'],
    ['an empty file', Buffer.alloc(0), 'is not a PNG image: it does not start with the PNG signature'],
    ['a first chunk other than IHDR', png(chunk('IDAT'), chunk('IEND')), 'is not a valid PNG image: it does not start with an IHDR chunk'],
    [
      'a chunk running past the end',
      png(IHDR, chunk('IDAT', Buffer.alloc(10)).subarray(0, 15)),
      'is not a valid PNG image: the IDAT chunk at byte 33 runs past the end of the file',
    ],
    ['a chunk header cut short', png(IHDR, Buffer.from([0, 0])), 'is not a valid PNG image: the chunk at byte 33 is cut short'],
    ['a chunk with an invalid type', png(IHDR, chunk('<s>\0'), chunk('IEND')), 'is not a valid PNG image: the chunk at byte 33 has no valid type'],
    ['no IEND', png(IHDR, chunk('IDAT')), 'is not a valid PNG image: it has no IEND chunk'],
    [
      'a polyglot: bytes after IEND',
      Buffer.concat([png(IHDR, chunk('IEND')), Buffer.from('<html><script>alert(1)</script>')]),
      'has 31 bytes after the end of the PNG image (IEND)',
    ],
  ])('refuses %s', (_, bytes, reason) => {
    expect(checkPng(bytes)).toBe(reason);
  });
});
