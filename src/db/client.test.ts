import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../../test/support.ts';
import type { Db } from './client.ts';

let db: Db & { drop(): Promise<void> };
before(async () => {
  db = await openTestDb();
});
after(async () => db.drop());

test('both drivers return bigint and numeric as numbers and dates as YYYY-MM-DD', async () => {
  const r = await db.query(`SELECT 9007199254740991::int8 AS big, 12.5::numeric AS num, '1990-01-02'::date AS day, $1::date AS param_day`, ['1991-02-03']);
  assert.deepEqual(r.rows[0], { big: 9007199254740991, num: 12.5, day: '1990-01-02', param_day: '1991-02-03' });
});

test('bigint arrays come back as arrays of numbers', async () => {
  const r = await db.query(`SELECT ARRAY[1, 9007199254740991]::bigint[] AS ids, '{}'::bigint[] AS none`);
  assert.deepEqual(r.rows[0], { ids: [1, 9007199254740991], none: [] });
});

test('rowCount is the number of rows a SELECT returned', async () => {
  const r = await db.query('SELECT * FROM generate_series(1, 3)');
  assert.equal(r.rowCount, 3);
});

test('inside a transaction dates stay YYYY-MM-DD too', async () => {
  const r = await db.tx((tx) => tx.query(`SELECT '1990-01-02'::date AS day`));
  assert.deepEqual(r.rows[0], { day: '1990-01-02' });
});

test('a transaction commits everything or nothing', async () => {
  await db.exec('CREATE TABLE tx_probe (n int)');
  await assert.rejects(db.tx(async (tx) => {
    await tx.query('INSERT INTO tx_probe VALUES (1)');
    throw new Error('stop');
  }));
  await db.tx(async (tx) => tx.query('INSERT INTO tx_probe VALUES (2)'));
  assert.deepEqual((await db.query('SELECT n FROM tx_probe')).rows, [{ n: 2 }]);
});
