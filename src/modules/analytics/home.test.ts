import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { businessToday } from '../../lib/dates.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

test('the home figures cover the last 30 business days in Shanghai, today included', async () => {
  const today = businessToday('Asia/Shanghai');
  const firstDay = new Date(Date.parse(`${today}T00:00:00+08:00`) - 29 * 86_400_000);
  const customer = (await t.db.query(`INSERT INTO customers (name) VALUES ('黄蓉') RETURNING id`)).rows[0].id;
  const store = (await t.db.query(`INSERT INTO stores (code, name) VALUES ('HZ001', '杭州西湖店') RETURNING id`)).rows[0].id;
  const sale = (ext: string, at: Date, fen: number) =>
    t.db.query(
      `INSERT INTO purchases (customer_id, store_id, channel, source, external_id, purchased_at, total_fen, paid_fen) VALUES ($1, $2, 'store', 'pos', $3, $4, $5, $5)`,
      [customer, store, ext, at.toISOString(), fen],
    );
  await sale('inside', new Date(firstDay.getTime() + 30 * 60_000), 10_000);
  await sale('outside', new Date(firstDay.getTime() - 30 * 60_000), 99_900);
  const r = await t.request('GET', '/api/home', { cookie: await t.loginAs('analyst') });
  assert.equal(r.statusCode, 200);
  assert.equal(r.json().purchases30d, 1);
  assert.equal(r.json().sales30dFen, 10_000);
  const firstDate = new Date(firstDay.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  assert.deepEqual(r.json().daily, [{ day: firstDate, salesFen: 10_000, purchases: 1 }]);
});
