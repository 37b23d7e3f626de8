import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { registerTimelineSource } from './index.ts';
import { rebuildActivity } from '../segments/index.ts';

let t: TestApp;
let admin: string;
let customerId: number;
let stores: { huaihai: number; xujiahui: number };

/** Books a sale through the sales API, so the booking hook keeps the activity roll-up the key figures read. */
async function sell(id: number, p: { ext: string; storeId: number; at: string; lines: [string, number, number][] }) {
  const lines = p.lines.map(([category, quantity, amountFen]) => ({ sku: `SKU-${category}`, category, quantity, unitPriceFen: amountFen / quantity }));
  const r = await t.request('POST', '/api/purchases', {
    cookie: admin,
    body: { source: 'pos', externalId: p.ext, customerId: id, storeId: p.storeId, channel: 'store', purchasedAt: p.at, lines },
  });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id as number;
}

/** Returns whole lines of a sale through the sales API. */
async function giveBack(saleId: number, p: { ext: string; at: string; lineNos: number[] }) {
  const r = await t.request('POST', `/api/purchases/${saleId}/returns`, {
    cookie: admin, body: { source: 'pos', externalId: p.ext, returnedAt: p.at, lines: p.lineNos.map((lineNo) => ({ lineNo, quantity: 1 })) },
  });
  assert.equal(r.statusCode, 201, r.body);
}

before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
  const mk = async (code: string, name: string) => (await t.request('POST', '/api/stores', { cookie: admin, body: { code, name, city: '上海' } })).json().id;
  stores = { huaihai: await mk('SH01', '淮海路店'), xujiahui: await mk('SH02', '徐家汇店') };
  customerId = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '周婷', mobile: '13500001111', email: 'zhou.ting@example.com', birthday: '1992-07-15' } })).json().id;
  await sell(customerId, { ext: 'A', storeId: stores.huaihai, at: '2026-01-10T10:00:00Z', lines: [['护肤', 2, 6000], ['彩妆', 1, 4000]] });
  await sell(customerId, { ext: 'B', storeId: stores.huaihai, at: '2026-03-05T10:00:00Z', lines: [['护肤', 1, 5000]] });
  const c = await sell(customerId, { ext: 'C', storeId: stores.xujiahui, at: '2026-06-01T10:00:00Z', lines: [['香水', 1, 20000]] });
  await giveBack(c, { ext: 'R', at: '2026-06-10T10:00:00Z', lineNos: [1] });
  await t.request('POST', `/api/customers/${customerId}/consents`, { cookie: admin, body: { changes: [{ channel: 'sms', granted: true, source: '门店' }] } });
  await t.request('PATCH', `/api/customers/${customerId}`, { cookie: admin, body: { version: 1, city: '上海' } });
});
after(async () => {
  await t.close();
});

test('the 360 key figures match the purchases: net of the return, average basket, favourite store and categories', async () => {
  const r = await t.request('GET', `/api/customers/${customerId}/360`, { cookie: admin });
  assert.equal(r.statusCode, 200, r.body);
  const f = r.json().figures;
  assert.equal(f.firstPurchaseAt, '2026-01-10T10:00:00.000Z');
  assert.equal(f.lastPurchaseAt, '2026-06-01T10:00:00.000Z');
  assert.equal(f.orderCount, 3);
  assert.equal(f.returnCount, 1);
  assert.equal(f.totalSpendFen, 15000);
  assert.equal(f.averageBasketFen, 5000);
  assert.deepEqual(f.favouriteStore, { id: stores.huaihai, name: '淮海路店', orders: 2 });
  assert.deepEqual(f.favouriteCategories, [{ category: '护肤', amountFen: 11000 }, { category: '彩妆', amountFen: 4000 }]);
});

