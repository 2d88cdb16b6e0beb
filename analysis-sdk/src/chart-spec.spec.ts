import { CHART_MAX_DATA_ROWS, CHART_MAX_DEPTH, CHART_MAX_REPORTED_PROBLEMS, checkChartSpec } from './chart-spec';
import { validateResult, type ResultError } from './result';
import { ResultBuilder } from './runtime/result-builder';

const chart = (spec: Record<string, unknown>) => ({ schemaVersion: 1, summary: 'ok', blocks: [{ type: 'chart', title: 'c', spec }] });
const values = [{ hour: 0, posts: 4, type: 'post' }];

function errorsOf(spec: Record<string, unknown>): ResultError[] {
  const result = validateResult(chart(spec));
  return result.ok ? [] : result.errors;
}
const messagesOf = (spec: Record<string, unknown>) => errorsOf(spec).map((error) => error.message);
const pathsOf = (spec: Record<string, unknown>) => errorsOf(spec).map((error) => error.path);

describe('chart specs: what passes', () => {
  it('accepts the charts the SDK and the sample analyses make', () => {
    const doc = new ResultBuilder()
      .summary('charts')
      .barChart({ title: 'By hour', data: [{ hour: '00:00', engagement: 3 }], x: 'hour', y: 'engagement', xTitle: 'Hour (UTC)', yTitle: 'Engagement' })
      .barChart({ title: 'By type', data: [{ 'post.type': 'reply', n: 2 }], x: 'post.type', y: 'n', sort: '-y' })
      .barChart({ title: 'Ordered', data: [{ d: 'Mon', n: 1 }], x: 'd', y: 'n', sort: ['Mon', 'Tue'] })
      .build();
    expect(validateResult(doc).ok).toBe(true);
  });

  it('accepts a rich chart built only from allowed parts', () => {
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.20.1.json',
      title: { text: 'Engagement', subtitle: ['by hour', 'UTC'], anchor: 'start', fontSize: 14 },
      description: 'Engagement by hour of day',
      width: 'container',
      height: { step: 20 },
      autosize: { type: 'fit', contains: 'padding' },
      background: 'white',
      padding: { top: 5, bottom: 5, left: 5, right: 5 },
      config: {
        axis: { labelFontSize: 11, gridColor: '#eee', grid: true },
        legend: { orient: 'bottom' },
        view: { stroke: null, continuousWidth: 300 },
        bar: { cornerRadiusEnd: 2 },
        title: { fontSize: 16 },
        numberFormat: ',.0f',
      },
      datasets: { posts: values },
      data: { name: 'posts' },
      transform: [
        {
          filter: {
            and: [
              { field: 'posts', gt: 0 },
              { not: { field: 'type', oneOf: ['story'] } },
              {
                or: [
                  { field: 'hour', range: [0, null] },
                  { field: 'hour', valid: true },
                ],
              },
            ],
          },
        },
        { aggregate: [{ op: 'sum', field: 'posts', as: 'total' }], groupby: ['hour'] },
        { bin: { maxbins: 24 }, field: 'hour', as: 'hourBin' },
        { timeUnit: 'yearmonth', field: 'date', as: 'month' },
        { fold: ['likes', 'shares'], as: ['kind', 'count'] },
        { stack: 'count', groupby: ['hour'], offset: 'normalize', sort: [{ field: 'kind', order: 'ascending' }], as: ['y0', 'y1'] },
        {
          window: [
            { op: 'rank', as: 'rank' },
            { op: 'lag', field: 'total', param: 1, as: 'previous' },
          ],
          frame: [null, 0],
          sort: [{ field: 'total', order: 'descending' }],
          groupby: ['kind'],
        },
        { joinaggregate: [{ op: 'mean', field: 'total', as: 'average' }], groupby: ['kind'] },
      ],
      layer: [
        {
          mark: { type: 'bar', tooltip: { content: 'data' }, color: '#4c78a8', strokeDash: [4, 2], width: { band: 0.8 } },
          encoding: {
            x: {
              field: 'hour',
              type: 'ordinal',
              title: 'Hour',
              sort: { field: 'total', op: 'sum', order: 'descending' },
              axis: { labelAngle: 0, format: 'd', values: [0, 6, 12, 18] },
            },
            y: { field: 'total', type: 'quantitative', aggregate: 'sum', stack: 'zero', scale: { type: 'linear', domain: [0, 100], nice: true, zero: true } },
            xOffset: { field: 'kind' },
            color: {
              field: 'kind',
              type: 'nominal',
              scale: { scheme: 'tableau10' },
              legend: { title: 'Kind', orient: 'right', symbolType: 'circle' },
              condition: { test: { field: 'total', gt: 3 }, value: 'red' },
            },
            tooltip: [
              { field: 'hour', type: 'ordinal' },
              { field: 'total', type: 'quantitative', format: ',.0f', formatType: 'number' },
            ],
            opacity: { value: 0.9 },
          },
        },
        {
          mark: { type: 'line', point: true, interpolate: 'monotone' },
          encoding: { x: { field: 'hour', type: 'ordinal' }, y: { field: 'average', type: 'quantitative' } },
        },
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { datum: 10 } } },
        {
          mark: { type: 'text', dy: -5, baseline: 'bottom' },
          encoding: { text: { field: 'total', type: 'quantitative', format: '.1f' }, x: { field: 'hour' }, y: { field: 'total' } },
        },
      ],
      resolve: { scale: { y: 'independent' }, axis: { y: 'independent' }, legend: { color: 'shared' } },
    };
    expect(messagesOf(spec)).toEqual([]);
  });

  it('accepts concat, facet, repeat, arcs, boxplots and temporal axes', () => {
    const spec = {
      data: { values: [{ a: 1, b: 2, c: 'x', t: '2026-01-05' }], format: { type: 'json', parse: { t: 'date', b: null } } },
      vconcat: [
        {
          hconcat: [
            { mark: { type: 'arc', innerRadius: 40 }, encoding: { theta: { field: 'a', type: 'quantitative' }, color: { field: 'c', type: 'nominal' } } },
            {
              mark: { type: 'boxplot', extent: 'min-max', median: { color: 'black' }, outliers: false },
              encoding: { x: { field: 'c' }, y: { field: 'b', type: 'quantitative' } },
            },
          ],
          spacing: 10,
        },
        { facet: { row: { field: 'c', type: 'nominal', header: { labelAngle: 0, title: null } } }, spec: { mark: 'point', encoding: { x: { field: 'a' } } } },
        {
          repeat: ['a', 'b'],
          columns: 2,
          spec: { mark: 'tick', encoding: { x: { field: { repeat: 'repeat' }, type: 'quantitative', bin: { maxbins: 10 } } } },
        },
        {
          mark: 'area',
          encoding: { x: { field: 't', type: 'temporal', timeUnit: 'yearmonth', axis: { format: '%b %Y', formatType: 'time' } }, y: { aggregate: 'count' } },
        },
        { mark: 'rect', encoding: { row: { field: 'c' }, column: { field: 'c' }, detail: [{ field: 'a' }], order: { field: 'a' } } },
      ],
    };
    expect(messagesOf(spec)).toEqual([]);
  });

  it('treats data rows as data: any keys and values, nested, except a url key or CSS url()', () => {
    const rows = [{ labelExpr: 'datum.x', signal: 'x', expr: 'y', on: 'click', nested: { params: [1, { href: 'x' }] } }];
    expect(messagesOf({ mark: 'bar', data: { values: rows } })).toEqual([]);
  });
});

