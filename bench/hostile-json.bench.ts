// Hostile JSON at full size (Hardening II, items 1 and 2), in this process: no stack needed. What the API
// spends on a 256 KB manifest and a params schema, and what the worker spends on a 4 MiB result.json,
// each against its reference: the walk that copied every value's path (what the API ran before), and Ajv
// evaluating the exponential schema that the dialect now refuses. Figures of time and heap, printed.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Ajv from 'ajv';
import {
  MANIFEST_MAX_BYTES,
  MAX_RESULT_BYTES,
  parseJson,
  parseManifest,
  paramsSchemaProblems,
  resultJsonCaps,
  scanJson,
  validateParams,
  validateResult,
} from '@lockbox/analysis-sdk';
import { exponentialParamsSchema, wideNestedJson, wideNestedJsonOf } from '../test/support/hostile-json';
import { round } from './support/figures';

export interface HostileJsonFigure {
  case: string;
  ms: number;
  /**
   * Heap in use right after the work, above what was in use before it (garbage collected first): what
   * the work allocated and the collector has not yet taken back, a lower bound of its peak.
   */
  heapMb: number;
  outcome: string;
}

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function measure(label: string, work: () => string): HostileJsonFigure {
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const outcome = work();
  const ms = performance.now() - started;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / (1024 * 1024);
  const figure = { case: label, ms: round(ms, 1), heapMb: round(heapMb, 1), outcome: outcome.slice(0, 140) };
  console.log(`hostile JSON: ${label}: ${figure.ms} ms, +${figure.heapMb} MB heap: ${figure.outcome}`);
  return figure;
}

/** The NUL search as it was: a stack entry per pending value, each with its own copy of the path. */
function pathCopyingWalk(value: unknown): number {
  const stack: { node: unknown; path: (string | number)[] }[] = [{ node: value, path: [] }];
  let copied = 0;
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    const children: [string | number, unknown][] = Array.isArray(node)
      ? node.map((child, i) => [i, child])
      : node !== null && typeof node === 'object'
        ? Object.entries(node)
        : [];
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i]!;
      stack.push({ node: child, path: [...path, key] });
      copied += path.length + 1;
    }
  }
  return copied;
}

const wrapResult = (values: string) =>
  `{"schemaVersion":1,"summary":"Wide","blocks":[{"type":"chart","title":"t","spec":{"mark":"bar","data":{"values":${values}}}}]}`;

