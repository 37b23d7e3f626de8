import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { onPurchasesRecorded, type RecordedPurchase } from './index.ts';

let t: TestApp;
let admin: string;
const ids: Record<string, number> = {};
const seen: RecordedPurchase[] = [];
onPurchasesRecorded('loyalty', async (_tx, ps) => {
  seen.push(...ps);
  return new Map(ps.map((p) => [p.purchaseId, { pointsDelta: Math.trunc(p.paidFen / 100) }]));
});

before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
  const st = await t.db.query(`INSERT INTO stores (code, name) VALUES ('SH001', '上海南京西路店'), ('BJ001', '北京王府井店') RETURNING id, code`);
  for (const s of st.rows) ids[s.code] = s.id;
  ids['王芳'] = (await t.db.query(`INSERT INTO customers (name, mobile) VALUES ('王芳', '13800138000') RETURNING id`)).rows[0].id;
  await t.request('PUT', '/api/products/bulk', {
    cookie: admin,
    body: { products: [
      { sku: 'LIP-001', name: '丝绒口红', category: '彩妆', priceFen: 10000 },
      { sku: 'CRM-002', name: '保湿面霜', category: '护肤', priceFen: 30000 },
    ] },
  });
});
after(async () => {
  await t.close();
});

let seq = 0;
/** 3 lipsticks at ¥100 and a cream at ¥300, ¥60 discount: ¥600 total, ¥540 paid. */
async function buy(daysAgo = 1, storeCode = 'SH001') {
  const r = await t.request('POST', '/api/purchases', {
    cookie: admin,
    body: {
      source: 'pos', externalId: `S-${++seq}`, mobile: '13800138000', storeCode, channel: 'store',
      purchasedAt: new Date(Date.now() - daysAgo * 86_400_000).toISOString(), discountFen: 6000,
      lines: [{ sku: 'LIP-001', quantity: 3, unitPriceFen: 10000 }, { sku: 'CRM-002', quantity: 1, unitPriceFen: 30000 }],
    },
  });
  assert.equal(r.statusCode, 201, r.body);
  return r.json();
}
const giveBack = (id: number, body: Record<string, unknown>, cookie = admin) =>
  t.request('POST', `/api/purchases/${id}/returns`, { cookie, body: { source: 'pos', externalId: `R-${++seq}`, ...body } });

test('a return books negative lines and a refund, and listeners see it as a return of the sale', async () => {
  const sale = await buy();
  const r = await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 1 }] });
  assert.equal(r.statusCode, 201, r.body);
  const ret = r.json();
  assert.equal(ret.kind, 'return');
  assert.equal(ret.originalPurchaseId, sale.id);
  assert.deepEqual(ret.lines.map((l: any) => [l.lineNo, l.sku, l.quantity, l.amountFen]), [[1, 'LIP-001', -1, -10000]]);
  assert.equal(ret.refundFen, 9000, 'the paid share: 10000 × 54000 / 60000');
  assert.equal(ret.paidFen, -9000);
  assert.equal(ret.loyalty.pointsDelta, -90);
  assert.equal(seen.at(-1)!.kind, 'return');
  assert.equal(seen.at(-1)!.originalPurchaseId, sale.id);
  const detail = (await t.request('GET', `/api/purchases/${sale.id}`, { cookie: admin })).json();
  assert.equal(detail.returns.length, 1);
  assert.equal(detail.lines[0].returnedQuantity, 1);
  assert.equal(detail.refundableFen, 45000);
});

test('returning more than was bought, counting earlier returns, is 409 RETURN_EXCEEDS_PURCHASE', async () => {
  const sale = await buy();
  assert.equal((await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 2 }] })).statusCode, 201);
  const r = await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 2 }] });
  assert.equal(r.statusCode, 409);
  assert.equal(r.json().error.code, 'RETURN_EXCEEDS_PURCHASE');
  assert.equal((await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 1 }] })).statusCode, 201);
});

