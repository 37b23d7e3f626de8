import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../../test/support.ts';
import { prepared, queueWrite, type Db } from './client.ts';

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

test('array parameters arrive element for element, whatever characters the strings hold', async () => {
  const texts = ['plain', '', 'NULL', 'a,b', '{braces}', 'quote " inside', 'back\\slash', '换行\n和制表\t', "o'clock", ' spaced ', '{"json":"text \\"quoted\\" and \\\\ slashed"}', 'emoji 🎁 and "quote"', null];
  const at = new Date('2026-11-23T01:02:03.456Z');
  const r = await db.query(
    `SELECT $1::text[] AS texts, $2::bigint[] AS ids, $3::timestamptz[] AS times, $4::boolean[] AS flags, $5::int[] AS none, $6::bigint[] AS amounts`,
    [texts, [1, null, 9007199254740991], [at, at.toISOString()], [true, false, null], [], [-250, 0, 9007199254740991, 42]],
  );
  const row = r.rows[0];
  assert.deepEqual(row.texts, texts);
  assert.deepEqual(row.ids, [1, null, 9007199254740991]);
  assert.deepEqual(row.times.map((t: Date) => new Date(t).toISOString()), [at.toISOString(), at.toISOString()]);
  assert.deepEqual(row.flags, [true, false, null]);
  assert.deepEqual(row.none, []);
  assert.deepEqual(row.amounts, [-250, 0, 9007199254740991, 42]);
});

test('array parameters of any length and range arrive exactly, and values that do not fit are refused, never rounded', async () => {
  const long = '长'.repeat(70) + 'x';
  const ascii = 'A'.repeat(64);
  const ids = Array.from({ length: 3000 }, (_, i) => (i % 2 ? -1 : 1) * (i * 2 ** 40 + i));
  const times = [new Date('2026-11-24T08:00:00.123Z'), null, new Date('1970-01-01T00:00:00Z'), new Date('2999-12-31T23:59:59.999Z')];
  const r = await db.query(prepared('SELECT $1::bigint[] AS ids, $2::int[] AS ints, $3::text[] AS texts, $4::timestamptz[] AS times'), [ids, [2 ** 31 - 1, -(2 ** 31), 0], [long, ascii, 'mixé', ''], times]);
  assert.deepEqual({ ...r.rows[0], times: r.rows[0].times.map((t: Date | null) => t && new Date(t).toISOString()) }, {
    ids, ints: [2 ** 31 - 1, -(2 ** 31), 0], texts: [long, ascii, 'mixé', ''], times: times.map((t) => t && t.toISOString()),
  });
  const micro = await db.query('SELECT ($1::timestamptz[])[1] = $2::timestamptz AS same', [['2026-11-24T08:00:00.123456+08:00'], '2026-11-24T00:00:00.123456Z']);
  assert.equal(micro.rows[0].same, true, 'a time given as text keeps its microseconds');
  await assert.rejects(db.query('SELECT $1::bigint[] AS x', [[1, 2.5]]), /invalid input syntax for type bigint/);
  await assert.rejects(db.query('SELECT $1::int[] AS x', [[2 ** 31]]), /out of range for type integer/);
  await assert.rejects(db.query('SELECT $1::text[] AS x', [['nul \u0000 inside']]), /0x00/);
});

test('a statement marked prepared answers like any other, with fresh parameters each time and inside transactions', async () => {
  const text = prepared('SELECT $1::int * 2 AS doubled, $2::text[] AS names');
  for (const n of [1, 2, 3, 4, 5, 6, 7]) assert.deepEqual((await db.query(text, [n, ['张三', `李${n}`]])).rows, [{ doubled: n * 2, names: ['张三', `李${n}`] }]);
  const inTx = await db.tx(async (tx) => [(await tx.query(text, [10, []])).rows[0], (await tx.query(text, [11, null])).rows[0]]);
  assert.deepEqual(inTx, [{ doubled: 20, names: [] }, { doubled: 22, names: null }]);
  assert.equal(prepared(text), text, 'marking twice changes nothing');
});

