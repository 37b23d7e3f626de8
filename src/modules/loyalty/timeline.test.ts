import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { bookPoints } from './ledger.ts';
import { expirePoints } from './expiry.ts';
import { loyaltyTimeline } from './timeline.ts';

let t: TestApp;
let admin: string;
let member: number;
before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
  member = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '陈静', mobile: '13600001111' } })).json().id;
  const sale = await t.request('POST', '/api/purchases', {
    cookie: admin,
    body: { source: 'pos', externalId: 'TL-1', customerId: member, channel: 'online', purchasedAt: new Date(Date.now() - 3_600_000).toISOString(), lines: [{ sku: 'LIP-1', category: '彩妆', quantity: 2, unitPriceFen: 10_000 }] },
  });
  assert.equal(sale.statusCode, 201, sale.body);
  const back = await t.request('POST', `/api/purchases/${sale.json().id}/returns`, { cookie: admin, body: { source: 'pos', externalId: 'TL-R1', lines: [{ lineNo: 1, quantity: 1 }] } });
  assert.equal(back.statusCode, 201, back.body);
  const pay = await t.request('POST', `/api/loyalty/members/${member}/redemptions`, { cookie: admin, body: { points: 30, reference: 'POS-9' } });
  assert.equal(pay.statusCode, 201, pay.body);
  const adjust = await t.request('POST', `/api/loyalty/members/${member}/adjustments`, { cookie: admin, body: { points: 5, reasonCode: 'GOODWILL', reason: '补偿' } });
  assert.equal(adjust.statusCode, 201, adjust.body);
  await t.db.tx((tx) => bookPoints(tx, [{ customerId: member, kind: 'adjust', points: 7, reasonCode: 'CORRECTION', reason: 'due already', expiresAt: new Date(Date.now() - 1000) }]));
  await expirePoints(t.db);
});
after(async () => {
  await t.close();
});

const loyaltyEvents = async (query = 'limit=50') => {
  const r = await t.request('GET', `/api/customers/${member}/timeline?${query}`, { cookie: admin });
  assert.equal(r.statusCode, 200, r.body);
  return r.json();
};

test("a member's points entries show in the 360 timeline newest first, with points, reason and labels", async () => {
  const items = (await loyaltyEvents()).items.filter((e: any) => e.source === 'loyalty');
  assert.deepEqual(items.map((e: any) => [e.type, e.data.points]), [
    ['points_expired', -7], ['points_adjusted', 7], ['points_adjusted', 5], ['points_redeemed', -30], ['points_reversed', -100], ['points_earned', 200], ['points_awarded', 100],
  ]);
  const adjusted = items[2];
  assert.equal(adjusted.data.reasonCode, 'GOODWILL');
  assert.equal(adjusted.data.reason, '补偿');
  assert.equal(adjusted.data.actorName, 'admin_all');
  assert.deepEqual(adjusted.data.label, { zh: '积分调整', en: 'Points adjusted' });
  assert.deepEqual(items[4].data.label, { zh: '退货扣回积分', en: 'Points taken back' });
  assert.ok(items[5].data.purchaseId, 'an earn entry names its sale');
  for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].at >= items[i].at);
});

test("the 360 page's first timeline page includes points events", async () => {
  const r = await t.request('GET', `/api/customers/${member}/360`, { cookie: admin });
  assert.equal(r.statusCode, 200, r.body);
  assert.ok(r.json().timeline.items.some((e: any) => e.source === 'loyalty' && e.type === 'points_expired'));
});

test('paging the timeline two at a time gives every points event once, in order', async () => {
  const all = (await loyaltyEvents()).items;
  const seen: any[] = [];
  let before: string | null = null;
  for (let page = 0; page < 30; page++) {
    const r: any = await loyaltyEvents(`limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`);
    seen.push(...r.items);
    before = r.nextBefore;
    if (!before) break;
  }
  assert.deepEqual(seen.map((e) => `${e.source}:${e.id}`), all.map((e: any) => `${e.source}:${e.id}`));
  assert.equal(seen.filter((e) => e.source === 'loyalty').length, 7);
});

test('the source answers only entries strictly older than the cursor, at most the limit', async () => {
  const all = await loyaltyTimeline(t.db, member, null, 100);
  assert.equal(all.length, 7);
  const older = await loyaltyTimeline(t.db, member, all[1]!.at, 2);
  assert.ok(older.length <= 2 && older.every((e) => e.at < all[1]!.at));
  assert.deepEqual(await loyaltyTimeline(t.db, member + 1000, null, 10), []);
});

test("the timeline's read is a range scan of the (customer, time) index, with no sort", async () => {
  const plan = await t.db.tx(async (tx) => {
    await tx.exec('SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off');
    const r = await tx.query(
      `EXPLAIN SELECT id FROM loyalty_ledger WHERE customer_id = $1 AND created_at < coalesce($2::timestamptz, 'infinity') ORDER BY created_at DESC, id DESC LIMIT $3`,
      [member, null, 21],
    );
    return r.rows.map((x: any) => x['QUERY PLAN']).join('\n');
  });
  assert.match(plan, /Index (Only )?Scan Backward using loyalty_ledger_customer_time_idx/);
  assert.doesNotMatch(plan, /Sort/);
});
