// The charts a result may hold: a subset of Vega-Lite v5, written as an allowlist. Every key of a spec
// must be one this grammar names at that place, and every value must have a type it allows there; data
// rows are data (any JSON, capped, no `url` key). Nothing that Vega-Lite would evaluate (expressions,
// signals, parameters with their event streams, custom formatters) or load (URLs, images, links) is
// named, so none of it can pass, whatever new spelling Vega-Lite gains: what is not named is refused.

type Path = (string | number)[];
type Report = (segments: Path, message: string) => void;
type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

/** What one JSON value of a chart spec may be. */
type Rule =
  | { kind: 'scalar' }
  | { kind: 'string' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'null' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'array'; items: Rule; maxItems?: number }
  // `required` keys must all be there; of `requiredAnyOf`, at least one.
  | { kind: 'object'; what: string; keys: Record<string, Rule>; required?: readonly string[]; requiredAnyOf?: readonly string[]; hint?: string }
  // An object whose rule is chosen by the first of its tag keys it has (a transform, a predicate).
  | { kind: 'tagged'; what: string; tags: Record<string, Rule>; otherwise?: Rule; hint?: string }
  // Any other key is allowed (a dictionary keyed by field names); the values follow `values`.
  | { kind: 'record'; values: Rule }
  | { kind: 'either'; options: readonly Rule[] }
  | { kind: 'data' };

/** The mark types a chart may use. */
export const CHART_MARK_TYPES = ['bar', 'line', 'area', 'point', 'circle', 'square', 'tick', 'rule', 'text', 'rect', 'arc', 'boxplot'] as const;
/** The encoding channels a chart may use. */
export const CHART_ENCODING_CHANNELS = [
  'x',
  'y',
  'x2',
  'y2',
  'xOffset',
  'yOffset',
  'color',
  'fill',
  'stroke',
  'opacity',
  'fillOpacity',
  'strokeOpacity',
  'strokeWidth',
  'strokeDash',
  'size',
  'shape',
  'angle',
  'theta',
  'theta2',
  'radius',
  'radius2',
  'text',
  'tooltip',
  'detail',
  'order',
  'row',
  'column',
  'facet',
] as const;
/** The transforms a chart may use: none of them evaluates an expression. */
export const CHART_TRANSFORMS = ['aggregate', 'bin', 'timeUnit', 'fold', 'stack', 'window', 'joinaggregate', 'filter'] as const;
/** Rows of one inline dataset (`data.values`, or one entry of `datasets`). */
export const CHART_MAX_DATA_ROWS = 10_000;
/** How deep a spec, data included, may nest. */
export const CHART_MAX_DEPTH = 64;
/** Past this many problems in one chart the walk stops: a spec of a million bad keys costs no more than this. */
export const CHART_MAX_REPORTED_PROBLEMS = 100;

// Why a key that is never allowed is refused, so the developer learns the rule rather than a list.
const EXPRESSION = 'expressions are code: compute the value in the analysis and pass it as data';
const TOP_ONLY = 'is only allowed at the top of the spec';
const REFUSED_KEYS: Record<string, string> = {
  url: 'is not allowed: a chart uses inline data (data.values), never a URL; rename a data field called "url"',
  href: 'is not allowed: a chart cannot link anywhere',
  expr: `is not allowed: ${EXPRESSION}`,
  signal: `is not allowed: ${EXPRESSION}`,
  calculate: `is not allowed: ${EXPRESSION}`,
  labelExpr: 'is not allowed: expressions are code; compute the labels in the analysis (e.g. as a field) instead',
  params: 'is not allowed: parameters and selections are not supported, since their event streams (on, clear), bindings and expressions are code',
  selection: 'is not allowed: selections are not supported, since their event streams and expressions are code',
  on: 'is not allowed: event streams are code',
  clear: 'is not allowed: event streams are code',
  bind: 'is not allowed: input bindings are not supported',
  encode: 'is not allowed: custom encode blocks can set links and expressions',
  usermeta: 'is not allowed in charts',
  $schema: TOP_ONLY,
  datasets: TOP_ONLY,
  config: TOP_ONLY,
  autosize: TOP_ONLY,
  lookup: 'is not allowed: lookup transforms are not supported; join the data in the analysis',
  customFormatTypes: 'is not allowed: custom formatters are code',
};

