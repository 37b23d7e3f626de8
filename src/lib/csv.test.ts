import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, csvHeader, csvLines } from './csv.ts';

const cells: [unknown, string][] = [
  ['王芳', '王芳'],
  ['a,b', '"a,b"'],
  ['say "hi"', '"say ""hi"""'],
  ['line\nbreak', '"line\nbreak"'],
  [null, ''],
  [undefined, ''],
  [12000, '12000'],
  [['VIP', '新客'], 'VIP|新客'],
  [new Date('2026-11-23T00:00:00Z'), '2026-11-23T00:00:00.000Z'],
];
for (const [input, expected] of cells) {
  test(`csvCell(${JSON.stringify(input)}) is ${JSON.stringify(expected)}`, () => assert.equal(csvCell(input), expected));
}

test('lines follow the column order and end in CRLF; the header starts with a BOM', () => {
  assert.equal(csvLines([{ b: 2, a: 1 }], ['a', 'b']), '1,2\r\n');
  assert.equal(csvHeader(['a', 'b']), '\uFEFFa,b\r\n');
});
