import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../../test/support.ts';

test('both databases hand back dates as YYYY-MM-DD text and bigints and numerics as numbers', async () => {
  const db = await openTestDb();
  try {
    const r = await db.query(`SELECT '2019-05-01'::date AS d, 9007199254740::bigint AS n, 12.5::numeric AS x`);
    assert.deepEqual(r.rows[0], { d: '2019-05-01', n: 9007199254740, x: 12.5 });
  } finally {
    await db.drop();
  }
});