test('queued writes run in order with the statements around them and commit with the transaction', async () => {
  await db.exec('CREATE TABLE queue_probe (n int PRIMARY KEY)');
  const seen = await db.tx(async (tx) => {
    await queueWrite(tx, 'INSERT INTO queue_probe VALUES (1)');
    await queueWrite(tx, 'UPDATE queue_probe SET n = n + 1');
    const r = await tx.query('SELECT n FROM queue_probe');
    await queueWrite(tx, 'INSERT INTO queue_probe VALUES (10)');
    return r.rows;
  });
  assert.deepEqual(seen, [{ n: 2 }]);
  assert.deepEqual((await db.query('SELECT n FROM queue_probe ORDER BY n')).rows, [{ n: 2 }, { n: 10 }]);
});

test('a queued write that fails rolls the whole transaction back and its own error is thrown', async () => {
  await db.exec('CREATE TABLE queue_fail_probe (n int PRIMARY KEY)');
  await db.query('INSERT INTO queue_fail_probe VALUES (1)');
  await assert.rejects(
    db.tx(async (tx) => {
      await tx.query('INSERT INTO queue_fail_probe VALUES (2)');
      await queueWrite(tx, 'INSERT INTO queue_fail_probe VALUES (1)');
    }),
    /duplicate key/,
  );
  await assert.rejects(
    db.tx(async (tx) => {
      await queueWrite(tx, 'INSERT INTO queue_fail_probe VALUES (1)');
      await tx.query('INSERT INTO queue_fail_probe VALUES (3)');
    }),
    /duplicate key/,
  );
  assert.deepEqual((await db.query('SELECT n FROM queue_fail_probe')).rows, [{ n: 1 }]);
});

test('statements sent together in a transaction each get their own answer', async () => {
  const [a, b] = await db.tx((tx) => Promise.all([tx.query('SELECT 1 AS n'), tx.query('SELECT $1::int AS n', [2])]));
  assert.deepEqual([a.rows, b.rows], [[{ n: 1 }], [{ n: 2 }]]);
});

test('reads sent together on one connection each get their own answer, and each statement commits on its own', async () => {
  await db.exec('CREATE TABLE together_probe (n int PRIMARY KEY)');
  const [a, b, failed] = await db.together((q) => Promise.all([
    q.query('INSERT INTO together_probe VALUES (1) RETURNING n'),
    q.query('SELECT $1::int AS n', [2]),
    q.query('INSERT INTO together_probe VALUES (1)').then(() => 'inserted', (err) => `refused: ${err.code}`),
  ]));
  assert.deepEqual([a.rows, b.rows, failed], [[{ n: 1 }], [{ n: 2 }], 'refused: 23505']);
  // The duplicate's failure rolled back only itself.
  assert.deepEqual((await db.query('SELECT n FROM together_probe')).rows, [{ n: 1 }]);
});

test('when one read sent together fails, the others still answer before the connection serves anyone else', async () => {
  let late: unknown;
  await assert.rejects(db.together((q) => Promise.all([
    q.query('SELECT 1/0'),
    q.query('SELECT pg_sleep(0.05), 2 AS n').then(async () => (late = (await q.query('SELECT 3 AS n')).rows[0])),
  ])), /division by zero/);
  // The server's connection was given back only after the slow sibling and its follow-up answered (PGlite has but one, never lent).
  if (db.kind === 'postgres') assert.deepEqual(late, { n: 3 });
  const again = await Promise.all(Array.from({ length: 30 }, (_, i) => db.together((q) => q.query('SELECT $1::int AS n', [i]))));
  assert.deepEqual(again.map((r) => r.rows[0].n), Array.from({ length: 30 }, (_, i) => i));
});