const scalar: Rule = { kind: 'scalar' };
const string: Rule = { kind: 'string' };
const number: Rule = { kind: 'number' };
const boolean: Rule = { kind: 'boolean' };
const nil: Rule = { kind: 'null' };
const oneOf = (...values: string[]): Rule => ({ kind: 'enum', values });
const arrayOf = (items: Rule, maxItems?: number): Rule => ({ kind: 'array', items, maxItems });
const either = (...options: Rule[]): Rule => ({ kind: 'either', options });
type ObjectRule = Extract<Rule, { kind: 'object' }>;
const object = (what: string, keys: Record<string, Rule>, extra: Pick<ObjectRule, 'required' | 'requiredAnyOf' | 'hint'> = {}): ObjectRule => ({
  kind: 'object',
  what,
  keys,
  ...extra,
});
/** An object whose listed keys all take one of the scalar values (string, number, boolean or null). */
const scalars = (what: string, names: readonly string[], keys: Record<string, Rule> = {}) =>
  object(what, { ...Object.fromEntries(names.map((name) => [name, scalar])), ...keys });

const strings = arrayOf(string);
const numbers = arrayOf(number);
const text = either(string, strings);
const title = either(string, strings, nil);
const formatType = oneOf('number', 'time', 'utc');
const step = object('a step size', { step: number, for: oneOf('position', 'offset') }, { required: ['step'] });
const size = either(number, oneOf('container'), step);

const FONT = ['font', 'fontSize', 'fontStyle', 'fontWeight', 'lineHeight'];
const titleProperties = (prefix: string) =>
  ['Align', 'Anchor', 'Angle', 'Baseline', 'Color', 'Font', 'FontSize', 'FontStyle', 'FontWeight', 'Limit', 'LineHeight', 'Opacity', 'Padding', 'Orient'].map(
    (name) => `${prefix}${name}`,
  );

const AXIS = scalars(
  'an axis',
  [
    'aria',
    'bandPosition',
    'description',
    'domain',
    'domainCap',
    'domainColor',
    'domainOpacity',
    'domainWidth',
    'format',
    'grid',
    'gridCap',
    'gridColor',
    'gridOpacity',
    'gridWidth',
    'labelAlign',
    'labelAngle',
    'labelBaseline',
    'labelBound',
    'labelColor',
    'labelFlush',
    'labelFlushOffset',
    'labelFont',
    'labelFontSize',
    'labelFontStyle',
    'labelFontWeight',
    'labelLimit',
    'labelLineHeight',
    'labelOffset',
    'labelOpacity',
    'labelOverlap',
    'labelPadding',
    'labelSeparation',
    'labels',
    'maxExtent',
    'minExtent',
    'offset',
    'orient',
    'position',
    'tickBand',
    'tickCap',
    'tickColor',
    'tickCount',
    'tickExtra',
    'tickMinStep',
    'tickOffset',
    'tickOpacity',
    'tickRound',
    'ticks',
    'tickSize',
    'tickWidth',
    'titleX',
    'titleY',
    'translate',
    'zindex',
    ...titleProperties('title'),
  ],
  { title, formatType, values: arrayOf(scalar), domainDash: numbers, gridDash: numbers, tickDash: numbers },
);

const LEGEND = scalars(
  'a legend',
  [
    'aria',
    'clipHeight',
    'columnPadding',
    'columns',
    'cornerRadius',
    'description',
    'direction',
    'fillColor',
    'format',
    'gradientLength',
    'gradientOpacity',
    'gradientStrokeColor',
    'gradientStrokeWidth',
    'gradientThickness',
    'gridAlign',
    'labelAlign',
    'labelBaseline',
    'labelColor',
    'labelFont',
    'labelFontSize',
    'labelFontStyle',
    'labelFontWeight',
    'labelLimit',
    'labelOffset',
    'labelOpacity',
    'labelOverlap',
    'labelPadding',
    'labelSeparation',
    'legendX',
    'legendY',
    'offset',
    'orient',
    'padding',
    'rowPadding',
    'strokeColor',
    'symbolDashOffset',
    'symbolFillColor',
    'symbolLimit',
    'symbolOffset',
    'symbolOpacity',
    'symbolSize',
    'symbolStrokeColor',
    'symbolStrokeWidth',
    'symbolType',
    'tickCount',
    'tickMinStep',
    'type',
    'zindex',
    ...titleProperties('title'),
  ],
  { title, formatType, values: arrayOf(scalar), symbolDash: numbers },
);