test('a return loaded with a positive amount is still subtracted once the roll-up is rebuilt', async () => {
  const id = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '孙悦' } })).json().id;
  // Bulk loads write the tables directly and leave the roll-up to the nightly rebuild.
  const load = async (ext: string, kind: string, original: number | null, at: string, paidFen: number) => {
    const p = await t.db.query(
      `INSERT INTO purchases (customer_id, kind, original_purchase_id, store_id, channel, source, external_id, purchased_at, total_fen, paid_fen, item_count)
       VALUES ($1, $2, $3, $4, 'store', 'legacy', $5, $6, $7, $7, 1) RETURNING id`,
      [id, kind, original, stores.huaihai, ext, at, paidFen],
    );
    await t.db.query(
      `INSERT INTO purchase_lines (customer_id, purchase_id, line_no, sku, category, quantity, unit_price_fen, amount_fen) VALUES ($1, $2, 1, 'SKU-护肤', '护肤', 1, $3, $3)`,
      [id, p.rows[0].id, paidFen],
    );
    return p.rows[0].id as number;
  };
  const s = await load('S2', 'sale', null, '2026-02-01T10:00:00Z', 8000);
  await load('R2', 'return', s, '2026-02-03T10:00:00Z', 3000);
  await t.db.tx((tx) => rebuildActivity(tx, [id]));
  const f = (await t.request('GET', `/api/customers/${id}/360`, { cookie: admin })).json().figures;
  assert.equal(f.totalSpendFen, 5000);
  assert.equal(f.returnCount, 1);
  assert.deepEqual(f.favouriteCategories, [{ category: '护肤', amountFen: 5000 }]);
});

test("after a merge the survivor's figures include the merged customer's purchases", async () => {
  const survivor = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '钱琳' } })).json().id;
  const merged = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '钱琳' } })).json().id;
  await sell(survivor, { ext: 'M1', storeId: stores.huaihai, at: '2026-04-01T10:00:00Z', lines: [['护肤', 1, 3000]] });
  await sell(merged, { ext: 'M2', storeId: stores.xujiahui, at: '2026-05-01T10:00:00Z', lines: [['香水', 1, 9000]] });
  const r = await t.request('POST', '/api/customers/merge', { cookie: admin, body: { survivorId: survivor, mergedIds: [merged] } });
  assert.equal(r.statusCode, 201, r.body);
  const f = (await t.request('GET', `/api/customers/${survivor}/360`, { cookie: admin })).json().figures;
  assert.equal(f.orderCount, 2);
  assert.equal(f.totalSpendFen, 12000);
  assert.equal(f.lastPurchaseAt, '2026-05-01T10:00:00.000Z');
  assert.deepEqual(f.favouriteCategories, [{ category: '香水', amountFen: 9000 }, { category: '护肤', amountFen: 3000 }]);
});

test("after a merge the survivor's timeline shows the merged record's profile history, marked with the record it was made on", async () => {
  const survivor = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '孙悦' } })).json().id;
  const merged = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '孙悦', city: '苏州' } })).json();
  assert.equal((await t.request('PATCH', `/api/customers/${merged.id}`, { cookie: admin, body: { version: merged.version, city: '无锡' } })).statusCode, 200);
  assert.equal((await t.request('POST', '/api/customers/merge', { cookie: admin, body: { survivorId: survivor, mergedIds: [merged.id] } })).statusCode, 201);
  const items = (await t.request('GET', `/api/customers/${survivor}/360`, { cookie: admin })).json().timeline.items;
  const profile = items.filter((e: any) => e.source === 'profile').map((e: any) => [e.type, e.data.mergedRecordId ?? null]);
  assert.deepEqual(profile.filter(([, on]: any) => on === merged.id), [['customer_update', merged.id], ['customer_create', merged.id]]);
  assert.ok(profile.some(([type, on]: any) => type === 'customer_create' && on === null), "the survivor's own creation is unmarked");
});

test('a customer with no purchases has empty figures, not errors', async () => {
  const id = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '新会员' } })).json().id;
  const f = (await t.request('GET', `/api/customers/${id}/360`, { cookie: admin })).json().figures;
  assert.deepEqual(f, { firstPurchaseAt: null, lastPurchaseAt: null, orderCount: 0, returnCount: 0, totalSpendFen: 0, averageBasketFen: 0, favouriteStore: null, favouriteCategories: [] });
});

