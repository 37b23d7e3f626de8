import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { atRiskCustomers, atRiskPages, takeScoreSnapshot } from './insights.ts';

let t: TestApp;
let analyst: string;
let manager: string;
const ids: number[] = [];
let storeId: number;

before(async () => {
  t = await startTestApp();
  analyst = await t.loginAs('analyst');
  manager = await t.loginAs('manager');
  storeId = (await t.db.query(`INSERT INTO stores (code, name) VALUES ('CD001', '成都春熙路店') RETURNING id`)).rows[0].id;
  // name, r, f, monetary (fen), p_alive, churn risk, overdue days, value grade, clv (fen)
  const scored: [string, number, number, number, number, string, number, string, number][] = [
    ['周杰', 5, 5, 900_000, 0.95, 'low', 0, 'high', 1_200_000],
    ['吴敏', 1, 4, 600_000, 0.20, 'high', 120, 'high', 90_000],
    ['郑丽', 2, 2, 100_000, 0.40, 'medium', 30, 'medium', 40_000],
    ['孙强', 1, 1, 20_000, 0.10, 'high', 200, 'low', 1_000],
    ['钱芳', 4, 2, 50_000, 0.80, 'low', 10, 'medium', 60_000],
  ];
  for (const [name, r, f, m, p, risk, overdue, grade, clv] of scored) {
    const c = await t.db.query(`INSERT INTO customers (name, mobile) VALUES ($1, $2) RETURNING id`, [name, `1391234000${ids.length}`]);
    ids.push(c.rows[0].id);
    await t.db.query(
      `INSERT INTO customer_scores (customer_id, r_score, f_score, m_score, rfm_segment, monetary_fen, frequency, recency_days, p_alive, churn_risk, overdue_days, value_grade, clv_fen)
       VALUES ($1, $2, $3::int, 3, $4, $5, $3::int, 10, $6, $7, $8, $9, $10)`,
      [c.rows[0].id, r, f, r >= 4 ? 'champions' : 'at_risk', m, p, risk, overdue, grade, clv],
    );
  }
  await t.db.query(`INSERT INTO customer_activity (customer_id, dimension, key, first_at, last_at, purchases, spend_fen) VALUES ($1, 'store', $2, now(), now(), 1, 100)`, [ids[2], String(storeId)]);
});
after(async () => t.close());

test('the RFM grid counts customers and spend per recency × frequency cell', async () => {
  const r = await t.request('GET', '/api/analytics/rfm-grid', { cookie: analyst });
  assert.equal(r.statusCode, 200);
  const cell = r.json().cells.find((c: any) => c.r === 1 && c.f === 4);
  assert.deepEqual(cell, { r: 1, f: 4, customers: 1, monetaryFen: 600_000 });
  assert.deepEqual(r.json().segments.map((s: any) => [s.segment, s.customers]), [['at_risk', 3], ['champions', 2]]);
});

test('the value distribution counts grades and risk and buckets CLV', async () => {
  const d = (await t.request('GET', '/api/analytics/value-distribution', { cookie: analyst })).json();
  assert.equal(d.valueHigh, 2);
  assert.equal(d.churnHigh, 2);
  assert.equal(d.clvTotalFen, 1_391_000);
  const bucketOf = (fen: number) => d.clvHistogram.find((b: any) => b.fromFen <= fen && (b.toFen === null || fen < b.toFen));
  assert.equal(bucketOf(1_000).customers, 1);
  assert.equal(bucketOf(1_200_000).customers, 1);
  assert.equal(d.clvHistogram.reduce((s: number, b: any) => s + b.customers, 0), 5);
});

test('the at-risk list ranks by value at risk and leaves the safe out', async () => {
  const r = (await t.request('GET', '/api/analytics/at-risk', { cookie: analyst })).json();
  assert.equal(r.total, 4, 'the champion is not at risk; the overdue low-risk customer is');
  assert.deepEqual(r.items.map((c: any) => c.name), ['吴敏', '郑丽', '孙强', '钱芳']);
  assert.equal(r.items[0].valueAtRiskFen, 480_000);
  assert.equal(r.items[0].rank, 1);
  assert.match(r.items[0].mobile, /\*{4}/, 'an analyst sees masked mobiles');
  const high = (await t.request('GET', '/api/analytics/at-risk?risk=high', { cookie: manager })).json();
  assert.deepEqual(high.items.map((c: any) => c.name), ['吴敏', '孙强']);
  assert.match(high.items[0].mobile, /^1391234000\d$/, 'a manager sees full mobiles');
  const store = (await t.request('GET', `/api/analytics/at-risk?storeId=${storeId}`, { cookie: analyst })).json();
  assert.deepEqual(store.items.map((c: any) => c.name), ['郑丽']);
  const page2 = (await t.request('GET', '/api/analytics/at-risk?limit=2&afterRank=2', { cookie: analyst })).json();
  assert.deepEqual(page2.items.map((c: any) => c.rank), [3, 4]);
});

test('the at-risk list exports as CSV for roles that may export, and the export is audited', async () => {
  assert.equal((await t.request('GET', '/api/analytics/at-risk/export', { cookie: analyst })).statusCode, 403);
  const r = await t.request('GET', '/api/analytics/at-risk/export?risk=high', { cookie: manager });
  assert.equal(r.statusCode, 200);
  const lines = r.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1], /^1,\d+,吴敏,/);
  const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity = 'at_risk_list' AND action = 'export'`);
  assert.equal(audit.rows[0].n, 1);
});

test('a daily snapshot is taken once per day and feeds the trend', async () => {
  await takeScoreSnapshot(t.db, '2026-11-22');
  await takeScoreSnapshot(t.db, '2026-11-22');
  const rows = await t.db.query(`SELECT churn_high, customers FROM analytics_score_snapshots WHERE day = '2026-11-22'`);
  assert.deepEqual(rows.rows, [{ churn_high: 2, customers: 5 }]);
  const trend = (await t.request('GET', '/api/analytics/score-trend?days=30', { cookie: analyst })).json().items;
  assert.equal(trend.find((d: any) => d.day === '2026-11-22').churnHigh, 2);
});

test('store staff cannot read analytics, and bad filters are 400', async () => {
  const till = await t.loginAs('store_staff', { storeIds: [storeId] });
  assert.equal((await t.request('GET', '/api/analytics/at-risk', { cookie: till })).statusCode, 403);
  const bad = await t.request('GET', '/api/analytics/at-risk?risk=extreme&storeId=abc', { cookie: analyst });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json().error.fields.map((f: any) => f.path).sort(), ['querystring.risk', 'querystring.storeId']);
});

test('the export pages on from the last row and ranks exactly as the list does', async () => {
  const pages: any[][] = [];
  for await (const page of atRiskPages(t.db, {}, true, 3)) pages.push(page);
  assert.deepEqual(pages.map((p) => p.length), [3, 1]);
  const list = await atRiskCustomers(t.db, { limit: 50 }, true);
  assert.deepEqual(pages.flat().map((r) => [r.rank, r.id]), list.items.map((r) => [r.rank, r.id]));
});
