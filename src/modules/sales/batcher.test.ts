import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memberKey, takeBatch } from './batcher.ts';

const q = (...members: string[]) => members.map((m, i) => ({ m, n: i }));
const take = (queue: { m: string; n: number }[], busy: string[], max: number) => takeBatch(queue, (x) => x.m, new Set(busy), max);

test('with nothing in flight a batch takes the front of the queue, up to the limit', () => {
  const queue = q('a', 'b', 'c');
  assert.deepEqual(take(queue, [], 2).map((x) => x.n), [0, 1]);
  assert.deepEqual(queue.map((x) => x.n), [2]);
});

test('purchases of members a batch in flight holds stay queued, in order, for a later batch', () => {
  const queue = q('a', 'b', 'a', 'c', 'b');
  assert.deepEqual(take(queue, ['a'], 10).map((x) => x.n), [1, 3, 4]);
  assert.deepEqual(queue.map((x) => x.n), [0, 2]);
});

test('skipped purchases do not count toward the limit, and what is over it stays queued', () => {
  const queue = q('a', 'b', 'c', 'd');
  assert.deepEqual(take(queue, ['a'], 2).map((x) => x.n), [1, 2]);
  assert.deepEqual(queue.map((x) => x.n), [0, 3]);
});

test('when every waiting purchase belongs to a busy member the batch is empty and the queue unchanged', () => {
  const queue = q('a', 'a');
  assert.deepEqual(take(queue, ['a'], 10), []);
  assert.equal(queue.length, 2);
});

test('a member is keyed by how the purchase names them', () => {
  const cases: [Parameters<typeof memberKey>[0], string][] = [
    [{ customerId: 7, mobile: '13800138000' }, 'id:7'],
    [{ mobile: '13800138000', cardNo: 'C1' }, 'mobile:13800138000'],
    [{ cardNo: 'C1' }, 'card:C1'],
  ];
  for (const [p, key] of cases) assert.equal(memberKey(p), key);
});
