import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, csvLine } from './tabular-export.ts';

const fields: [unknown, string][] = [
  ['王芳', '王芳'],
  ['a,b', '"a,b"'],
  ['say "hi"', '"say ""hi"""'],
  ['line\nbreak', '"line\nbreak"'],
  [null, ''],
  [undefined, ''],
  [12000, '12000'],
  [-500, '-500'],
  [['VIP', '新客'], 'VIP|新客'],
  [new Date('2026-11-23T00:00:00Z'), '2026-11-23T00:00:00.000Z'],
  ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
  ['+86 138', "'+86 138"],
  ['@SUM(A1)', "'@SUM(A1)"],
];
for (const [input, expected] of fields) {
  test(`csvField(${JSON.stringify(input)}) is ${JSON.stringify(expected)}`, () => assert.equal(csvField(input), expected));
}

test('a line ends in CRLF', () => assert.equal(csvLine([1, 'a']), '1,a\r\n'));
