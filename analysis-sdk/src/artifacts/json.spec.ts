import { checkJsonBytes } from './json';

const check = (text: string) => checkJsonBytes(Buffer.from(text));

describe('checkJsonBytes', () => {
  it.each([
    '{}',
    '[]',
    ' {"a": [1, -2.5e-3, 0, true, false, null, "x\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"], "b": {"c": {}}, "é": "ü 👍"} \n',
    '"just a string"',
    '-0.5',
    'null',
  ])('accepts JSON text: %s', (text) => {
    expect(check(text)).toBeUndefined();
  });

  it.each([
    ['', 'is not valid JSON: it ends before its value does'],
    ['{"a":1,}', 'is not valid JSON: expected a string key at byte 7'],
    ['[1,]', 'is not valid JSON: an unexpected character at byte 3'],
    ["{'a':1}", 'is not valid JSON: expected a string key at byte 1'],
    ['[NaN]', 'is not valid JSON: an unexpected character at byte 1'],
    ['[01]', 'is not valid JSON: expected "," or the end of the object or array at byte 2'],
    ['[1.]', 'is not valid JSON: an unexpected character at byte 1'],
    ['["a\tb"]', 'is not valid JSON: an unterminated or invalid string at byte 1'],
    ['["\\x41"]', 'is not valid JSON: an unterminated or invalid string at byte 1'],
    ['["\\u12"]', 'is not valid JSON: an unterminated or invalid string at byte 1'],
    ['{"a" 1}', 'is not valid JSON: expected ":" at byte 5'],
    ['[1] [2]', 'is not valid JSON: unexpected text after the value at byte 4'],
    ['[1}', 'is not valid JSON: expected "," or the end of the object or array at byte 2'],
    ['\ufeff{}', 'is not valid JSON: an unexpected character at byte 0'],
    ['<html></html>', 'is not valid JSON: an unexpected character at byte 0'],
  ])('refuses %j', (text, reason) => {
    expect(check(text)).toBe(reason);
  });

  it('accepts 1,000 levels of nesting and refuses 1,001', () => {
    expect(check(`${'['.repeat(1000)}${']'.repeat(1000)}`)).toBeUndefined();
    expect(check(`${'['.repeat(1001)}${']'.repeat(1001)}`)).toBe('is not valid JSON: nesting deeper than 1000 levels at byte 1000');
  });
});