test('a refund beyond what was paid minus earlier refunds is 409', async () => {
  const sale = await buy();
  assert.equal((await giveBack(sale.id, { lines: [{ lineNo: 2, quantity: 1 }], refundFen: 50000 })).statusCode, 201);
  const r = await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 1 }], refundFen: 4001 });
  assert.equal(r.statusCode, 409);
  assert.equal(r.json().error.code, 'REFUND_EXCEEDS_PAID');
});

test('returning everything refunds exactly what was paid, in total', async () => {
  const sale = await buy();
  await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 1 }] });
  await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 2 }, { lineNo: 2, quantity: 1 }] });
  const detail = (await t.request('GET', `/api/purchases/${sale.id}`, { cookie: admin })).json();
  assert.equal(detail.refundedFen, 54000);
  assert.equal(detail.returns.reduce((s: number, r: any) => s + r.totalFen, 0), -60000);
});

test('a return after the window is 409 RETURN_WINDOW_CLOSED, and the window is a setting', async () => {
  const old = await buy(20);
  const r = await giveBack(old.id, { lines: [{ lineNo: 1, quantity: 1 }] });
  assert.equal(r.statusCode, 409);
  assert.equal(r.json().error.code, 'RETURN_WINDOW_CLOSED');
  assert.equal((await t.request('PUT', '/api/sales/settings', { cookie: admin, body: { returnWindowDays: 30 } })).statusCode, 200);
  assert.equal((await giveBack(old.id, { lines: [{ lineNo: 1, quantity: 1 }] })).statusCode, 201);
  await t.request('PUT', '/api/sales/settings', { cookie: admin, body: { returnWindowDays: 15 } });
});

test('a retried return replays its first answer; the same key for other lines is 409', async () => {
  const sale = await buy();
  const body = { source: 'pos', externalId: `R-retry-${seq}`, lines: [{ lineNo: 1, quantity: 1 }] };
  const first = await t.request('POST', `/api/purchases/${sale.id}/returns`, { cookie: admin, body });
  const again = await t.request('POST', `/api/purchases/${sale.id}/returns`, { cookie: admin, body });
  assert.equal(again.statusCode, 200);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.body, first.body);
  const other = await t.request('POST', `/api/purchases/${sale.id}/returns`, { cookie: admin, body: { ...body, lines: [{ lineNo: 2, quantity: 1 }] } });
  assert.equal(other.statusCode, 409);
  assert.equal(other.json().error.code, 'IDEMPOTENCY_KEY_REUSED');
});

test('concurrent returns of the last item let exactly one through', async () => {
  const sale = await buy();
  await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 3 }] });
  const rs = await Promise.all(Array.from({ length: 5 }, () => giveBack(sale.id, { lines: [{ lineNo: 2, quantity: 1 }] })));
  assert.deepEqual(rs.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409]);
});

test('a return can name the sale by source and externalId', async () => {
  const sale = await buy();
  const r = await t.request('POST', '/api/returns', {
    cookie: admin, body: { original: { source: 'pos', externalId: sale.externalId }, source: 'pos', externalId: `R-${++seq}`, lines: [{ lineNo: 2, quantity: 1 }] },
  });
  assert.equal(r.statusCode, 201, r.body);
  assert.equal(r.json().originalPurchaseId, sale.id);
});

async function bookedState() {
  const r = await t.db.query(`SELECT (SELECT count(*) FROM purchases)::int AS purchases, (SELECT count(*) FROM purchase_keys)::int AS keys`);
  return { ...r.rows[0], heard: seen.length };
}

test('a return of an unknown purchase id is 404 PURCHASE_NOT_FOUND naming the id, in both languages, and books nothing', async () => {
  const before = await bookedState();
  const body = { source: 'pos', externalId: `R-${++seq}`, lines: [{ lineNo: 1, quantity: 1 }] };
  const r = await t.request('POST', '/api/purchases/999999/returns', { cookie: admin, body });
  assert.equal(r.statusCode, 404);
  assert.equal(r.json().error.code, 'PURCHASE_NOT_FOUND');
  assert.equal(r.json().error.message, 'The purchase to return was not found.');
  assert.deepEqual(r.json().error.fields, [{ path: 'id', message: 'no purchase with this id' }]);
  const zh = await t.request('POST', '/api/purchases/999999/returns', { cookie: admin, body, headers: { 'accept-language': 'zh-CN' } });
  assert.equal(zh.json().error.message, '未找到要退货的消费记录。');
  assert.deepEqual(await bookedState(), before);
});

