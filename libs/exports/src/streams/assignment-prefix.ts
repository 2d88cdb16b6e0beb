import { FileFault } from '../faults';

// X's archive files are JavaScript: `window.YTD.tweets.part0 = [ … ]`. The assignment is matched exactly
// and cut off; what follows is read as JSON and never run. A bare JSON array (no assignment) is read too.
const PREFIX = /^\uFEFF?\s*(?:window\.YTD\.[A-Za-z0-9_]+\.part[0-9]+\s*=\s*)?$/;
const MAX_PREFIX_BYTES = 256;
const OPEN_ARRAY = 0x5b;

const EXPECTED = 'the file does not start with window.YTD.<name>.part<N> = [';

/** The content from the array's opening bracket on, once the assignment before it matched exactly. */
export async function* afterAssignmentPrefix(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const chunk of input) {
    if (head === undefined) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    const bracket = head.indexOf(OPEN_ARRAY);
    if (bracket === -1 || bracket > MAX_PREFIX_BYTES) {
      if (bracket > MAX_PREFIX_BYTES || head.length > MAX_PREFIX_BYTES) throw new FileFault('not_parseable', EXPECTED);
      continue;
    }
    if (!PREFIX.test(head.subarray(0, bracket).toString('utf8'))) throw new FileFault('not_parseable', EXPECTED);
    const rest = head.subarray(bracket);
    head = undefined;
    yield rest;
  }
  if (head !== undefined) throw new FileFault('not_parseable', EXPECTED);
}