test('the timeline is newest first: profile edit, consent, the audited return, the points booked, then the return and the purchases with their lines', async () => {
  const items = (await t.request('GET', `/api/customers/${customerId}/360`, { cookie: admin })).json().timeline.items;
  // Points are booked now (loyalty sorts before profile at the same instant); the purchases are dated in the past.
  assert.deepEqual(items.map((e: any) => e.type), ['customer_update', 'consent_granted', 'points_reversed', 'purchase_return', 'points_earned', 'points_earned', 'points_earned', 'points_awarded', 'customer_create', 'return', 'sale', 'sale', 'sale']);
  const sale = items[10];
  assert.equal(sale.data.storeName, '徐家汇店');
  assert.deepEqual(sale.data.lines, [{ lineNo: 1, sku: 'SKU-香水', productId: null, productName: null, category: '香水', quantity: 1, unitPriceFen: 20000, amountFen: 20000 }]);
  assert.deepEqual(items[0].data.details.changed, ['city']);
  for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].at >= items[i].at);
});

test('paging the timeline two at a time gives every event once, in order', async () => {
  const seen: any[] = [];
  let before: string | null = null;
  for (let page = 0; page < 10; page++) {
    const r = await t.request('GET', `/api/customers/${customerId}/timeline?limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`, { cookie: admin });
    assert.equal(r.statusCode, 200, r.body);
    seen.push(...r.json().items);
    before = r.json().nextBefore;
    if (!before) break;
  }
  assert.equal(seen.length, 13);
  assert.equal(new Set(seen.map((e) => `${e.source}:${e.id}`)).size, 13);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1].at >= seen[i].at);
});

test('events that share a time are never split across pages and lost', async () => {
  const id = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '同时刻' } })).json().id;
  for (const ext of ['T1', 'T2', 'T3']) await sell(id, { ext, storeId: stores.huaihai, at: '2026-05-01T08:00:00.123456Z', lines: [['护肤', 1, 100]] });
  await t.db.query(`DELETE FROM audit_log WHERE customer_id = $1`, [id]);
  // From just after the sales: the points they earned are booked now, newer than them.
  const first = (await t.request('GET', `/api/customers/${id}/timeline?limit=2&before=2026-05-01T08:00:01.000000Z`, { cookie: admin })).json();
  assert.equal(first.items.length, 3);
  const next = (await t.request('GET', `/api/customers/${id}/timeline?limit=2&before=${encodeURIComponent(first.nextBefore)}`, { cookie: admin })).json();
  assert.deepEqual(next.items, []);
});

test('another module adds its events to the timeline through registerTimelineSource', async () => {
  registerTimelineSource('loyalty', async (_q, id, before, limit) =>
    id !== customerId || (before && before <= '2026-04-01T00:00:00.000000Z') ? [] :
      [{ at: '2026-04-01T00:00:00.000000Z', source: 'loyalty', type: 'points_earned', id: '1', data: { points: 150 } }].slice(0, limit));
  const items = (await t.request('GET', `/api/customers/${customerId}/timeline?limit=20`, { cookie: admin })).json().items;
  assert.deepEqual(items.slice(-4).map((e: any) => e.type), ['sale', 'points_earned', 'sale', 'sale']);
});

test('the 360 masks personal data for roles without pii, and every 360 read is audited', async () => {
  const analyst = await t.loginAs('analyst');
  const r = (await t.request('GET', `/api/customers/${customerId}/360`, { cookie: analyst })).json();
  assert.equal(r.customer.mobile, '135****1111');
  assert.equal(r.customer.email, 'z***@example.com');
  assert.equal(r.customer.birthday, '****-07-15');
  assert.equal(r.consents.current.find((c: any) => c.channel === 'sms').granted, true);
  const audit = (await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE customer_id = $1 AND action = 'read' AND actor_name = 'analyst_all'`, [customerId])).rows[0].n;
  assert.equal(audit, 1);
});

test('the 360 of an unknown customer is 404 and audits nothing, and a malformed cursor is a 400', async () => {
  assert.equal((await t.request('GET', '/api/customers/99999999/360', { cookie: admin })).statusCode, 404);
  assert.equal((await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE customer_id = 99999999`)).rows[0].n, 0);
  const bad = await t.request('GET', `/api/customers/${customerId}/timeline?before=yesterday`, { cookie: admin });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.fields[0].path, 'querystring.before');
});