test('a return naming an unknown original by source and externalId is 404 PURCHASE_NOT_FOUND naming original, and books nothing', async () => {
  await buy();
  const before = await bookedState();
  const r = await t.request('POST', '/api/returns', {
    cookie: admin, body: { original: { source: 'pos', externalId: 'NO-SUCH-SALE' }, source: 'pos', externalId: `R-${++seq}`, lines: [{ lineNo: 1, quantity: 1 }] },
  });
  assert.equal(r.statusCode, 404);
  assert.equal(r.json().error.code, 'PURCHASE_NOT_FOUND');
  assert.deepEqual(r.json().error.fields, [{ path: 'original', message: 'no purchase with this source and externalId' }]);
  assert.deepEqual(await bookedState(), before);
});

test('returns of an unknown line or a return itself are refused', async () => {
  const sale = await buy();
  const line = await giveBack(sale.id, { lines: [{ lineNo: 7, quantity: 1 }] });
  assert.equal(line.statusCode, 400);
  assert.equal(line.json().error.fields[0].path, 'lines.0.lineNo');
  const ret = (await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 1 }] })).json();
  assert.equal((await giveBack(ret.id, { lines: [{ lineNo: 1, quantity: 1 }] })).json().error.code, 'NOT_A_SALE');
  const frac = await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 1 }], refundFen: 10.5 });
  assert.equal(frac.statusCode, 400);
  assert.equal(frac.json().error.fields[0].path, 'refundFen');
});

test('store staff book returns only for their stores', async () => {
  const sale = await buy(1, 'BJ001');
  const sh = await t.loginAs('store_staff', { storeIds: [ids['SH001']!] });
  const r = await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 1 }] }, sh);
  assert.equal(r.statusCode, 403);
  assert.equal((await t.request('GET', `/api/purchases/${sale.id}`, { cookie: sh })).statusCode, 403);
  const analyst = await t.loginAs('analyst');
  assert.equal((await giveBack(sale.id, { lines: [{ lineNo: 1, quantity: 1 }] }, analyst)).statusCode, 403);
});

test("a customer's figures are net of returns and name favourite categories and store", async () => {
  const c = (await t.db.query(`INSERT INTO customers (name, mobile) VALUES ('赵敏', '13500135000') RETURNING id`)).rows[0].id;
  const post = (externalId: string, storeCode: string, lines: unknown[]) =>
    t.request('POST', '/api/purchases', { cookie: admin, body: { source: 'pos', externalId, customerId: c, storeCode, channel: 'store', purchasedAt: new Date(Date.now() - 3_600_000).toISOString(), lines } });
  const a = (await post('F-1', 'SH001', [{ sku: 'CRM-002', quantity: 1, unitPriceFen: 30000 }])).json();
  await post('F-2', 'SH001', [{ sku: 'LIP-001', quantity: 1, unitPriceFen: 10000 }]);
  await post('F-3', 'BJ001', [{ sku: 'LIP-001', quantity: 1, unitPriceFen: 10000 }]);
  await giveBack(a.id, { lines: [{ lineNo: 1, quantity: 1 }] });
  const f = (await t.request('GET', `/api/sales/customers/${c}/figures`, { cookie: admin })).json();
  assert.equal(f.orders, 3);
  assert.equal(f.returns, 1);
  assert.equal(f.netSpendFen, 20000);
  assert.equal(f.averageBasketFen, 6667);
  assert.deepEqual(f.favouriteCategories.map((x: any) => x.category), ['彩妆']);
  assert.equal(f.favouriteStore.code, 'SH001');
  const list = (await t.request('GET', `/api/sales/customers/${c}/purchases?limit=10`, { cookie: admin })).json();
  assert.equal(list.items.length, 4);
  assert.ok(list.items.every((p: any) => p.lines.length === 1));
});
