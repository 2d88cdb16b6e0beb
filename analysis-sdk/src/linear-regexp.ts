// Regular expressions from analysis developers (a params schema's `pattern`, `patternProperties`) run
// against user input in the API. JavaScript's backtracking engine can take exponential time on a
// pattern like ^(a+)+$, so one hostile manifest could stall the API for everyone. These patterns run on
// RE2 instead (re2js, a pure-JavaScript port): matching time is linear in the input, whatever the
// pattern. RE2 has no lookaround and no backreferences; a pattern using them is refused at submission.
import { RE2JS } from 're2js';

/** What Ajv needs of a compiled pattern (its `code.regExp` option). */
export interface LinearRegExp {
  test(input: string): boolean;
  toString(): string;
}

export class UnsupportedPatternError extends Error {
  constructor(pattern: string, reason: string) {
    super(
      `pattern ${JSON.stringify(pattern)} is not supported: ${reason} (patterns run on a linear-time engine, RE2: no lookahead, lookbehind or backreferences)`,
    );
    this.name = 'UnsupportedPatternError';
  }
}

/** Ajv's `code.regExp` engine: every `pattern` of a schema compiled with it matches in linear time. */
export const LINEAR_REGEXP_ENGINE = Object.assign((pattern: string) => linearRegExp(pattern), { code: 'linearRegExp' });

/** Compiles a JSON Schema `pattern` (unanchored search, like RegExp#test) for linear-time matching. */
function linearRegExp(pattern: string): LinearRegExp {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    throw new UnsupportedPatternError(pattern, error instanceof Error ? error.message : String(error));
  }
  return { test: (input) => compiled.test(input), toString: () => `re2:${pattern}` };
}
