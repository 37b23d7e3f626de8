import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { balances } from './ledger.ts';

let t: TestApp;
let admin: string;
let customerId: number;
before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
  await t.db.query(`INSERT INTO stores (code, name) VALUES ('SH001', '上海南京西路店')`);
  customerId = (await t.db.query(`INSERT INTO customers (name, mobile) VALUES ('王芳', '13800138000') RETURNING id`)).rows[0].id;
  const p = await t.request('PUT', '/api/products/bulk', {
    cookie: admin,
    body: { products: [{ sku: 'LIP-001', name: '丝绒口红', category: '彩妆', priceFen: 10000 }, { sku: 'CRM-002', name: '保湿面霜', category: '护肤', priceFen: 30000 }] },
  });
  assert.ok(p.statusCode < 300, p.body);
});
after(async () => {
  await t.close();
});

let seq = 0;
const sale = (externalId = `S-${++seq}`) => ({
  source: 'pos', externalId, customerId, storeCode: 'SH001', channel: 'store', purchasedAt: new Date().toISOString(), discountFen: 6000,
  lines: [{ sku: 'LIP-001', quantity: 3, unitPriceFen: 10000 }, { sku: 'CRM-002', quantity: 1, unitPriceFen: 30000 }],
});

test('a purchase through the sales API earns points on what was paid and answers with the loyalty outcome', async () => {
  const before = (await balances(t.db, customerId)).balance;
  const body = sale();
  const r = await t.request('POST', '/api/purchases', { cookie: admin, body });
  assert.equal(r.statusCode, 201, r.body);
  const loyalty = r.json().loyalty;
  assert.equal(loyalty.pointsEarned, 540, '¥540 paid of ¥600: 1 point per yuan paid');
  assert.equal(loyalty.balance, before + 540);
  assert.equal(loyalty.tier.code, 'regular');
  assert.equal(loyalty.rules[0].code, 'BASE');

  const retry = await t.request('POST', '/api/purchases', { cookie: admin, body });
  assert.equal(retry.statusCode, 200);
  const b = await balances(t.db, customerId);
  assert.equal(b.balance, before + 540, 'the retried purchase did not earn twice');
  assert.equal(b.ledger, b.balance);
});

test('a partial return through the sales API takes back the refunded share, and a full return the rest', async () => {
  const s = await t.request('POST', '/api/purchases', { cookie: admin, body: sale() });
  const id = s.json().id;
  const part = await t.request('POST', `/api/purchases/${id}/returns`, { cookie: admin, body: { source: 'pos', externalId: `R-${++seq}`, lines: [{ lineNo: 1, quantity: 1 }] } });
  assert.equal(part.statusCode, 201, part.body);
  assert.equal(part.json().loyalty.pointsEarned, -90, 'refund ¥90 of ¥540 paid: 90 of 540 points');
  const rest = await t.request('POST', `/api/purchases/${id}/returns`, { cookie: admin, body: { source: 'pos', externalId: `R-${++seq}`, lines: [{ lineNo: 1, quantity: 2 }, { lineNo: 2, quantity: 1 }] } });
  assert.equal(rest.statusCode, 201, rest.body);
  assert.equal(rest.json().loyalty.pointsEarned, -450);
  const r = await t.db.query(`SELECT coalesce(sum(points), 0)::bigint AS n FROM loyalty_ledger WHERE customer_id = $1 AND purchase_id = $2`, [customerId, id]);
  assert.equal(r.rows[0].n, 0, 'everything the sale earned was taken back');
  const b = await balances(t.db, customerId);
  assert.equal(b.ledger, b.balance);
});

test('a bulk request of purchases earns for each in one go', async () => {
  const before = (await balances(t.db, customerId)).balance;
  const r = await t.request('POST', '/api/purchases/bulk', { cookie: admin, body: { purchases: [sale(), sale(), sale()] } });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().created, 3);
  assert.deepEqual(r.json().items.map((x: any) => x.purchase?.loyalty?.pointsEarned ?? x.loyalty?.pointsEarned), [540, 540, 540]);
  assert.equal((await balances(t.db, customerId)).balance, before + 1620);
});