const HEADER = scalars('a facet header', ['format', 'labelAnchor', 'labels', ...titleProperties('label'), ...titleProperties('title')], { title, formatType });

const TITLE_PROPERTIES = [
  'align',
  'anchor',
  'angle',
  'baseline',
  'color',
  'dx',
  'dy',
  ...FONT,
  'frame',
  'limit',
  'offset',
  'orient',
  'subtitleColor',
  'subtitleFont',
  'subtitleFontSize',
  'subtitleFontStyle',
  'subtitleFontWeight',
  'subtitleLineHeight',
  'subtitlePadding',
  'zindex',
];
const TITLE = scalars('a title', TITLE_PROPERTIES, { text, subtitle: text });
TITLE.required = ['text'];

const SCALE = scalars(
  'a scale',
  [
    'type',
    'domainMin',
    'domainMax',
    'domainMid',
    'rangeMin',
    'rangeMax',
    'reverse',
    'round',
    'clamp',
    'zero',
    'nice',
    'padding',
    'paddingInner',
    'paddingOuter',
    'align',
    'base',
    'exponent',
    'constant',
  ],
  {
    domain: either(arrayOf(scalar), oneOf('unaggregated')),
    range: either(arrayOf(scalar), string),
    scheme: either(string, object('a scheme', { name: string, extent: numbers, count: number }, { required: ['name'] })),
    interpolate: either(string, object('an interpolation', { type: string, gamma: number }, { required: ['type'] })),
  },
);

const BIN = scalars('bin parameters', ['anchor', 'base', 'binned', 'maxbins', 'minstep', 'nice', 'step'], { divide: numbers, extent: numbers, steps: numbers });
const TIME_UNIT = scalars('time unit parameters', ['unit', 'utc', 'maxbins', 'step', 'binned']);
const SORT_FIELD = object('a sort field', { field: string, order: oneOf('ascending', 'descending') }, { required: ['field'] });
const SORT = either(
  nil,
  string,
  arrayOf(scalar),
  object('a sort', { field: string, op: string, order: either(oneOf('ascending', 'descending'), nil), encoding: string }),
);

const FIELD_PREDICATE = scalars('a field predicate', ['field', 'timeUnit', 'equal', 'lt', 'lte', 'gt', 'gte', 'valid'], {
  range: arrayOf(either(number, nil)),
  oneOf: arrayOf(scalar),
});
const PREDICATE_HINT = 'a field predicate such as {"field": "x", "equal": 1}; expression strings are code';
const PREDICATE: Extract<Rule, { kind: 'tagged' }> = { kind: 'tagged', what: 'a predicate', tags: {}, otherwise: FIELD_PREDICATE, hint: PREDICATE_HINT };
PREDICATE.tags.and = object('an "and" predicate', { and: arrayOf(PREDICATE) });
PREDICATE.tags.or = object('an "or" predicate', { or: arrayOf(PREDICATE) });
PREDICATE.tags.not = object('a "not" predicate', { not: PREDICATE });

const FIELD_DEFINITION_KEYS: Record<string, Rule> = {
  field: either(string, object('a repeated field', { repeat: oneOf('repeat', 'row', 'column', 'layer') }, { required: ['repeat'] })),
  type: oneOf('quantitative', 'temporal', 'ordinal', 'nominal'),
  aggregate: either(string, object('an argmin/argmax aggregate', { argmin: string, argmax: string })),
  bin: either(boolean, oneOf('binned'), nil, BIN),
  timeUnit: either(string, TIME_UNIT),
  title,
  sort: SORT,
  scale: either(nil, SCALE),
  axis: either(nil, AXIS),
  legend: either(nil, LEGEND),
  header: either(nil, HEADER),
  stack: scalar,
  format: string,
  formatType,
  value: either(scalar, arrayOf(number)),
  datum: scalar,
  bandPosition: number,
  spacing: number,
  columns: number,
};
const CONDITION = object('a condition', { test: PREDICATE, ...FIELD_DEFINITION_KEYS }, { required: ['test'] });
const FIELD_DEFINITION = object('a channel definition', { ...FIELD_DEFINITION_KEYS, condition: either(CONDITION, arrayOf(CONDITION)) });
const FIELD_DEFINITIONS = either(FIELD_DEFINITION, arrayOf(FIELD_DEFINITION));