export function benchHostileJson(): HostileJsonFigure[] {
  const figures: HostileJsonFigure[] = [];

  // The API: a 256 KB manifest of wide arrays nested 250 deep, in a parameter's default.
  const head =
    '{"name":"wide","version":"1.0.0","title":"t","description":"d","category":"other","price":0,"entrypoint":["x"],"scopes":{"social.posts":["timestamp"]},"resources":{"memory":"128m","cpu":0.5,"timeout":60,"output":"1m"},"params":{"type":"object","properties":{"x":{"type":"string","default":';
  const manifest = `${head}${wideNestedJsonOf(MANIFEST_MAX_BYTES, 250, '"x"', head.length + 8)}}}}}`;
  // Compile the validators first: a figure is the work on one input, not a one-off start-up.
  parseManifest(`${head}"x"}}}}}`);
  validateResult({ schemaVersion: 1, summary: 'warm', blocks: [] });
  figures.push(
    measure(`manifest ${round(manifest.length / 1024)} KB nested 250 deep: parseManifest`, () => {
      const result = parseManifest(manifest);
      return result.ok ? 'accepted' : result.errors[0]!.message;
    }),
  );
  const parsedManifest = JSON.parse(manifest) as unknown;
  figures.push(
    measure('the same manifest, reference: the path-copying walk the API ran before', () => `${pathCopyingWalk(parsedManifest)} path entries copied`),
  );
  // The most a manifest within every cap costs: its params schema at 64 KiB, 16 deep, every check run.
  const withinCaps = `${head}${wideNestedJson(12, 1300, '"x"')}}}}}`;
  figures.push(
    measure(`manifest ${round(withinCaps.length / 1024)} KB within the caps (16 deep, 15,600 values in a default): parseManifest`, () => {
      const result = parseManifest(withinCaps);
      return result.ok ? 'accepted' : result.errors.map((error) => error.message).join('; ');
    }),
  );

  // The API: the exponential params schema, refused at submission; the reference is Ajv evaluating it.
  const schema = exponentialParamsSchema(64);
  figures.push(
    measure(`params schema of $ref chains, ${round(JSON.stringify(schema).length / 1024)} KB: paramsSchemaProblems`, () =>
      paramsSchemaProblems(schema)
        .map((problem) => problem.field)
        .join(', '),
    ),
  );
  const levels = 18;
  const validate = new Ajv({ allErrors: true, logger: false }).compile(exponentialParamsSchema(levels));
  figures.push(
    measure(`reference: Ajv evaluating the same chain ${levels} deep on one bad value (each level doubles it; 64 levels never finish)`, () =>
      String(validate({ x: 'aa' })),
    ),
  );

  // The API at POST /runs: the dearest params a schema in the dialect can ask for, near the 64 KiB cap:
  // 99 items against a 1,000-value enum (the whole check budget, with the text) and 60,000 characters against a
  // catastrophic-backtracking pattern (run on RE2, linear).
  const choices = Array.from({ length: 1000 }, (_, i) => `choice-${i}`);
  const formSchema = {
    type: 'object' as const,
    properties: {
      picks: { type: 'array', items: { type: 'string', enum: choices }, maxItems: 99 },
      text: { type: 'string', maxLength: 60_000, pattern: '^(a+)+$' },
    },
  };
  const dearParams = { picks: Array.from({ length: 99 }, (_, i) => choices[999 - i]), text: 'a'.repeat(60_000) };
  validateParams(formSchema, {});
  figures.push(
    measure(`params of ${round(JSON.stringify(dearParams).length / 1024)} KB at the check budget: validateParams`, () => {
      const result = validateParams(formSchema, dearParams);
      return result.ok ? 'accepted' : result.errors[0]!.message;
    }),
  );

  // The worker: a 4 MiB result.json of the same shape, under a chart.
  const caps = resultJsonCaps(MAX_RESULT_BYTES);
  const hostileResult = wrapResult(wideNestedJsonOf(MAX_RESULT_BYTES, 250, '0', 200));
  figures.push(
    measure(`result.json ${round(hostileResult.length / (1024 * 1024))} MiB nested 250 deep: scan`, () => {
      const scan = scanJson(hostileResult, caps);
      return scan.ok ? 'accepted' : `${scan.message}; ${scan.cost.characters} characters read`;
    }),
  );
  // As deep as a chart may go and as wide as the depth cap allows: refused by the path weight.
  const deepest = wrapResult(wideNestedJsonOf(MAX_RESULT_BYTES, 66, '0', 200));
  figures.push(
    measure(`result.json ${round(deepest.length / (1024 * 1024))} MiB of wide arrays 66 deep: scan`, () => {
      const scan = scanJson(deepest, caps);
      return scan.ok ? 'accepted' : `${scan.message}; ${scan.cost.characters} characters read`;
    }),
  );
  // The most a result within every cap costs a walk that copies paths (the chart check still does):
  // 170,000 values at the bottom of 60 levels, just under the path-weight cap.
  const bottom = `${'['.repeat(59)}[${Array.from({ length: 170_000 }, () => '0').join(',')}]${']'.repeat(59)}`;
  figures.push(
    measure('result.json of 170,000 values 66 deep (the path-weight cap): scan, parse and validateResult', () => {
      const parsed = parseJson(wrapResult(bottom), caps);
      if (!parsed.ok) return parsed.message;
      const validation = validateResult(parsed.value, caps);
      return validation.ok ? 'accepted' : validation.errors[0]!.message;
    }),
  );
  const flat = wrapResult(`[${Array.from({ length: 250_000 }, (_, i) => `{"x":${i % 10},"y":${i % 7}}`).join(',')}]`);
  figures.push(
    measure(`result.json ${round(flat.length / (1024 * 1024))} MiB of chart rows {"x":1,"y":2}: scan, parse and validateResult`, () => {
      const parsed = parseJson(flat, caps);
      if (!parsed.ok) return parsed.message;
      const validation = validateResult(parsed.value, caps);
      return validation.ok ? 'accepted' : validation.errors[0]!.message;
    }),
  );
  return figures;
}
