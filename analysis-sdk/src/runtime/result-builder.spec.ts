import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateResult } from '../result';
import { ResultBuilder, ResultValidationError, VEGA_LITE_SCHEMA_URL, checkResult, writeResult } from './result-builder';

function fullBuilder(): ResultBuilder {
  return new ResultBuilder()
    .summary('12 posts, 40 engagements')
    .markdown('## When you post\nMostly in the evening.')
    .metric('Posts', 12, 'posts')
    .metric('Average engagement per post', 3.33)
    .table(
      ['hour', 'posts'],
      [
        [0, 4],
        [1, 8],
      ],
    )
    .chart('Custom', { mark: 'line', data: { values: [{ a: 1, b: 2 }] }, encoding: { x: { field: 'a', type: 'quantitative' } } })
    .barChart({
      title: 'By day',
      data: [
        { day: 'Mon', posts: 3 },
        { day: 'Tue', posts: 9 },
      ],
      x: 'day',
      y: 'posts',
      xTitle: 'Day',
      yTitle: 'Posts',
    })
    .wordcloud([{ text: 'hello', weight: 3 }]);
}

function problemsOf(builder: ResultBuilder): string[] {
  try {
    builder.build();
  } catch (error) {
    expect(error).toBeInstanceOf(ResultValidationError);
    return (error as ResultValidationError).errors.map((e) => e.message);
  }
  throw new Error('expected build() to throw');
}

describe('ResultBuilder', () => {
  it('builds a document that passes the platform validator', () => {
    const doc = fullBuilder().build();
    expect(validateResult(doc).ok).toBe(true);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.blocks.map((block) => block.type)).toEqual(['markdown', 'metric', 'metric', 'table', 'chart', 'chart', 'wordcloud']);
    expect(doc.blocks[1]).toEqual({ type: 'metric', label: 'Posts', value: 12, unit: 'posts' });
    expect(doc.blocks[2]).toEqual({ type: 'metric', label: 'Average engagement per post', value: 3.33 });
  });

  it('makes bar charts as Vega-Lite with the data inline, in data order by default', () => {
    const doc = new ResultBuilder()
      .summary('s')
      .barChart({ title: 'By type', data: [{ 'post.type': 'reply', n: 2 }], x: 'post.type', y: 'n', sort: '-y' })
      .barChart({ title: 'By hour', data: [{ hour: 0, n: 1 }], x: 'hour', y: 'n' })
      .build();
    expect(doc.blocks[0]).toEqual({
      type: 'chart',
      title: 'By type',
      spec: {
        $schema: VEGA_LITE_SCHEMA_URL,
        data: { values: [{ 'post.type': 'reply', n: 2 }] },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          // A dot would mean nested access in Vega-Lite.
          x: { field: 'post\\.type', type: 'ordinal', title: 'post.type', sort: '-y', axis: { labelAngle: 0 } },
          y: { field: 'n', type: 'quantitative', title: 'n' },
        },
      },
    });
    expect(doc.blocks[1]).toMatchObject({ spec: { encoding: { x: { sort: null } } } });
  });

  it('rejects an invalid document, listing every problem', () => {
    const problems = problemsOf(
      new ResultBuilder()
        .markdown('<script>alert(1)</script>')
        .metric('Average', Number.NaN)
        .table(['hour', 'posts'], [[0, 4, 9]])
        .chart('Remote', { mark: 'bar', data: { url: 'https://example.com/data.json' } })
        .barChart({ title: 'Broken', data: [{ hour: 1 }, { n: 2 }], x: 'hour', y: 'n' }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'summary is required',
        expect.stringMatching(/^blocks\[0\]\.text is rejected: markdown must not contain raw HTML/),
        'blocks[1].value must be a finite number (got NaN)',
        'blocks[2].rows[0] has 3 cells but the table has 2 columns',
        expect.stringMatching(/^blocks\[3\]\.spec\.data\.url is not allowed/),
        "blocks[4].spec.data.values[0] field 'n' (the chart's y) must be a finite number (got nothing)",
        "blocks[4].spec.data.values[1] has no field 'hour' (the chart's x)",
      ]),
    );
    // NaN becomes null in JSON; its own message replaces the schema's "must be a number".
    expect(problems.filter((message) => message.startsWith('blocks[1].value'))).toHaveLength(1);
  });

  it('rejects a multi-line summary and a document over the 4 MiB cap', () => {
    expect(problemsOf(new ResultBuilder().summary('one\ntwo'))).toEqual([
      'summary must be one line of plain text, but has a line break (U+000A) at character 3; line breaks, control characters, bidirectional controls and invisible formatting characters are not allowed',
    ]);
    const big = new ResultBuilder().summary('big').markdown('a'.repeat(90_000));
    for (let i = 0; i < 50; i++) big.markdown('a'.repeat(90_000));
    expect(problemsOf(big)).toEqual([expect.stringMatching(/^result is \d+ bytes of JSON; the limit is 4194304 bytes \(4 MiB\)$/)]);
  });

  describe('write', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lockbox-result-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes result.json and leaves no temporary file behind', async () => {
      const path = await fullBuilder().write(dir);
      expect(path).toBe(join(dir, 'result.json'));
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(fullBuilder().build());
      expect(readdirSync(dir)).toEqual(['result.json']);
    });

    it('writes nothing when the document is invalid', async () => {
      await expect(new ResultBuilder().metric('x', 1).write(dir)).rejects.toThrow(ResultValidationError);
      expect(readdirSync(dir)).toEqual([]);
    });

    it('writes a plain document after validating it', async () => {
      await writeResult({ schemaVersion: 1, summary: 'plain', blocks: [] }, join(dir, 'nested'));
      expect(existsSync(join(dir, 'nested', 'result.json'))).toBe(true);
      await expect(writeResult({ schemaVersion: 1, summary: '', blocks: [] }, dir)).rejects.toThrow(/summary must not be empty/);
    });
  });
});

describe('checkResult', () => {
  it('returns exactly the JSON that was validated', () => {
    const { result, json } = checkResult({ schemaVersion: 1, summary: 's', blocks: [{ type: 'metric', label: 'n', value: 1, unit: undefined }] });
    expect(json).toBe('{"schemaVersion":1,"summary":"s","blocks":[{"type":"metric","label":"n","value":1}]}');
    expect(result).toEqual(JSON.parse(json));
  });

  it('rejects what cannot be JSON', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => checkResult(cyclic)).toThrow(/result cannot be serialized as JSON/);
  });
});
