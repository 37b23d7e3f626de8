import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';

let t: TestApp;
let admin: string;
const ids: Record<string, number> = {};

before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
  const st = await t.db.query(`INSERT INTO stores (code, name, timezone) VALUES ('SH001', '上海南京西路店', 'Asia/Shanghai'), ('BJ001', '北京王府井店', 'Asia/Shanghai') RETURNING id, code`);
  for (const s of st.rows) ids[s.code] = s.id;
  ids['王芳'] = (await t.db.query(`INSERT INTO customers (name, mobile) VALUES ('王芳', '13800138000') RETURNING id`)).rows[0].id;
  ids['李娜'] = (await t.db.query(`INSERT INTO customers (name, mobile) VALUES ('李娜', '13900139000') RETURNING id`)).rows[0].id;
});
after(async () => {
  await t.close();
});

test('a manager creates, edits, finds and lists products by category', async () => {
  const manager = await t.loginAs('manager');
  const c = await t.request('POST', '/api/products', { cookie: manager, body: { sku: 'LIP-001', name: '丝绒口红 #01', category: '彩妆', brand: '花西子', priceFen: 12900 } });
  assert.equal(c.statusCode, 201, c.body);
  const e = await t.request('PATCH', `/api/products/${c.json().id}`, { cookie: manager, body: { priceFen: 11900, active: false } });
  assert.equal(e.json().priceFen, 11900);
  assert.equal(e.json().active, false);
  const dup = await t.request('POST', '/api/products', { cookie: manager, body: { sku: 'LIP-001', name: 'x', category: '彩妆', priceFen: 1 } });
  assert.equal(dup.json().error.code, 'SKU_TAKEN');
  const byName = (await t.request('GET', `/api/products?q=${encodeURIComponent('口红')}`, { cookie: manager })).json();
  assert.deepEqual(byName.items.map((p: any) => p.sku), ['LIP-001']);
  const bySku = (await t.request('GET', '/api/products?q=LIP', { cookie: manager })).json();
  assert.equal(bySku.items.length, 1);
  const cats = (await t.request('GET', '/api/products/categories', { cookie: manager })).json();
  assert.deepEqual(cats.items.find((x: any) => x.category === '彩妆'), { category: '彩妆', products: 1, activeProducts: 0 });
});

test('bulk upsert creates new skus and updates known ones in one request', async () => {
  const body = (price: number) => ({ products: Array.from({ length: 120 }, (_, i) => ({ sku: `BULK-${String(i).padStart(3, '0')}`, name: `商品${i}`, category: i % 2 ? '护肤' : '饮品', priceFen: price })) });
  const first = (await t.request('PUT', '/api/products/bulk', { cookie: admin, body: body(100) })).json();
  assert.deepEqual([first.created, first.updated], [120, 0]);
  const second = (await t.request('PUT', '/api/products/bulk', { cookie: admin, body: body(200) })).json();
  assert.deepEqual([second.created, second.updated], [0, 120]);
  const page1 = (await t.request('GET', '/api/products?q=BULK&limit=100', { cookie: admin })).json();
  const page2 = (await t.request('GET', `/api/products?q=BULK&limit=100&after=${page1.next}`, { cookie: admin })).json();
  assert.equal(page1.items.length + page2.items.length, 120);
  assert.equal(page2.next, null);
  assert.ok(page2.items.every((p: any) => p.priceFen === 200));
});

test('bulk upsert refuses a sku twice, fractional prices and more than 1,000 products', async () => {
  const dup = await t.request('PUT', '/api/products/bulk', { cookie: admin, body: { products: [{ sku: 'D1', name: 'a', category: 'c', priceFen: 1 }, { sku: 'D1', name: 'b', category: 'c', priceFen: 1 }] } });
  assert.equal(dup.statusCode, 400);
  assert.equal(dup.json().error.fields[0].path, 'products.1.sku');
  const frac = await t.request('PUT', '/api/products/bulk', { cookie: admin, body: { products: [{ sku: 'F1', name: 'a', category: 'c', priceFen: 1.5 }] } });
  assert.equal(frac.statusCode, 400);
  assert.equal(frac.json().error.fields[0].path, 'products.0.priceFen');
  const many = await t.request('PUT', '/api/products/bulk', { cookie: admin, body: { products: Array.from({ length: 1001 }, (_, i) => ({ sku: `M${i}`, name: 'a', category: 'c', priceFen: 1 })) } });
  assert.equal(many.statusCode, 400);
});

test('store staff and analysts read products but cannot change them', async () => {
  for (const role of ['store_staff', 'analyst'] as const) {
    const cookie = await t.loginAs(role);
    assert.equal((await t.request('GET', '/api/products', { cookie })).statusCode, 200);
    assert.equal((await t.request('POST', '/api/products', { cookie, body: { sku: 'X1', name: 'x', category: 'c', priceFen: 1 } })).statusCode, 403);
    assert.equal((await t.request('PUT', '/api/products/bulk', { cookie, body: { products: [{ sku: 'X1', name: 'x', category: 'c', priceFen: 1 }] } })).statusCode, 403);
  }
});

