import { FileFault } from '../faults';
import { afterAssignmentPrefix } from './assignment-prefix';
import { BufferGauge } from './buffer-gauge';
import { type JsonElement, type JsonElementOptions, readJsonElements } from './json-elements';

const options = (overrides: Partial<JsonElementOptions> = {}): JsonElementOptions => ({ path: ['*'], maxElementBytes: 1024, maxDepth: 16, ...overrides });

async function* chunksOf(text: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function elements(text: string | Buffer, opts = options(), chunkSize = 7): Promise<JsonElement[]> {
  const out: JsonElement[] = [];
  for await (const element of readJsonElements(chunksOf(text, chunkSize), opts)) out.push(element);
  return out;
}

async function fault(run: Promise<unknown>): Promise<FileFault> {
  try {
    await run;
  } catch (error) {
    if (error instanceof FileFault) return error;
    throw error;
  }
  throw new Error('expected a FileFault');
}

const tricky = [
  { text: 'quote " and backslash \\ and slash / end', n: 1 },
  'ends with a backslash \\',
  ['nested', { deep: [1, 2, { x: '[{' }] }],
  'brackets in a string: ] } [ {',
  42,
  -3.5e2,
  true,
  null,
  'ünïcødé ☀️ 🚲 æøå',
  { '': '', 'k"ey': '\\"' },
];

describe('readJsonElements', () => {
  it('gives each element of the root array, parsed, whatever the chunk boundaries', async () => {
    const text = JSON.stringify(tricky, null, 2);
    for (const size of [1, 2, 3, 7, 64, 100_000]) {
      const found = await elements(text, options(), size);
      expect(found.map((element) => (element.ok ? element.value : element.reason))).toEqual(tricky);
      expect(found.map((element) => element.at)).toEqual(tricky.map((_, index) => [index]));
    }
  });

  it('reads an empty array and one followed by a semicolon', async () => {
    expect(await elements('[ ]')).toEqual([]);
    expect(await elements('[{"a":1}];\n')).toEqual([{ ok: true, value: { a: 1 }, at: [0] }]);
  });

  it('finds elements deep in the structure without keeping what surrounds them', async () => {
    const conversations = [
      { dmConversation: { conversationId: 'a', other: { messages: ['not these'] }, messages: [{ m: 1 }, { m: 2 }] } },
      { dmConversation: { messages: [], conversationId: 'b' } },
      { dmConversation: { 'mess\\u0061ges': 'escaped key', messages: [{ m: 3 }] } },
      { somethingElse: { messages: [{ m: 99 }] } },
    ];
    const text = JSON.stringify(conversations).replace('mess\\\\u0061ges', 'mess\\u0061ges');
    for (const size of [1, 5, 1000]) {
      const found = await elements(text, options({ path: ['*', 'dmConversation', 'messages', '*'] }), size);
      expect(found).toEqual([
        { ok: true, value: { m: 1 }, at: [0, 0] },
        { ok: true, value: { m: 2 }, at: [0, 1] },
        { ok: true, value: { m: 3 }, at: [2, 0] },
      ]);
    }
  });

  it('skips an element past the cap, scanning it to its end without keeping it, and goes on', async () => {
    const big = 'x'.repeat(5000);
    const gauge = new BufferGauge();
    const found = await elements(JSON.stringify([{ a: 1 }, { big }, 'after']), options({ gauge }), 100);
    expect(found).toEqual([
      { ok: true, value: { a: 1 }, at: [0] },
      { ok: false, reason: 'element_too_large', message: 'the element is 5010 bytes, more than 1 KiB', at: [1] },
      { ok: true, value: 'after', at: [2] },
    ]);
    expect(gauge.peakBytes).toBeLessThanOrEqual(1024);
    // Exactly at the cap, an element is kept.
    const exact = JSON.stringify({ s: 'y'.repeat(1024 - 8) });
    expect(Buffer.byteLength(exact)).toBe(1024);
    expect((await elements(`[${exact}]`, options(), 100))[0]?.ok).toBe(true);
  });

  it('reports an element that is not valid JSON or not valid UTF-8, and goes on', async () => {
    const found = await elements(Buffer.concat([Buffer.from('[{"a": tru}, "\xff'), Buffer.from([0xff]), Buffer.from('", 1]')]));
    expect(found.map((element) => (element.ok ? element.value : element.reason))).toEqual(['invalid_json', 'invalid_utf8', 1]);
  });

  it('fails the file on what is not a JSON array, unbalanced brackets, content after the array or a cut-off end', async () => {
    expect((await fault(elements('{"a": 1}'))).message).toBe('the content is not a JSON array');
    expect((await fault(elements(''))).message).toBe('the file holds no JSON array');
    expect((await fault(elements('[1, 2'))).message).toBe('the file ends before its JSON array is closed');
    expect((await fault(elements('[1}'))).message).toBe('the JSON brackets do not match');
    expect((await fault(elements('[1]; alert(1)'))).message).toBe('there is content after the JSON array');
  });

  it('hands over the elements a chunk completed before a fault, then fails the file', async () => {
    const kept: JsonElement[] = [];
    const error = await fault(
      (async () => {
        for await (const element of readJsonElements(chunksOf('[{"a": 1}, {"b": 2}] and more', 100_000), options())) kept.push(element);
      })(),
    );
    expect(error.message).toBe('there is content after the JSON array');
    expect(kept.map((element) => element.ok && element.value)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('fails the file when the structure around the elements nests past the depth cap', async () => {
    const path = ['*', 'a', '*'];
    const deep = `[${'['.repeat(20)}${']'.repeat(20)}]`;
    const error = await fault(elements(deep, options({ path, maxDepth: 16 })));
    expect(error).toMatchObject({ reason: 'too_deep' });
    expect(await elements(`[${'['.repeat(10)}${']'.repeat(10)}]`, options({ path, maxDepth: 16 }))).toEqual([]);
  });

  it('skips an element nested past the depth cap, holding none of it, and reads the next', async () => {
    const gauge = new BufferGauge();
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const found = await elements(`[{"a": 1}, ${deep}, {"b": [[2]]}]`, options({ maxDepth: 16, maxElementBytes: 64 * 1024, gauge }), 64);
    expect(found).toEqual([
      { ok: true, value: { a: 1 }, at: [0] },
      { ok: false, reason: 'too_deep', message: 'the element nests deeper than 16 levels', at: [1] },
      { ok: true, value: { b: [[2]] }, at: [2] },
    ]);
    expect(gauge.peakBytes).toBeLessThan(64);
    // The other side: an element exactly at the cap (15 levels inside the root array) is read.
    const atCap = `${'['.repeat(15)}${']'.repeat(15)}`;
    expect((await elements(`[${atCap}]`, options({ maxDepth: 16 })))[0]?.ok).toBe(true);
    expect((await elements(`[[${atCap}]]`, options({ maxDepth: 16 })))[0]).toMatchObject({ ok: false, reason: 'too_deep' });
  });

  it('reads the elements under a key of a root object, and the first key of several vintages', async () => {
    const records = { version: 3, locations: [{ latitudeE7: 1 }, { latitudeE7: 2 }], settings: { locations: ['not these'] } };
    for (const size of [1, 4, 1000]) {
      expect(await elements(JSON.stringify(records), options({ path: ['locations', '*'] }), size)).toEqual([
        { ok: true, value: { latitudeE7: 1 }, at: [0] },
        { ok: true, value: { latitudeE7: 2 }, at: [1] },
      ]);
    }
    // Elements from either path, each saying which one it was found at.
    const paths = [['comments_v2', '*'], ['comments', '*'], ['*']];
    expect(await elements('{"comments": [1, 2]}', options({ paths }))).toEqual([
      { ok: true, value: 1, at: [0], path: 1 },
      { ok: true, value: 2, at: [1], path: 1 },
    ]);
    expect(await elements('[{"x": 1}]', options({ paths }))).toEqual([{ ok: true, value: { x: 1 }, at: [0], path: 2 }]);
    // Two arrays of one root object, in file order.
    expect(
      await elements(
        '{"semanticSegments": [1], "rawSignals": [2], "userLocationProfile": {}}',
        options({
          paths: [
            ['semanticSegments', '*'],
            ['rawSignals', '*'],
          ],
        }),
      ),
    ).toEqual([
      { ok: true, value: 1, at: [0], path: 0 },
      { ok: true, value: 2, at: [0], path: 1 },
    ]);
    // An empty list under the key is no fault.
    expect(await elements('{"comments_v2": []}', options({ paths }))).toEqual([]);
  });

  it('fails a file whose root is not the shape its paths expect, saying which keys were looked for', async () => {
    expect(
      (
        await fault(
          elements(
            '{"reactions": []}',
            options({
              paths: [
                ['comments_v2', '*'],
                ['comments', '*'],
              ],
            }),
          ),
        )
      ).message,
    ).toBe('the JSON object has no "comments_v2" or "comments"');
    expect((await fault(elements('{}', options({ path: ['locations', '*'] })))).message).toBe('the JSON object has no "locations"');
    expect((await fault(elements('[1]', options({ path: ['locations', '*'] })))).message).toBe('the content is a JSON array, not an object with "locations"');
    expect((await fault(elements('"text"', options({ path: ['locations', '*'] })))).message).toBe('the content is not JSON');
    expect((await fault(elements('{"locations": [1]', options({ path: ['locations', '*'] })))).message).toBe('the file ends before its JSON is closed');
  });
});

describe('afterAssignmentPrefix', () => {
  async function stripped(text: string, size = 3): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of afterAssignmentPrefix(chunksOf(text, size))) parts.push(chunk);
    return Buffer.concat(parts).toString('utf8');
  }

  it("cuts X's exact assignment (with or without a BOM) and leaves a bare array as it is", async () => {
    expect(await stripped('window.YTD.tweets.part0 = [1]')).toBe('[1]');
    expect(await stripped('\uFEFFwindow.YTD.direct_messages_group.part12=[\n]')).toBe('[\n]');
    expect(await stripped('  [1, 2]')).toBe('[1, 2]');
  });

  it('refuses anything else before the array: it is never run, only matched', async () => {
    for (const text of ['alert(1); window.YTD.tweets.part0 = [1]', 'window["YTD"].tweets.part0 = [1]', 'window.YTD.tweets = [1]', 'x'.repeat(300), '']) {
      await expect(stripped(text)).rejects.toThrow('the file does not start with window.YTD.<name>.part<N> = [');
    }
  });
});
