import { type JsonCaps, type JsonCost, measureJson, parseJson, scanJson, walkJson } from './bounded-json';

const roomy: JsonCaps = { maxBytes: 1 << 30, maxDepth: 10_000, maxNodes: 1 << 30, maxStringLength: 1 << 30 };
const caps = (overrides: Partial<JsonCaps>): JsonCaps => ({ ...roomy, ...overrides });

/**
 * The shape that blocked the API: at every level an array of `width` numbers and one array nesting
 * further, `depth` levels deep. A walk copying each value's path holds about width × depth² / 2.
 */
function wideNested(depth: number, width: number): string {
  const row = Array.from({ length: width }, () => '0').join(',');
  return `${`[${row},`.repeat(depth - 1)}[${row}]${']'.repeat(depth - 1)}`;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A small deterministic generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('scanJson', () => {
  it.each(['0', '-0.5e+10', '1E3', '"a\\u00e9\\n\\"\\\\\\/"', ' \t\n\r[ ] ', '{}', '{"a":[1,{"b":null}],"c":true,"d":false}', '"\ud800"', '[[[[]]]]'])(
    'accepts %j, as JSON.parse does',
    (text) => {
      expect(parses(text)).toBe(true);
      expect(scanJson(text, roomy)).toMatchObject({ ok: true });
    },
  );

  it.each([
    '',
    ' ',
    '01',
    '1.',
    '.5',
    '-',
    '1e',
    '+1',
    '[1,]',
    '{"a":1,}',
    '{a:1}',
    "{'a':1}",
    '[1 2]',
    '"a',
    '"\\x"',
    '"\\u12g4"',
    '"tab\there"',
    'tru',
    'nul',
    'NaN',
    '[1]]',
    '{"a" 1}',
    '1 2',
    '{"a":1}}',
    '[',
    '{',
    '{"a":',
  ])('refuses %j, as JSON.parse does, saying where', (text) => {
    expect(parses(text)).toBe(false);
    const scan = scanJson(text, roomy);
    expect(scan).toMatchObject({ ok: false, problem: 'syntax', message: expect.stringMatching(/^is not valid JSON: /) });
  });

  it('agrees with JSON.parse on thousands of generated texts', () => {
    const next = random(20_260_105);
    const tokens = ['{', '}', '[', ']', ',', ':', '"', '"a"', '\\', '\\u00', '0', '1', '-', '.', 'e', '+', 'true', 'null', 'fals', ' ', '\n', 'x', '\u0001'];
    const valid = ['{"a":[1,2.5e-3,{"b":"c\\n"}]}', '[true,false,null,-0,"\\u0041"]', '{"":{}}'];
    let agreed = 0;
    for (let n = 0; n < 5000; n++) {
      let text: string;
      if (n % 2 === 0) {
        const length = Math.floor(next() * 12);
        text = Array.from({ length }, () => tokens[Math.floor(next() * tokens.length)]).join('');
      } else {
        // A valid text with one character dropped, repeated or replaced.
        const base = valid[n % valid.length]!;
        const at = Math.floor(next() * base.length);
        const change = Math.floor(next() * 3);
        const other = tokens[Math.floor(next() * tokens.length)]!;
        text =
          change === 0
            ? base.slice(0, at) + base.slice(at + 1)
            : change === 1
              ? base.slice(0, at) + base[at] + base.slice(at)
              : base.slice(0, at) + other + base.slice(at + 1);
      }
      expect([text, scanJson(text, roomy).ok]).toEqual([text, parses(text)]);
      agreed++;
    }
    expect(agreed).toBe(5000);
  });

  it('holds the bytes cap on both sides, counting UTF-8 bytes', () => {
    expect(scanJson('"éé"', caps({ maxBytes: 6 })).ok).toBe(true);
    expect(scanJson('"éé"', caps({ maxBytes: 5 }))).toMatchObject({ ok: false, problem: 'bytes', message: 'is larger than 5 bytes (at position 0)' });
  });

  it('holds the depth cap on both sides', () => {
    expect(scanJson('[[{"a":[1]}]]', caps({ maxDepth: 4 })).ok).toBe(true);
    expect(scanJson('[[{"a":[[1]]}]]', caps({ maxDepth: 4 }))).toMatchObject({
      ok: false,
      problem: 'depth',
      position: 8,
      message: 'is nested more than 4 levels deep (at position 8)',
    });
  });

  it('holds the value cap on both sides, counting every value once', () => {
    // An object, an array, 2 numbers, a string, null: 6 values.
    expect(scanJson('{"a":[1,2],"b":"x","c":null}', caps({ maxNodes: 6 }))).toMatchObject({ ok: true, cost: { nodes: 6 } });
    expect(scanJson('{"a":[1,2],"b":"x","c":null}', caps({ maxNodes: 5 }))).toMatchObject({
      ok: false,
      problem: 'nodes',
      message: 'has more than 5 values (at position 23)',
    });
  });

  it('holds the string cap on both sides, for values and keys', () => {
    expect(scanJson('["abcd"]', caps({ maxStringLength: 4 })).ok).toBe(true);
    expect(scanJson('["abcde"]', caps({ maxStringLength: 4 }))).toMatchObject({ ok: false, problem: 'string', position: 1 });
    expect(scanJson('{"abcd":1}', caps({ maxStringLength: 4 })).ok).toBe(true);
    expect(scanJson('{"abcde":1}', caps({ maxStringLength: 4 }))).toMatchObject({ ok: false, problem: 'string' });
  });

  it('holds the path-weight cap on both sides: the depths of all values added up', () => {
    // Depths: the array 0, 1 at 1, the inner array 1, 2 and 3 at 2: 6 in all.
    expect(scanJson('[1,[2,3]]', caps({ maxPathWeight: 6 }))).toMatchObject({ ok: true, cost: { pathWeight: 6 } });
    expect(scanJson('[1,[2,3]]', caps({ maxPathWeight: 5 }))).toMatchObject({ ok: false, problem: 'pathWeight' });
  });

  it('reads a wide document nested 250 deep once, holding one byte per level', () => {
    const text = wideNested(250, 40);
    const scan = scanJson(text, roomy);
    expect(scan).toEqual({ ok: true, cost: { nodes: 250 * 41, peakDepth: 250, pathWeight: expect.any(Number), characters: text.length } });
  });

  it('stops at the first cap passed, reading no further', () => {
    const text = wideNested(250, 1000); // about 500 KB
    const scan = scanJson(text, caps({ maxDepth: 32 }));
    expect(scan.ok).toBe(false);
    // 32 full levels of 1,001 values, then the array that is one level too deep.
    expect(scan.cost.nodes).toBe(32 * 1001 + 1);
    expect(scan.cost.characters).toBeLessThan(text.length / 7);
    // Past the value cap, even sooner.
    expect(scanJson(text, caps({ maxNodes: 100 })).cost.characters).toBeLessThan(250);
  });
});

describe('parseJson', () => {
  it('parses only what the scan accepts', () => {
    expect(parseJson('{"a":[1]}', roomy)).toEqual({ ok: true, value: { a: [1] }, cost: expect.objectContaining({ nodes: 3 }) });
    expect(parseJson('[[1]]', caps({ maxDepth: 1 }))).toMatchObject({ ok: false, problem: 'depth' });
    expect(parseJson('[1,', roomy)).toMatchObject({ ok: false, problem: 'syntax', message: 'is not valid JSON: it ends too early' });
  });
});

describe('walkJson', () => {
  it('visits every value once, in document order, with its key and path', () => {
    const seen: [unknown, string | number | undefined, (string | number)[]][] = [];
    const { cost } = walkJson({ a: [1, { b: 'x' }], c: null }, (value, key, at) => {
      if (typeof value !== 'object' || value === null) seen.push([value, key, at.path()]);
    });
    expect(seen).toEqual([
      [1, 0, ['a', 0]],
      ['x', 'b', ['a', 1, 'b']],
      [null, 'c', ['c']],
    ]);
    expect(cost).toEqual({ nodes: 6, peakDepth: 3, pathWeight: 1 + 2 + 2 + 3 + 1, characters: 0 });
  });

  it('holds one frame per level of a wide document nested 250 deep, and copies no path', () => {
    const value = JSON.parse(wideNested(250, 40)) as unknown;
    let paths = 0;
    const { cost } = walkJson(value, () => undefined);
    expect(cost.nodes).toBe(250 * 41);
    expect(cost.peakDepth).toBe(250);
    // Only a visitor that asks builds a path.
    walkJson(value, (node, _key, at) => {
      if (node === 0 && at.depth === 250 && paths === 0) {
        paths++;
        expect(at.path()).toHaveLength(250);
      }
    });
    expect(paths).toBe(1);
  });

  it('stops when the visitor says so', () => {
    const { stopped, cost } = walkJson([1, 2, 3, 4], (value) => value !== 2);
    expect(stopped).toBe(true);
    expect(cost.nodes).toBe(3);
  });
});

describe('measureJson', () => {
  it('holds each cap on both sides, naming where it stopped', () => {
    const value = { a: [[1, 2]], b: 'xyz' };
    expect(measureJson(value, caps({ maxDepth: 3 })).ok).toBe(true);
    expect(measureJson(value, caps({ maxDepth: 2 }))).toMatchObject({ ok: false, problem: 'depth', path: ['a', 0] });
    expect(measureJson(value, caps({ maxNodes: 6 })).ok).toBe(true);
    expect(measureJson(value, caps({ maxNodes: 5 }))).toMatchObject({ ok: false, problem: 'nodes', path: ['b'] });
    expect(measureJson(value, caps({ maxStringLength: 3 })).ok).toBe(true);
    expect(measureJson(value, caps({ maxStringLength: 2 }))).toMatchObject({ ok: false, problem: 'string', path: ['b'] });
    const compact = JSON.stringify(value).length;
    expect(measureJson(value, caps({ maxBytes: compact })).ok).toBe(true);
    expect(measureJson(value, caps({ maxBytes: compact - 2 }))).toMatchObject({ ok: false, problem: 'bytes' });
  });

  it('never counts more characters than JSON.stringify writes, so a text that passed is never refused as a value', () => {
    const value = { a: [1, -2.5, 'q"uote', true, false, null, {}, []], 'k\u00e9y': { n: 1e21 } };
    const compact = JSON.stringify(value).length;
    expect(measureJson(value, caps({ maxBytes: compact })).ok).toBe(true);
  });

  it('stops a cyclic or huge value at the value cap, visiting no further', () => {
    const cyclic: unknown[] = [1];
    cyclic.push(cyclic);
    const measured = measureJson(cyclic, caps({ maxNodes: 1000, maxDepth: 1 << 20 }));
    expect(measured).toMatchObject({ ok: false, problem: 'nodes' });
    expect((measured.cost as JsonCost).nodes).toBe(1001);
  });
});
