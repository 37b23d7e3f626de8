import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conditions, escapeLike } from './conditions.ts';

test('placeholders become numbered parameters in order, across conditions', () => {
  const c = new Conditions("status = 'active'").add('city = ?', '上海').add('(at, id) < (?, ?)', '2026-11-23', 7);
  assert.equal(c.sql, "status = 'active' AND city = $1 AND (at, id) < ($2, $3)");
  assert.equal(c.param(50), '$4');
  assert.deepEqual(c.params, ['上海', '2026-11-23', 7, 50]);
});

test('no conditions is TRUE, and no WHERE at all', () => {
  const c = new Conditions();
  assert.equal(c.sql, 'TRUE');
  assert.equal(c.where, '');
});

test('a placeholder without its value is a programming error', () => {
  assert.throws(() => new Conditions().add('a = ? AND b = ?', 1), /2 placeholder\(s\) but 1 value/);
});

test('LIKE wildcards in user text match themselves', () => {
  assert.equal(escapeLike('100%_off\\'), '100\\%\\_off\\\\');
});