test('sales vs target reports net sales, % achieved, purchases, buyers and basket per store and month', async () => {
  await t.request('PUT', '/api/products/bulk', { cookie: admin, body: { products: [{ sku: 'TEA-1', name: '柠檬水', category: '饮品', priceFen: 1000 }] } });
  const month = new Date(Date.now() - 86_400_000).toISOString().slice(0, 7);
  const put = await t.request('PUT', '/api/sales/targets', { cookie: admin, body: { targets: [{ storeCode: 'SH001', month, targetFen: 40000 }, { storeId: ids['BJ001'], month, targetFen: 10000 }] } });
  assert.equal(put.statusCode, 200, put.body);
  // Mid-month so the Shanghai month is unambiguous whatever today is.
  const at = `${month}-15T12:00:00+08:00`;
  const book = (externalId: string, customerId: number, qty: number) =>
    t.request('POST', '/api/purchases', { cookie: admin, body: { source: 'pos', externalId, customerId, storeCode: 'SH001', channel: 'store', purchasedAt: at, lines: [{ sku: 'TEA-1', quantity: qty, unitPriceFen: 1000 }] } });
  const a = (await book('P-1', ids['王芳']!, 20)).json();
  await book('P-2', ids['王芳']!, 5);
  await book('P-3', ids['李娜']!, 5);
  await t.db.query(`INSERT INTO settings (key, value) VALUES ('sales.returnWindowDays', '3650') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`);
  const ret = await t.request('POST', `/api/purchases/${a.id}/returns`, { cookie: admin, body: { source: 'pos', externalId: 'P-1-R', lines: [{ lineNo: 1, quantity: 10 }], returnedAt: `${month}-16T12:00:00+08:00` } });
  assert.equal(ret.statusCode, 201, ret.body);
  const rep = (await t.request('GET', `/api/sales/performance?from=${month}&to=${month}`, { cookie: admin })).json();
  const sh = rep.items.find((x: any) => x.storeCode === 'SH001');
  assert.deepEqual(
    { net: sh.netSalesFen, target: sh.targetFen, pct: sh.achievedPct, purchases: sh.purchases, buyers: sh.buyers, basket: sh.averageBasketFen },
    { net: 20000, target: 40000, pct: 50, purchases: 3, buyers: 2, basket: 6667 },
  );
  const bj = rep.items.find((x: any) => x.storeCode === 'BJ001');
  assert.equal(bj.netSalesFen, 0);
  assert.equal(bj.achievedPct, 0);
  const targets = (await t.request('GET', `/api/sales/targets?month=${month}`, { cookie: admin })).json();
  assert.equal(targets.items.length, 2);
});

test('store staff see only their store in the report and cannot set targets', async () => {
  const month = new Date().toISOString().slice(0, 7);
  const staff = await t.loginAs('store_staff', { storeIds: [ids['BJ001']!] });
  const rep = (await t.request('GET', `/api/sales/performance?from=${month}&to=${month}`, { cookie: staff })).json();
  assert.ok(rep.items.every((x: any) => x.storeId === ids['BJ001']));
  const put = await t.request('PUT', '/api/sales/targets', { cookie: staff, body: { targets: [{ storeId: ids['BJ001'], month, targetFen: 1 }] } });
  assert.equal(put.statusCode, 403);
  const marketer = await t.loginAs('marketer');
  assert.equal((await t.request('PUT', '/api/sales/targets', { cookie: marketer, body: { targets: [{ storeId: ids['BJ001'], month, targetFen: 1 }] } })).statusCode, 403);
});

test('targets refuse unknown stores, bad months, fractional fen and a reversed period', async () => {
  const bad = async (body: unknown, status: number) => {
    const r = await t.request('PUT', '/api/sales/targets', { cookie: admin, body });
    assert.equal(r.statusCode, status, r.body);
    return r.json();
  };
  assert.equal((await bad({ targets: [{ storeCode: 'NOPE', month: '2026-01', targetFen: 1 }] }, 404)).error.code, 'STORE_NOT_FOUND');
  assert.equal((await bad({ targets: [{ storeCode: 'SH001', month: '2026-13', targetFen: 1 }] }, 400)).error.fields[0].path, 'targets.0.month');
  assert.equal((await bad({ targets: [{ storeCode: 'SH001', month: '2026-01', targetFen: 0.5 }] }, 400)).error.fields[0].path, 'targets.0.targetFen');
  const rev = await t.request('GET', '/api/sales/performance?from=2026-05&to=2026-01', { cookie: admin });
  assert.equal(rev.statusCode, 400);
});

test('stores, products and customers are deactivated or erased, never deleted, so no purchase loses what it refers to', async () => {
  await t.db.query(`INSERT INTO products (sku, name, category, price_fen) VALUES ('KEEP-001', '保湿面霜', '护肤', 25900)`);
  await assert.rejects(t.db.query(`DELETE FROM products WHERE sku = 'KEEP-001'`), /never deleted/);
  await assert.rejects(t.db.query(`DELETE FROM stores WHERE code = 'BJ001'`), /never deleted/);
  await t.db.query(`INSERT INTO customers (name, mobile) VALUES ('王芳', '13900001234')`);
  await assert.rejects(t.db.query(`DELETE FROM customers WHERE mobile = '13900001234'`), /never deleted/);
  assert.equal((await t.db.query(`SELECT count(*)::int AS n FROM products WHERE sku = 'KEEP-001'`)).rows[0].n, 1);
});