const ENCODING = object(
  'an encoding',
  Object.fromEntries(
    CHART_ENCODING_CHANNELS.map((channel): [string, Rule] => [
      channel,
      channel === 'tooltip' ? either(nil, FIELD_DEFINITIONS) : channel === 'detail' || channel === 'order' ? FIELD_DEFINITIONS : FIELD_DEFINITION,
    ]),
  ),
);

const MARK_PROPERTY_NAMES = [
  'align',
  'angle',
  'baseline',
  'binSpacing',
  'blend',
  'clip',
  'color',
  'continuousBandSize',
  'cornerRadius',
  'cornerRadiusBottomLeft',
  'cornerRadiusBottomRight',
  'cornerRadiusTopLeft',
  'cornerRadiusTopRight',
  'cornerRadiusEnd',
  'discreteBandSize',
  'dx',
  'dy',
  'ellipsis',
  'fill',
  'fillOpacity',
  'filled',
  ...FONT,
  'innerRadius',
  'interpolate',
  'invalid',
  'limit',
  'opacity',
  'order',
  'orient',
  'outerRadius',
  'padAngle',
  'radius',
  'radius2',
  'shape',
  'size',
  'stroke',
  'strokeCap',
  'strokeDashOffset',
  'strokeJoin',
  'strokeMiterLimit',
  'strokeOpacity',
  'strokeWidth',
  'tension',
  'theta',
  'theta2',
  'thickness',
  'x',
  'y',
  'x2',
  'y2',
  'xOffset',
  'yOffset',
];
const MARK_PROPERTY_KEYS: Record<string, Rule> = {
  strokeDash: numbers,
  text,
  tooltip: either(boolean, nil, object('mark tooltip options', { content: oneOf('encoding', 'data') })),
  width: either(number, object('a band size', { band: number }, { required: ['band'] })),
  height: either(number, object('a band size', { band: number }, { required: ['band'] })),
  style: text,
};
const MARK_PROPERTIES = scalars('mark properties', MARK_PROPERTY_NAMES, MARK_PROPERTY_KEYS);
const MARK_PART = either(boolean, MARK_PROPERTIES);
const MARK_DEFINITION = scalars('a mark definition', MARK_PROPERTY_NAMES, {
  ...MARK_PROPERTY_KEYS,
  type: oneOf(...CHART_MARK_TYPES),
  point: either(boolean, oneOf('transparent'), MARK_PROPERTIES),
  line: MARK_PART,
  // boxplot parts
  extent: either(number, oneOf('min-max')),
  box: MARK_PART,
  median: MARK_PART,
  outliers: MARK_PART,
  rule: MARK_PART,
  ticks: MARK_PART,
});
MARK_DEFINITION.required = ['type'];
const MARK = either(oneOf(...CHART_MARK_TYPES), MARK_DEFINITION);

const aggregateOps = arrayOf(object('an aggregate operation', { op: string, field: string, as: string }, { required: ['op', 'as'] }));
const groupby = strings;
const as = either(string, strings);
const TRANSFORM: Rule = {
  kind: 'tagged',
  what: 'a transform',
  hint: `one of the transforms ${CHART_TRANSFORMS.join(', ')}`,
  tags: {
    aggregate: object('an aggregate transform', { aggregate: aggregateOps, groupby }, { required: ['aggregate'] }),
    bin: object('a bin transform', { bin: either(boolean, BIN), field: string, as }, { required: ['bin', 'field', 'as'] }),
    timeUnit: object('a timeUnit transform', { timeUnit: either(string, TIME_UNIT), field: string, as: string }, { required: ['timeUnit', 'field', 'as'] }),
    fold: object('a fold transform', { fold: strings, as: strings }),
    stack: object(
      'a stack transform',
      { stack: string, groupby, offset: oneOf('zero', 'center', 'normalize'), sort: arrayOf(SORT_FIELD), as },
      { required: ['stack', 'groupby', 'as'] },
    ),
    window: object('a window transform', {
      window: arrayOf(object('a window operation', { op: string, field: string, param: number, as: string }, { required: ['op', 'as'] })),
      frame: arrayOf(either(number, nil)),
      ignorePeers: boolean,
      groupby,
      sort: arrayOf(SORT_FIELD),
    }),
    joinaggregate: object('a joinaggregate transform', { joinaggregate: aggregateOps, groupby }),
    filter: object('a filter transform', { filter: PREDICATE }),
  },
};

