import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseMobile } from './phone.ts';

const cases: [string | null, string | null][] = [
  ['13812345678', '13812345678'],
  ['+86 138 1234 5678', '13812345678'],
  ['0086-138-1234-5678', '13812345678'],
  ['8613812345678', '13812345678'],
  ['138 1234 567', null],
  ['12812345678', null],
  ['23812345678', null],
  ['1381234567a', null],
  ['', null],
  [null, null],
];

for (const [input, expected] of cases) {
  test(`normaliseMobile(${JSON.stringify(input)}) is ${JSON.stringify(expected)}`, () => {
    assert.equal(normaliseMobile(input), expected);
  });
}
