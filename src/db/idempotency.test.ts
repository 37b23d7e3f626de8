import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../../test/support.ts';
import { runIdempotent } from './idempotency.ts';
import type { Db } from './client.ts';

let db: Db & { drop(): Promise<void> };
before(async () => {
  db = await openTestDb();
  await db.exec('CREATE TABLE writes (n int)');
});
after(async () => db.drop());

const write = (n: number) => async (tx: any) => {
  await tx.query('INSERT INTO writes (n) VALUES ($1)', [n]);
  return { statusCode: 201, body: { n } };
};
const count = async () => (await db.query('SELECT count(*)::int AS c FROM writes')).rows[0].c;

test('a retry with the same key returns the first answer and writes nothing again', async () => {
  const before = await count();
  const first = await runIdempotent(db, 'test', 'k-1', { n: 1 }, write(1));
  const again = await runIdempotent(db, 'test', 'k-1', { n: 1 }, write(1));
  assert.deepEqual(first, { statusCode: 201, body: { n: 1 }, replayed: false });
  assert.deepEqual(again, { statusCode: 201, body: { n: 1 }, replayed: true });
  assert.equal(await count(), before + 1);
});

test('the same key with a different request is a 409 and writes nothing', async () => {
  await runIdempotent(db, 'test', 'k-2', { n: 2 }, write(2));
  const before = await count();
  await assert.rejects(runIdempotent(db, 'test', 'k-2', { n: 3 }, write(3)), (e: any) => e.statusCode === 409 && e.code === 'IDEMPOTENCY_KEY_REUSED');
  assert.equal(await count(), before);
});

test('concurrent duplicates write once', async () => {
  const before = await count();
  const results = await Promise.all(Array.from({ length: 10 }, () => runIdempotent(db, 'test', 'k-3', { n: 4 }, write(4))));
  assert.equal(results.filter((r) => !r.replayed).length, 1);
  assert.equal(await count(), before + 1);
});

test('a failed write stores no answer, so the retry runs again', async () => {
  await assert.rejects(runIdempotent(db, 'test', 'k-4', { n: 5 }, async () => { throw new Error('boom'); }));
  const r = await runIdempotent(db, 'test', 'k-4', { n: 5 }, write(5));
  assert.equal(r.replayed, false);
});

test('keys are scoped: the same key in another scope is a new write', async () => {
  await runIdempotent(db, 'scope-a', 'k-5', { n: 6 }, write(6));
  const r = await runIdempotent(db, 'scope-b', 'k-5', { n: 6 }, write(6));
  assert.equal(r.replayed, false);
});