const values = arrayOf({ kind: 'data' }, CHART_MAX_DATA_ROWS);
// `name` alone refers to an entry of the top-level `datasets`.
const DATA = either(
  nil,
  object(
    'inline data',
    {
      values,
      name: string,
      format: object('a data format', { type: oneOf('json', 'csv', 'tsv'), parse: either(nil, { kind: 'record', values: either(string, nil) }) }),
    },
    { requiredAnyOf: ['values', 'name'], hint: 'inline data: { "values": [ … ] }' },
  ),
);

const rowColumn = (rule: Rule) => either(rule, object('row and column values', { row: rule, column: rule }));
const RESOLVE_MODE = object('a resolution', Object.fromEntries(CHART_ENCODING_CHANNELS.map((channel) => [channel, oneOf('shared', 'independent')])));
const VIEW = scalars(
  'view properties',
  [
    'clip',
    'cornerRadius',
    'fill',
    'fillOpacity',
    'opacity',
    'stroke',
    'strokeCap',
    'strokeDashOffset',
    'strokeJoin',
    'strokeMiterLimit',
    'strokeOpacity',
    'strokeWidth',
    'step',
    'continuousWidth',
    'continuousHeight',
  ],
  { strokeDash: numbers, discreteWidth: either(number, step), discreteHeight: either(number, step) },
);

const VIEW_KEYS: Record<string, Rule> = {
  title: either(string, strings, TITLE),
  description: string,
  name: string,
  width: size,
  height: size,
  data: DATA,
  transform: arrayOf(TRANSFORM),
  mark: MARK,
  encoding: ENCODING,
  view: VIEW,
  columns: number,
  spacing: rowColumn(number),
  align: rowColumn(oneOf('all', 'each', 'none')),
  center: rowColumn(boolean),
  bounds: oneOf('full', 'flush'),
  resolve: object('a resolve', { scale: RESOLVE_MODE, axis: RESOLVE_MODE, legend: RESOLVE_MODE }),
  repeat: either(strings, object('repeated fields', { row: strings, column: strings, layer: strings })),
  facet: object('a facet', { ...FIELD_DEFINITION_KEYS, row: FIELD_DEFINITION, column: FIELD_DEFINITION }),
};
const VIEW_SPEC = object('a view', VIEW_KEYS);
const views = arrayOf(VIEW_SPEC);
Object.assign(VIEW_SPEC.keys, { layer: views, concat: views, hconcat: views, vconcat: views, spec: VIEW_SPEC });

const axisConfig = [
  'axis',
  'axisX',
  'axisY',
  'axisBand',
  'axisDiscrete',
  'axisPoint',
  'axisQuantitative',
  'axisTemporal',
  'axisLeft',
  'axisRight',
  'axisTop',
  'axisBottom',
];
const headerConfig = ['header', 'headerRow', 'headerColumn', 'headerFacet'];
const CONFIG = object('a chart config', {
  ...Object.fromEntries(axisConfig.map((name) => [name, AXIS])),
  ...Object.fromEntries(headerConfig.map((name) => [name, HEADER])),
  ...Object.fromEntries(['mark', ...CHART_MARK_TYPES].map((name) => [name, MARK_PROPERTIES])),
  legend: LEGEND,
  title: scalars('title config', TITLE_PROPERTIES),
  view: VIEW,
  concat: scalars('concat config', ['spacing', 'columns']),
  facet: scalars('facet config', ['spacing', 'columns']),
  font: string,
  background: string,
  numberFormat: string,
  timeFormat: string,
  countTitle: string,
  fieldTitle: oneOf('verbal', 'functional', 'plain'),
});