describe('chart specs: what is refused', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    // expressions, wherever Vega-Lite would evaluate one
    [
      'labelExpr on an axis',
      { mark: 'bar', encoding: { x: { field: 'a', axis: { labelExpr: "'x' + datum.value" } } } },
      'encoding.x.axis.labelExpr',
      'is not allowed: expressions are code',
    ],
    [
      'labelExpr on a legend',
      { mark: 'bar', encoding: { color: { field: 'a', legend: { labelExpr: 'datum.label' } } } },
      'encoding.color.legend.labelExpr',
      'is not allowed: expressions are code',
    ],
    [
      'labelExpr on a header',
      { mark: 'bar', encoding: { row: { field: 'a', header: { labelExpr: 'datum.label' } } } },
      'encoding.row.header.labelExpr',
      'is not allowed: expressions are code',
    ],
    ['labelExpr in config', { mark: 'bar', config: { axisX: { labelExpr: 'datum.label' } } }, 'config.axisX.labelExpr', 'is not allowed: expressions are code'],
    ['an ExprRef as a mark property', { mark: { type: 'bar', opacity: { expr: 'random()' } } }, 'mark.opacity', 'must not be an expression ({"expr": …})'],
    [
      'an ExprRef as a channel value',
      { mark: 'bar', encoding: { color: { value: { expr: 'x' } } } },
      'encoding.color.value',
      'must not be an expression ({"expr": …})',
    ],
    [
      'a signal as a scale domain',
      { mark: 'bar', encoding: { x: { field: 'a', scale: { domain: { signal: 'd' } } } } },
      'encoding.x.scale.domain',
      'must not be an expression ({"signal": …})',
    ],
    ['a signal key', { mark: 'bar', signal: 'x' }, 'signal', 'is not allowed: expressions are code'],
    [
      'a calculate transform',
      { mark: 'bar', transform: [{ calculate: 'datum.a * 2', as: 'b' }] },
      'transform[0].calculate',
      'is not allowed: expressions are code',
    ],
    [
      'a calculate transform, naming the allowed ones',
      { mark: 'bar', transform: [{ calculate: 'datum.a * 2', as: 'b' }] },
      'transform[0]',
      'must be one of the transforms aggregate, bin',
    ],
    [
      'a filter expression',
      { mark: 'bar', transform: [{ filter: 'datum.a > 1' }] },
      'transform[0].filter',
      'must be a field predicate such as {"field": "x", "equal": 1}; expression strings are code',
    ],
    ['an expression inside "not"', { mark: 'bar', transform: [{ filter: { not: 'datum.a' } }] }, 'transform[0].filter.not', 'must be a field predicate'],
    [
      'a condition test expression',
      { mark: 'bar', encoding: { color: { condition: { test: 'datum.a > 1', value: 'red' } } } },
      'encoding.color.condition.test',
      'must be a field predicate',
    ],
    ['a custom formatType', { mark: 'bar', encoding: { x: { field: 'a', formatType: 'pwn' } } }, 'encoding.x.formatType', 'must be one of number, time, utc'],
    [
      'custom formatters in config',
      { mark: 'bar', config: { customFormatTypes: true } },
      'config.customFormatTypes',
      'is not allowed: custom formatters are code',
    ],
    // parameters, selections and their event streams
    [
      'a selection parameter with event streams',
      { mark: 'bar', params: [{ name: 'p', select: { type: 'point', on: 'mouseover', clear: 'dblclick' } }] },
      'params',
      'is not allowed: parameters and selections',
    ],
    ['a parameter with an expression', { mark: 'bar', params: [{ name: 'p', expr: 'now()' }] }, 'params', 'is not allowed: parameters and selections'],
    [
      'parameters inside a layer',
      { layer: [{ mark: 'bar', params: [{ name: 'p', bind: { input: 'range' } }] }] },
      'layer[0].params',
      'is not allowed: parameters and selections',
    ],
    [
      'a Vega-Lite 4 selection',
      { mark: 'bar', selection: { s: { type: 'interval', on: '[mousedown, mouseup] > mousemove' } } },
      'selection',
      'is not allowed: selections are not supported',
    ],
    [
      'a parameter predicate',
      { mark: 'bar', encoding: { color: { condition: { param: 'p', value: 'red' } } } },
      'encoding.color.condition.test',
      'is required in a condition',
    ],
    [
      'a parameter as a scale domain',
      { mark: 'bar', encoding: { x: { field: 'a', scale: { domain: { param: 'brush' } } } } },
      'encoding.x.scale.domain',
      'must not be a parameter reference',
    ],
    // anything that loads or links
    ['a data URL', { mark: 'bar', data: { url: 'https://evil.example/d.json' } }, 'data.url', 'is not allowed: a chart uses inline data'],
    [
      'a data generator',
      { mark: 'bar', data: { sequence: { start: 0, stop: 1e9 } } },
      'data.sequence',
      'is not allowed in inline data; allowed: values, name, format',
    ],
    [
      'a lookup transform',
      { mark: 'bar', transform: [{ lookup: 'a', from: { data: { url: 'x.csv' }, key: 'a' } }] },
      'transform[0].lookup',
      'is not allowed: lookup transforms are not supported',
    ],
    ['an href channel', { mark: 'bar', encoding: { href: { field: 'link' } } }, 'encoding.href', 'is not allowed: a chart cannot link anywhere'],
    ['a url channel', { mark: 'bar', encoding: { url: { field: 'img' } } }, 'encoding.url', 'is not allowed: a chart uses inline data'],
    ['an href on a mark', { mark: { type: 'bar', href: 'https://evil.example' } }, 'mark.href', 'is not allowed: a chart cannot link anywhere'],
    [
      'an href in the mark config',
      { mark: 'bar', config: { mark: { href: 'https://evil.example' } } },
      'config.mark.href',
      'is not allowed: a chart cannot link anywhere',
    ],
    ['an image mark', { mark: 'image' }, 'mark', 'must be one of bar, line, area, point, circle, square, tick, rule, text, rect, arc, boxplot'],
    ['a geoshape mark definition', { mark: { type: 'geoshape' } }, 'mark.type', 'must be one of bar, line'],
    [
      'a custom axis encode block',
      { mark: 'bar', encoding: { x: { field: 'a', axis: { encode: { labels: { update: { href: { value: 'x' } } } } } } } },
      'encoding.x.axis.encode',
      'is not allowed: custom encode blocks',
    ],
    ['a CSS url() colour', { mark: { type: 'bar', fill: 'url(https://evil.example/x)' } }, 'mark.fill', 'must not use CSS url(): a chart cannot load anything'],
    ['a CSS url() in a data row', { mark: 'bar', data: { values: [{ c: 'URL ( https://evil.example )' }] } }, 'data.values[0].c', 'must not use CSS url()'],
    [
      'a url key in a data row',
      { mark: 'bar', data: { values: [{ nested: [{ url: 'https://evil.example' }] }] } },
      'data.values[0].nested[0].url',
      'is not allowed: a chart uses inline data',
    ],
    ['a url key in a named dataset', { mark: 'bar', datasets: { d: [{ url: 'x' }] } }, 'datasets.d[0].url', 'is not allowed: a chart uses inline data'],
    ['usermeta', { mark: 'bar', usermeta: { embedOptions: { loader: { baseURL: 'https://evil.example' } } } }, 'usermeta', 'is not allowed in charts'],
    ['a foreign $schema', { $schema: 'https://evil.example/schema.json', mark: 'bar' }, '$schema', 'must be the official Vega-Lite v5 schema URL'],
    [
      'a Vega (not Vega-Lite) $schema',
      { $schema: 'https://vega.github.io/schema/vega/v5.json', mark: 'bar' },
      '$schema',
      'must be the official Vega-Lite v5 schema URL',
    ],
    [
      'a nested $schema',
      { layer: [{ $schema: 'https://vega.github.io/schema/vega-lite/v5.json', mark: 'bar' }] },
      'layer[0].$schema',
      'is only allowed at the top of the spec',
    ],
    ['a nested config', { hconcat: [{ mark: 'bar', config: {} }] }, 'hconcat[0].config', 'is only allowed at the top of the spec'],
    // anything else not named, with the list of what is
    [
      'an unknown transform',
      { mark: 'bar', transform: [{ regression: 'y', on: 'x' }] },
      'transform[0]',
      'must be one of the transforms aggregate, bin, timeUnit, fold, stack, window, joinaggregate, filter',
    ],
    [
      'an unknown top-level key',
      { mark: 'bar', projection: { type: 'mercator' } },
      'projection',
      'is not allowed in a chart; allowed: title, description, name, width, height, data, transform, mark, encoding',
    ],
    ['an unknown channel', { mark: 'bar', encoding: { key: { field: 'id' } } }, 'encoding.key', 'is not allowed in an encoding; allowed: x, y, x2, y2'],
    ['an unknown mark property', { mark: { type: 'text', lineBreak: '(a+)+$' } }, 'mark.lineBreak', 'is not allowed in a mark definition; allowed: align'],
    [
      'an unknown key in a field definition',
      { mark: 'bar', encoding: { x: { field: 'a', impute: { value: 0 } } } },
      'encoding.x.impute',
      'is not allowed in a channel definition; allowed: field, type',
    ],
    [
      'an object where a scalar belongs',
      { mark: 'bar', encoding: { x: { field: 'a', axis: { labelAngle: [1] } } } },
      'encoding.x.axis.labelAngle',
      'must be a string, number, boolean or null',
    ],
    ['a prototype key', JSON.parse('{"mark":"bar","__proto__":{"polluted":true}}'), '__proto__', 'is not allowed in a chart'],
  ])('refuses %s', (_, spec, path, message) => {
    const errors = errorsOf(spec);
    const found = errors.find((error) => error.path === `blocks[0].spec.${path}`);
    expect({ found: Boolean(found), errors }).toMatchObject({ found: true });
    expect(found!.message).toContain(message);
  });

  it('says exactly why an unknown key is refused and what is allowed there', () => {
    expect(messagesOf({ mark: 'bar', encoding: { x: { field: 'a', axis: { labelExpr: 'datum.value' } } } })).toEqual([
      'blocks[0].spec.encoding.x.axis.labelExpr is not allowed: expressions are code; compute the labels in the analysis (e.g. as a field) instead',
    ]);
    expect(messagesOf({ mark: 'bar', encoding: { x: { field: 'a', sort: { field: 'b', bogus: 1 } } } })).toEqual([
      'blocks[0].spec.encoding.x.sort.bogus is not allowed in a sort; allowed: field, op, order, encoding',
    ]);
  });

  it('never walks into what it refuses: one error for a large refused subtree', () => {
    const huge = Array.from({ length: 5000 }, (_, i) => ({ url: `https://evil.example/${i}`, expr: 'x' }));
    expect(pathsOf({ mark: 'bar', usermeta: { huge } })).toEqual(['blocks[0].spec.usermeta']);
  });

  it(`stops after ${CHART_MAX_REPORTED_PROBLEMS} problems, however many there are`, () => {
    const reported: string[] = [];
    const keys = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`bad${i}`, { url: 'x' }]));
    checkChartSpec({ mark: 'bar', ...keys }, [], (_, message) => reported.push(message));
    expect(reported).toHaveLength(CHART_MAX_REPORTED_PROBLEMS + 1);
    expect(reported[CHART_MAX_REPORTED_PROBLEMS]).toBe(
      `has more than ${CHART_MAX_REPORTED_PROBLEMS} problems; the first ${CHART_MAX_REPORTED_PROBLEMS} are listed`,
    );
    const exactly: string[] = [];
    checkChartSpec({ mark: 'bar', ...Object.fromEntries(Array.from({ length: CHART_MAX_REPORTED_PROBLEMS }, (_, i) => [`bad${i}`, 1])) }, [], (_, message) =>
      exactly.push(message),
    );
    expect(exactly).toHaveLength(CHART_MAX_REPORTED_PROBLEMS);
  });

  it(`caps inline data at ${CHART_MAX_DATA_ROWS} rows, in data.values and in each named dataset`, () => {
    const rows = Array.from({ length: CHART_MAX_DATA_ROWS }, (_, i) => ({ i }));
    expect(messagesOf({ mark: 'bar', data: { values: rows }, datasets: { d: rows } })).toEqual([]);
    expect(messagesOf({ mark: 'bar', data: { values: [...rows, { i: -1 }] } })).toEqual([
      `blocks[0].spec.data.values has ${CHART_MAX_DATA_ROWS + 1} rows; a chart holds at most ${CHART_MAX_DATA_ROWS}`,
    ]);
    expect(pathsOf({ mark: 'bar', datasets: { d: [...rows, { i: -1 }] } })).toEqual(['blocks[0].spec.datasets.d']);
  });

  it(`caps nesting at ${CHART_MAX_DEPTH} levels, through views as through data, without recursion`, () => {
    // 33 layers are 66 levels under the spec, still inside the whole document's depth cap (resultJsonCaps).
    let layered: Record<string, unknown> = { mark: 'bar' };
    for (let i = 0; i < 33; i++) layered = { layer: [layered] };
    expect(messagesOf(layered)).toEqual([`blocks[0].spec is nested more than ${CHART_MAX_DEPTH} levels deep`]);
    let shallow: Record<string, unknown> = { mark: 'bar' };
    for (let i = 0; i < 31; i++) shallow = { layer: [shallow] };
    expect(messagesOf(shallow)).toEqual([]);
  });

  it('needs inline values or the name of a dataset in every data object', () => {
    expect(messagesOf({ mark: 'bar', data: {} })).toEqual(['blocks[0].spec.data must be inline data: { "values": [ … ] }']);
    expect(messagesOf({ mark: 'bar', data: { values: 'a,b\n1,2', format: { type: 'csv' } } })).toEqual(['blocks[0].spec.data.values must be an array']);
  });

  it('reports through the reporter it is given, at the paths it is given', () => {
    const reported: Array<[unknown[], string]> = [];
    checkChartSpec({ mark: 'bar', href: 'x' }, ['here'], (segments, message) => reported.push([segments, message]));
    expect(reported).toEqual([[['here', 'href'], 'is not allowed: a chart cannot link anywhere']]);
  });
});
