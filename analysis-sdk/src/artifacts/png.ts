// A PNG artifact must be a PNG by its bytes, not only by its name: browsers and viewers sniff content,
// and a file that is HTML or a ZIP under a .png name is a polyglot waiting for a context that trusts it.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// Length, type, CRC: the bytes of a chunk besides its data.
const CHUNK_OVERHEAD = 12;
const CHUNK_TYPE = /^[A-Za-z]{4}$/;

/**
 * Checks the PNG structure: the signature, an IHDR chunk first, every chunk within the file, and IEND
 * last with nothing after it (where a polyglot would hide its other half). Reads chunk headers only.
 * Returns why the file is not a PNG, or undefined.
 */
export function checkPng(bytes: Buffer): string | undefined {
  if (bytes.length < SIGNATURE.length || !bytes.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    return 'is not a PNG image: it does not start with the PNG signature';
  }
  let offset = SIGNATURE.length;
  while (offset < bytes.length) {
    if (offset + CHUNK_OVERHEAD > bytes.length) return `is not a valid PNG image: the chunk at byte ${offset} is cut short`;
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (!CHUNK_TYPE.test(type)) return `is not a valid PNG image: the chunk at byte ${offset} has no valid type`;
    if (offset === SIGNATURE.length && type !== 'IHDR') return 'is not a valid PNG image: it does not start with an IHDR chunk';
    const end = offset + CHUNK_OVERHEAD + length;
    if (end > bytes.length) return `is not a valid PNG image: the ${type} chunk at byte ${offset} runs past the end of the file`;
    if (type === 'IEND') return end === bytes.length ? undefined : `has ${bytes.length - end} bytes after the end of the PNG image (IEND)`;
    offset = end;
  }
  return 'is not a valid PNG image: it has no IEND chunk';
}