const PADDING = either(number, scalars('padding', ['top', 'bottom', 'left', 'right']));
const AUTOSIZE = either(oneOf('pad', 'fit', 'fit-x', 'fit-y', 'none'), scalars('autosize', ['type', 'contains', 'resize']));
/** The top of a chart spec: a view, plus what only the top may set. */
const CHART_SPEC = object('a chart', {
  ...VIEW_SPEC.keys,
  $schema: string,
  config: CONFIG,
  autosize: AUTOSIZE,
  background: string,
  padding: PADDING,
  datasets: { kind: 'record', values },
});

const OFFICIAL_VEGA_LITE_SCHEMA = /^https:\/\/vega\.github\.io\/schema\/vega-lite\/v5(?:\.\d+){0,2}\.json$/;
// CSS url() in a colour or any other string the renderer might hand to SVG or canvas would fetch it.
const CSS_URL = /url\s*\(/i;

/**
 * Checks a chart spec against the allowlist, reporting each problem at its path. The walk keeps its own
 * stack (no recursion), never descends into a refused key, and stops at CHART_MAX_DEPTH or after
 * CHART_MAX_REPORTED_PROBLEMS problems.
 */
export function checkChartSpec(spec: Record<string, unknown>, at: Path, reportTo: Report): void {
  let reported = 0;
  const report: Report = (segments, message) => {
    reported++;
    if (reported <= CHART_MAX_REPORTED_PROBLEMS) reportTo(segments, message);
    else if (reported === CHART_MAX_REPORTED_PROBLEMS + 1)
      reportTo(at, `has more than ${CHART_MAX_REPORTED_PROBLEMS} problems; the first ${CHART_MAX_REPORTED_PROBLEMS} are listed`);
  };
  if ('$schema' in spec && !(typeof spec.$schema === 'string' && OFFICIAL_VEGA_LITE_SCHEMA.test(spec.$schema))) {
    report([...at, '$schema'], 'must be the official Vega-Lite v5 schema URL (https://vega.github.io/schema/vega-lite/v5.json) or left out');
  }
  // Each pending value links to its parent instead of copying its path: the walk holds one small frame per
  // value, and a path is built only for a value that is reported.
  const stack: Frame[] = [{ value: spec, rule: CHART_SPEC, depth: 0 }];
  while (stack.length > 0 && reported <= CHART_MAX_REPORTED_PROBLEMS) {
    const frame = stack.pop()!;
    const { value, rule: given } = frame;
    const path = () => pathOf(at, frame);
    const child = (key: string | number, childValue: unknown, rule: Rule): Frame => ({ value: childValue, rule, depth: frame.depth + 1, parent: frame, key });
    if (frame.depth > CHART_MAX_DEPTH) {
      report(at, `is nested more than ${CHART_MAX_DEPTH} levels deep`);
      return;
    }
    const type = jsonType(value);
    const rule = resolve(given, type);
    if (!rule) {
      report(path(), mismatch(given, value));
      continue;
    }
    if (typeof value === 'string') {
      if (CSS_URL.test(value)) report(path(), 'must not use CSS url(): a chart cannot load anything');
      else if (rule.kind === 'enum' && !rule.values.includes(value)) report(path(), `must be one of ${rule.values.join(', ')}`);
      continue;
    }
    if (Array.isArray(value)) {
      const items = rule.kind === 'array' ? rule.items : rule;
      if (rule.kind === 'array' && rule.maxItems !== undefined && value.length > rule.maxItems) {
        report(path(), `has ${value.length} rows; a chart holds at most ${rule.maxItems}`);
        continue;
      }
      for (let i = value.length - 1; i >= 0; i--) stack.push(child(i, value[i], items));
      continue;
    }
    if (type !== 'object') continue;
    const node = value as Record<string, unknown>;
    const entries = Object.entries(node).reverse();
    if (rule.kind === 'data') {
      for (const [key, item] of entries) {
        if (key === 'url') report([...path(), key], `is not allowed: ${REFUSED_KEYS.url}`);
        else stack.push(child(key, item, rule));
      }
      continue;
    }
    if (rule.kind === 'record') {
      for (const [key, item] of entries) stack.push(child(key, item, rule.values));
      continue;
    }
    const shape = rule.kind === 'tagged' ? tagShape(rule, node) : (rule as ObjectRule);
    if (!shape) {
      // Say what is allowed, and why a key that gave it away (calculate, lookup) never will be.
      report(path(), `must be ${describe(rule)}`);
      const refused = Object.keys(node).find((key) => Object.hasOwn(REFUSED_KEYS, key));
      if (refused) report([...path(), refused], REFUSED_KEYS[refused]!);
      continue;
    }
    for (const key of shape.required ?? []) if (!Object.hasOwn(node, key)) report([...path(), key], `is required in ${shape.what}`);
    if (shape.requiredAnyOf && !shape.requiredAnyOf.some((key) => Object.hasOwn(node, key))) report(path(), `must be ${describe(shape)}`);
    for (const [key, item] of entries) {
      if (Object.hasOwn(shape.keys, key)) stack.push(child(key, item, shape.keys[key]!));
      else
        report(
          [...path(), key],
          Object.hasOwn(REFUSED_KEYS, key) ? REFUSED_KEYS[key]! : `is not allowed in ${shape.what}; allowed: ${Object.keys(shape.keys).join(', ')}`,
        );
    }
  }
}

interface Frame {
  value: unknown;
  rule: Rule;
  /** Levels below the spec. */
  depth: number;
  parent?: Frame;
  key?: string | number;
}

/** The path of a frame: the spec's own path, then each key from the spec down. */
function pathOf(at: Path, frame: Frame): Path {
  const keys: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) keys.push(f.key);
  return [...at, ...keys.reverse()];
}

