import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrayCasts, binaryArray, type BinaryElement } from './binary-arrays.ts';

test('an array parameter goes in binary only where every use casts it to the same supported array type', () => {
  const table: [string, (string | undefined)[]][] = [
    ['SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[])', ['int8', 'text', 'int4']],
    ['SELECT $1::date[], $2::boolean[], $3::INTEGER[]', [undefined, undefined, 'int4']],
    ['SELECT $1::timestamptz[], $1::timestamptz[]', ['timestamptz']],
    ['SELECT $1::bigint[] WHERE x = ANY($1::bigint[])', ['int8']],
    ['SELECT $1::bigint[] WHERE x = ANY($1)', [undefined]],
    ['SELECT $1::int[], $1::bigint[]', [undefined]],
    ['SELECT $2::text[], $1', [undefined, 'text']],
    ['SELECT $10::int8[]', [...new Array(9).fill(undefined), 'int8']],
  ];
  for (const [text, casts] of table) assert.deepEqual([...arrayCasts(text)], casts, text);
});

test('values that do not fit the element type leave the parameter to the text literal', () => {
  const table: [unknown[], BinaryElement][] = [
    [[1, 1.5], 'int8'],
    [[2 ** 53], 'int8'],
    [['1'], 'int8'],
    [[2 ** 31], 'int4'],
    [[-(2 ** 31) - 1], 'int4'],
    [[0.5], 'int4'],
    [[1], 'text'],
    [[new Date()], 'text'],
    [['2026-11-24T08:00:00.123456+08:00'], 'timestamptz'],
    [[new Date(NaN)], 'timestamptz'],
  ];
  for (const [values, type] of table) assert.equal(binaryArray(values, type), undefined, `${type} ${String(values)}`);
});

test('the binary form carries dimensions, nulls and each element in network order', () => {
  const buf = binaryArray([-1, null, 2 ** 40 + 7], 'int8')!;
  const words = (from: number, n: number) => Array.from({ length: n }, (_, i) => buf.readInt32BE(from + 4 * i));
  assert.deepEqual(words(0, 5), [1, 1, 20, 3, 1]);
  assert.equal(buf.readInt32BE(20), 8);
  assert.equal(buf.readBigInt64BE(24), -1n);
  assert.equal(buf.readInt32BE(32), -1);
  assert.equal(buf.readBigInt64BE(40), 2n ** 40n + 7n);
  assert.equal(buf.length, 48);
  assert.deepEqual([...binaryArray([], 'text')!], [...Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25])]);
  const times = binaryArray([new Date('2000-01-01T00:00:00.001Z'), new Date('1999-12-31T23:59:59Z')], 'timestamptz')!;
  assert.equal(times.readInt32BE(8), 1184);
  assert.equal(times.readBigInt64BE(24), 1000n);
  assert.equal(times.readBigInt64BE(36), -1_000_000n);
  const text = binaryArray(['ab', '会员'], 'text')!;
  assert.equal(text.readInt32BE(20), 2);
  assert.equal(text.subarray(24, 26).toString(), 'ab');
  assert.equal(text.readInt32BE(26), 6);
  assert.equal(text.subarray(30).toString(), '会员');
});
