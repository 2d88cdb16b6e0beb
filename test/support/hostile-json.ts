// Hostile JSON of the shapes that blocked the API and exhausted the worker's heap (Hardening II), for
// the sandbox catalogue (scaled down) and `npm run bench` (full size).

/**
 * JSON text of wide arrays nested `depth` deep: at each level `width` copies of `item` and one array
 * nesting further. A walk that copies each value's path holds about width × depth² / 2 entries.
 */
export function wideNestedJson(depth: number, width: number, item = '0'): string {
  const row = Array.from({ length: width }, () => item).join(',');
  return `${`[${row},`.repeat(depth - 1)}[${row}]${']'.repeat(depth - 1)}`;
}

/** The widest such text of `depth` levels that fits in `bytes` (with `room` bytes left for what wraps it). */
export function wideNestedJsonOf(bytes: number, depth: number, item = '0', room = 0): string {
  const perLevel = (bytes - room) / depth;
  const width = Math.max(1, Math.floor((perLevel - 3) / (item.length + 1)));
  return wideNestedJson(depth, width, item);
}

/**
 * A params schema of `$ref` chains through anyOf, `levels` deep: a value that fails the leaf makes each
 * level try both branches (2^levels evaluations), while the default passes the first branch of every
 * level at once, so the submission's smoke run passes. 64 levels are about 5 KB.
 */
export function exponentialParamsSchema(levels: number): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) definitions[`d${i}`] = { anyOf: [{ $ref: `#/definitions/d${i + 1}` }, { $ref: `#/definitions/d${i + 1}` }] };
  definitions[`d${levels}`] = { type: 'string', maxLength: 1 };
  return { type: 'object', definitions, properties: { x: { $ref: '#/definitions/d0', default: 'a' } } };
}