/** The rule of a tagged object: that of the first tag it has, else the fallback (undefined when neither). */
function tagShape(rule: Extract<Rule, { kind: 'tagged' }>, node: Record<string, unknown>): ObjectRule | undefined {
  const tag = Object.keys(rule.tags).find((key) => Object.hasOwn(node, key));
  const shape = tag === undefined ? rule.otherwise : rule.tags[tag];
  return shape?.kind === 'object' ? shape : undefined;
}

/** The first alternative of `rule` (through nested unions) that takes a value of this JSON type. */
function resolve(rule: Rule, type: JsonType): Exclude<Rule, { kind: 'either' }> | undefined {
  if (rule.kind !== 'either') return accepts(rule, type) ? rule : undefined;
  for (const option of rule.options) {
    const found = resolve(option, type);
    if (found) return found;
  }
  return undefined;
}

function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

function accepts(rule: Rule, type: JsonType): boolean {
  switch (rule.kind) {
    case 'scalar':
      return type === 'string' || type === 'number' || type === 'boolean' || type === 'null';
    case 'string':
    case 'enum':
      return type === 'string';
    case 'number':
    case 'boolean':
    case 'null':
      return type === rule.kind;
    case 'array':
      return type === 'array';
    case 'object':
    case 'tagged':
    case 'record':
      return type === 'object';
    case 'either':
      return rule.options.some((option) => accepts(option, type));
    case 'data':
      return true;
  }
}

/** "must be a number or null", with why an object was refused when it is an expression. */
function mismatch(rule: Rule, value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const refused = ['expr', 'signal', 'param', 'selection'].find((key) => key in value);
    if (refused)
      return `must not be ${refused === 'expr' || refused === 'signal' ? 'an expression' : 'a parameter reference'} ({"${refused}": …}): ${EXPRESSION}`;
  }
  return `must be ${describe(rule)}`;
}

function describe(rule: Rule): string {
  switch (rule.kind) {
    case 'scalar':
      return 'a string, number, boolean or null';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
    case 'enum':
      return `one of ${rule.values.join(', ')}`;
    case 'array':
      return 'an array';
    case 'object':
      return rule.hint ?? rule.what;
    case 'tagged':
      return rule.hint ?? rule.what;
    case 'record':
      return 'an object';
    case 'either':
      return rule.options.map(describe).join(' or ');
    case 'data':
      return 'data';
  }
}
