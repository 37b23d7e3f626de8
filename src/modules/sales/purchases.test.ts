import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, TEST_DB_KIND, type TestApp } from '../../../test/support.ts';
import { bookPurchases, onPurchasesRecorded } from './index.ts';
import { SYSTEM_ACTOR } from '../staff/index.ts';

let t: TestApp;
let admin: string;
let posKey: string;
let shKey: string;
const ids: Record<string, number> = {};

// A stand-in for loyalty: proves listener results are merged into the answer and replayed as first recorded. Like
// loyalty it reads its members ahead, with the insert; the read fails in the database for a member named 读取失败.
let listenerCalls = 0;
let largestBatch = 0;
onPurchasesRecorded<number[]>('loyalty', async (_tx, purchases, ahead) => {
  if (purchases.some((p) => p.paidFen === 666)) throw new Error('listener failed');
  const readAhead = ahead ? await ahead : null;
  listenerCalls++;
  largestBatch = Math.max(largestBatch, purchases.length);
  return new Map(purchases.map((p) => [p.purchaseId, { pointsEarned: Math.trunc(p.paidFen / 100), call: listenerCalls, readAhead }]));
}, async (tx, customerIds) => {
  const r = await tx.query(`SELECT id, 1 / (CASE WHEN name = '读取失败' THEN 0 ELSE 1 END) AS ok FROM customers WHERE id = ANY($1::bigint[]) ORDER BY id`, [customerIds]);
  return r.rows.map((x) => Number(x.id));
});

before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
  const st = await t.db.query(`INSERT INTO stores (code, name, city) VALUES ('SH001', '上海南京西路店', '上海'), ('BJ001', '北京王府井店', '北京') RETURNING id, code`);
  for (const s of st.rows) ids[s.code] = s.id;
  const cu = await t.db.query(
    `INSERT INTO customers (name, mobile, card_no) VALUES ('王芳', '13800138000', 'C0001'), ('李娜', '13900139000', 'C0002'), ('张伟', '13700137000', NULL) RETURNING id, name`,
  );
  for (const c of cu.rows) ids[c.name] = c.id;
  const merged = await t.db.query(`INSERT INTO customers (name, status, merged_into) VALUES ('王芳旧号', 'merged', $1) RETURNING id`, [ids['王芳']]);
  ids['merged'] = merged.rows[0].id;
  // Merged into 王芳 with a mobile she did not take; 13700137000 was merged away too, but 张伟 holds it now.
  await t.db.query(`INSERT INTO customers (name, mobile, status, merged_into) VALUES ('王芳二号', '13500135000', 'merged', $1), ('张伟旧号', '13700137000', 'merged', $1)`, [ids['王芳']]);
  await t.request('PUT', '/api/products/bulk', {
    cookie: admin,
    body: { products: [
      { sku: 'LIP-001', name: '丝绒口红', category: '彩妆', brand: '花西子', priceFen: 12900 },
      { sku: 'CRM-002', name: '保湿面霜', category: '护肤', brand: '珀莱雅', priceFen: 25900 },
      { sku: 'TEA-003', name: '柠檬水', category: '饮品', priceFen: 400 },
    ] },
  });
  const key = async (name: string, storeIds: number[]) => {
    const r = await t.request('POST', '/api/api-keys', { cookie: admin, body: { name, scopes: ['sales.write', 'sales.read'], storeIds } });
    assert.equal(r.statusCode, 201, r.body);
    return `Bearer ${r.json().key}`;
  };
  posKey = await key('POS chain-wide', []);
  shKey = await key('POS Shanghai', [ids['SH001']!]);
});
after(async () => {
  await t.close();
});

let seq = 0;
const sale = (over: Record<string, unknown> = {}) => ({
  source: 'pos', externalId: `T-${++seq}`, mobile: '13800138000', storeCode: 'SH001', channel: 'store', purchasedAt: new Date(Date.now() - 86_400_000).toISOString(),
  lines: [{ sku: 'LIP-001', quantity: 2, unitPriceFen: 12900 }, { sku: 'CRM-002', quantity: 1, unitPriceFen: 25900 }],
  discountFen: 'lines' in over ? 0 : 1700,
  ...over,
});
const post = (url: string, body: unknown, auth = posKey) => t.request('POST', url, { body, headers: { authorization: auth } });
const count = async (source = 'pos') => Number((await t.db.query(`SELECT count(*) FROM purchases WHERE source = $1`, [source])).rows[0].count);

test('a POS books a purchase and gets its lines, totals and the listeners\' results back', async () => {
  const r = await post('/api/purchases', sale({ totalFen: 51700 }));
  assert.equal(r.statusCode, 201, r.body);
  const p = r.json();
  assert.equal(p.customerId, ids['王芳']);
  assert.equal(p.storeId, ids['SH001']);
  assert.equal(p.totalFen, 51700);
  assert.equal(p.paidFen, 50000);
  assert.equal(p.itemCount, 3);
  assert.deepEqual(p.lines.map((l: any) => [l.lineNo, l.category, l.amountFen]), [[1, '彩妆', 25800], [2, '护肤', 25900]]);
  assert.equal(p.loyalty.pointsEarned, 500);
});

test('a retried purchase answers 200 with Idempotent-Replayed and the first answer, and is counted once', async () => {
  const body = sale();
  const first = await post('/api/purchases', body);
  const before = await count();
  const again = await post('/api/purchases', body);
  assert.equal(again.statusCode, 200);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(first.headers['idempotent-replayed'], undefined);
  assert.deepEqual(again.json(), first.json());
  assert.equal(await count(), before);
});

test('a purchase booked alone and retried in a bulk request is replayed there, with padding trimmed the same way', async () => {
  const body = sale({ externalId: `  T-${++seq}  `, storeCode: ' SH001 ' });
  const first = await post('/api/purchases', body);
  assert.equal(first.statusCode, 201, first.body);
  const before = await count();
  const again = await post('/api/purchases/bulk', { purchases: [body] });
  assert.equal(again.json().replayed, 1, again.body);
  assert.deepEqual(again.json().items[0].purchase, first.json());
  assert.equal(await count(), before);
});

test('the same source and externalId with a different content is a 409', async () => {
  const body = sale();
  await post('/api/purchases', body);
  const r = await post('/api/purchases', { ...body, discountFen: 0 });
  assert.equal(r.statusCode, 409);
  assert.equal(r.json().error.code, 'IDEMPOTENCY_KEY_REUSED');
});

test('concurrent duplicates are booked once and all get the same answer', async () => {
  const body = sale();
  const before = await count();
  const calls = listenerCalls;
  const rs = await Promise.all(Array.from({ length: 8 }, () => post('/api/purchases', body)));
  assert.deepEqual(rs.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 200, 200, 200, 201]);
  assert.equal(new Set(rs.map((r) => r.body)).size, 1);
  assert.equal(await count(), before + 1);
  assert.equal(listenerCalls, calls + 1);
});

test('concurrent bulk requests sharing purchases count each purchase once', async () => {
  const items = Array.from({ length: 30 }, () => sale());
  const before = await count();
  const rs = await Promise.all([
    post('/api/purchases/bulk', { purchases: items }),
    post('/api/purchases/bulk', { purchases: [...items].reverse() }),
    post('/api/purchases/bulk', { purchases: items.slice(10) }),
  ]);
  for (const r of rs) assert.equal(r.statusCode, 200, r.body);
  assert.equal(rs.reduce((s, r) => s + r.json().created, 0), 30);
  assert.equal(rs.reduce((s, r) => s + r.json().rejected, 0), 0);
  assert.equal(await count(), before + 30);
});

test('a bulk with good and bad items books the good ones and says why each bad one failed', async () => {
  const good1 = sale();
  const good2 = sale({ cardNo: 'C0002', mobile: undefined, channel: 'online', storeCode: undefined, source: 'tmall' });
  const items = [
    good1,
    sale({ storeCode: 'NOPE' }),
    sale({ mobile: '13600000000' }),
    sale({ lines: [{ sku: 'NO-SUCH', quantity: 1, unitPriceFen: 100 }] }),
    sale({ lines: [{ sku: 'LIP-001', quantity: 1, unitPriceFen: 99.5 }] }),
    sale({ discountFen: -5 }),
    sale({ totalFen: 1 }),
    good2,
    good1,
    { ...good1, discountFen: 0 },
    'not a purchase',
    sale({ lines: [{ sku: 'GIFT-BAG', quantity: 1, unitPriceFen: 0, category: '赠品' }] }),
    sale({ customerId: ids['merged'], mobile: undefined }),
  ];
  const before = await count();
  const r = await post('/api/purchases/bulk', { purchases: items });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
  const res = r.json();
  const summary = res.items.map((i: any) => i.status === 'rejected' ? `${i.error.status} ${i.error.code} ${i.error.fields?.[0]?.path ?? ''}`.trim() : i.status);
  assert.deepEqual(summary, [
    'created',
    '404 STORE_NOT_FOUND purchases.1.storeCode',
    '404 CUSTOMER_NOT_FOUND purchases.2.mobile',
    '404 PRODUCT_NOT_FOUND purchases.3.lines.0.sku',
    '400 VALIDATION_FAILED purchases.4.lines.0.unitPriceFen',
    '400 VALIDATION_FAILED purchases.5.discountFen',
    '400 VALIDATION_FAILED purchases.6.totalFen',
    'created',
    'replayed',
    '409 IDEMPOTENCY_KEY_REUSED',
    '400 VALIDATION_FAILED purchases.10',
    'created',
    'created',
  ]);
  assert.deepEqual([res.created, res.replayed, res.rejected], [4, 1, 8]);
  assert.equal(await count() + (await count('tmall')) - before, 4);
  assert.equal(res.items[12].purchase.customerId, ids['王芳'], 'a merged customer books to the one it was merged into');
  assert.equal(res.items[11].purchase.lines[0].productId, null);
  assert.equal(res.items[11].purchase.lines[0].category, '赠品');
});

test('a bulk retried as a whole replays every item and books nothing new', async () => {
  const items = Array.from({ length: 5 }, () => sale());
  const first = await post('/api/purchases/bulk', { purchases: items });
  const before = await count();
  const again = await post('/api/purchases/bulk', { purchases: items });
  assert.equal(again.json().replayed, 5);
  assert.deepEqual(again.json().items.map((i: any) => i.purchase), first.json().items.map((i: any) => i.purchase));
  assert.equal(await count(), before);
});

test('single purchases with bad amounts are 400s naming the field', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ paidFen: 100.5 }, 'paidFen'],
    [{ discountFen: -1 }, 'discountFen'],
    [{ lines: [{ sku: 'LIP-001', quantity: 1, unitPriceFen: -100 }] }, 'lines.0.unitPriceFen'],
    [{ lines: [{ sku: 'LIP-001', quantity: 1, unitPriceFen: 100, amountFen: 0.1 }] }, 'lines.0.amountFen'],
    [{ totalFen: 12345 }, 'totalFen'],
    [{ lines: Array.from({ length: 501 }, () => ({ sku: 'TEA-003', quantity: 1, unitPriceFen: 400 })) }, 'lines'],
    [{ purchasedAt: '2026-03-01T10:00:00' }, 'purchasedAt'],
    [{ unknownField: 1 }, 'unknownField'],
  ];
  for (const [over, path] of cases) {
    const r = await post('/api/purchases', sale(over));
    assert.equal(r.statusCode, 400, `${path}: ${r.body}`);
    assert.ok(r.json().error.fields.some((f: any) => f.path === path), `${path}: ${r.body}`);
  }
});

test('unknown customer, store and product are 404s with a code', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ mobile: undefined, customerId: 999999 }, 'CUSTOMER_NOT_FOUND'],
    [{ mobile: undefined, cardNo: 'NOPE' }, 'CUSTOMER_NOT_FOUND'],
    [{ storeCode: undefined, storeId: 999999 }, 'STORE_NOT_FOUND'],
    [{ lines: [{ sku: 'NOPE', quantity: 1, unitPriceFen: 1 }] }, 'PRODUCT_NOT_FOUND'],
  ];
  for (const [over, code] of cases) {
    const r = await post('/api/purchases', sale(over));
    assert.equal(r.statusCode, 404, r.body);
    assert.equal(r.json().error.code, code);
  }
});

test('booking sees a product\'s new category, a new product and a renamed store as soon as they are saved', async () => {
  const manager = await t.loginAs('manager');
  const product = (await t.request('POST', '/api/products', { cookie: manager, body: { sku: 'MASK-010', name: '面膜', category: '护肤', priceFen: 9900 } })).json();
  const line = (sku: string, storeCode = 'SH001') => ({ storeCode, lines: [{ sku, quantity: 1, unitPriceFen: 9900 }] });
  const first = await post('/api/purchases', sale(line('MASK-010', 'BJ001')));
  assert.equal(first.json().lines[0].category, '护肤', first.body);
  assert.equal((await post('/api/purchases', sale(line('SERUM-011')))).json().error.code, 'PRODUCT_NOT_FOUND');

  assert.equal((await t.request('PATCH', `/api/products/${product.id}`, { cookie: manager, body: { category: '面膜' } })).statusCode, 200);
  await t.request('POST', '/api/products', { cookie: manager, body: { sku: 'SERUM-011', name: '精华', category: '护肤', priceFen: 9900 } });
  await t.db.query(`UPDATE stores SET code = 'BJ002' WHERE code = 'BJ001'`);
  try {
    const again = await post('/api/purchases/bulk', { purchases: [sale(line('MASK-010')), sale(line('SERUM-011')), sale(line('MASK-010', 'BJ002')), sale(line('MASK-010', 'BJ001'))] });
    assert.deepEqual(again.json().items.map((i: any) => i.purchase?.lines[0].category ?? i.error.code), ['面膜', '护肤', '面膜', 'STORE_NOT_FOUND'], again.body);
  } finally {
    await t.db.query(`UPDATE stores SET code = 'BJ001' WHERE code = 'BJ002'`);
  }
});

test('a store-scoped key books for its store and gets 403 for another', async () => {
  assert.equal((await post('/api/purchases', sale(), shKey)).statusCode, 201);
  const other = await post('/api/purchases', sale({ storeCode: 'BJ001' }), shKey);
  assert.equal(other.statusCode, 403);
  assert.equal(other.json().error.code, 'STORE_OUT_OF_SCOPE');
  const online = await post('/api/purchases', sale({ channel: 'online', storeCode: undefined }), shKey);
  assert.equal(online.statusCode, 403);
});

test('roles without sales.write cannot book, and store staff only for their store', async () => {
  const analyst = await t.loginAs('analyst');
  assert.equal((await t.request('POST', '/api/purchases', { cookie: analyst, body: sale() })).statusCode, 403);
  const staff = await t.loginAs('store_staff', { storeIds: [ids['BJ001']!] });
  assert.equal((await t.request('POST', '/api/purchases', { cookie: staff, body: sale() })).statusCode, 403);
  assert.equal((await t.request('POST', '/api/purchases', { cookie: staff, body: sale({ storeCode: 'BJ001' }) })).statusCode, 201);
  const list = await t.request('GET', '/api/purchases?limit=500', { cookie: staff });
  assert.ok(list.json().items.length > 0);
  assert.ok(list.json().items.every((p: any) => p.storeId === ids['BJ001']));
  assert.equal((await t.request('POST', '/api/purchases', { body: sale() })).statusCode, 401);
});

test('injection strings in ids and skus are stored verbatim and harmless', async () => {
  const evil = `x'); DROP TABLE purchases; --`;
  await t.request('POST', '/api/products', { cookie: admin, body: { sku: `SKU' OR '1'='1`, name: '<script>alert(1)</script>', category: `类'目`, priceFen: 1 } });
  const r = await post('/api/purchases', sale({ externalId: evil, lines: [{ sku: `SKU' OR '1'='1`, quantity: 1, unitPriceFen: 1 }] }));
  assert.equal(r.statusCode, 201, r.body);
  assert.equal(r.json().externalId, evil);
  const got = await t.request('GET', `/api/purchases/${r.json().id}`, { cookie: admin });
  assert.equal(got.statusCode, 200, got.body);
  assert.equal(got.json().lines[0].sku, `SKU' OR '1'='1`);
  assert.equal(got.json().lines[0].productName, '<script>alert(1)</script>');
  const search = await t.request('GET', `/api/products?q=${encodeURIComponent("%' OR 1=1 --")}`, { cookie: admin });
  assert.equal(search.json().items.length, 0);
});

test('purchases list filters by customer, channel and kind and pages without gaps', async () => {
  for (let i = 0; i < 5; i++) await post('/api/purchases', sale({ mobile: '13700137000', purchasedAt: new Date(Date.now() - i * 3_600_000).toISOString() }));
  const seen: number[] = [];
  let before: string | null = null;
  do {
    const r: any = (await t.request('GET', `/api/purchases?customerId=${ids['张伟']}&channel=store&kind=sale&limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`, { cookie: admin })).json();
    seen.push(...r.items.map((p: any) => p.id));
    before = r.next;
  } while (before);
  assert.equal(seen.length, 5);
  assert.equal(new Set(seen).size, 5);
});

test('another module books raw rows through bookPurchases and gets per-row results under its own path', async () => {
  const rows: unknown[] = [sale({ source: 'import' }), { ...sale({ source: 'import' }), quantity: 'x' }];
  const results = await bookPurchases(t.db, SYSTEM_ACTOR, rows, { pathPrefix: 'rows' });
  assert.equal(results[0]!.status, 'created');
  assert.equal(results[1]!.status, 'rejected');
  assert.equal(results[1]!.status === 'rejected' && results[1]!.error.fields![0]!.path, 'rows.1.quantity');
});

test('a listener that fails rolls back the whole batch, and the retry books it', async () => {
  const bad = sale({ lines: [{ sku: 'TEA-003', quantity: 1, unitPriceFen: 666 }] });
  const good = sale();
  const before = await count();
  const r = await post('/api/purchases/bulk', { purchases: [good, bad] });
  assert.equal(r.statusCode, 500);
  assert.equal(await count(), before);
  const retry = await post('/api/purchases/bulk', { purchases: [good] });
  assert.equal(retry.json().created, 1);
});

test('a listener gets what it read ahead of the members with their new sales', async () => {
  const r = await post('/api/purchases/bulk', { purchases: [sale(), sale({ mobile: undefined, cardNo: 'C0002' }), sale()] });
  assert.equal(r.json().created, 3, r.body);
  for (const item of r.json().items) assert.deepEqual(item.purchase.loyalty.readAhead, [ids['王芳'], ids['李娜']].sort((a, b) => a! - b!));
});

test('a read-ahead that fails in the database fails its batch, and nothing is booked', async () => {
  const failing = (await t.db.query(`INSERT INTO customers (name, card_no) VALUES ('读取失败', 'C-FAIL') RETURNING id`)).rows[0].id;
  try {
    const before = await count();
    const r = await post('/api/purchases/bulk', { purchases: [sale(), sale({ mobile: undefined, cardNo: 'C-FAIL' })] });
    assert.equal(r.statusCode, 500);
    assert.equal(await count(), before);
  } finally {
    await t.db.query(`UPDATE customers SET name = '读取正常' WHERE id = $1`, [failing]);
  }
});

test('concurrent single purchases from one till share transactions, and each gets its own answer', async () => {
  const calls = listenerCalls;
  const rs = await Promise.all(Array.from({ length: 30 }, () => post('/api/purchases', sale())));
  assert.deepEqual([...new Set(rs.map((r) => r.statusCode))], [201]);
  assert.equal(new Set(rs.map((r) => r.json().id)).size, 30);
  // PGlite has one connection, so requests queue before they reach the batcher; a server pool lets them overlap.
  if (TEST_DB_KIND === 'postgres') assert.ok(listenerCalls - calls < 30, `booked in ${listenerCalls - calls} batches`);
});

test('a burst of single purchases is shared out in batches of at most 250', async () => {
  largestBatch = 0;
  const rs = await Promise.all(Array.from({ length: 400 }, () => post('/api/purchases', sale())));
  assert.deepEqual([...new Set(rs.map((r) => r.statusCode))], [201]);
  assert.ok(largestBatch <= 250, `a batch of ${largestBatch}`);
  if (TEST_DB_KIND === 'postgres') assert.ok(largestBatch > 1, 'the burst was shared out');
});

test('a purchase that fails inside a shared batch fails alone', async () => {
  const before = await count();
  const bodies = Array.from({ length: 8 }, (_, i) =>
    i === 3 ? sale({ lines: [{ sku: 'TEA-003', quantity: 1, unitPriceFen: 666 }] }) : sale());
  const rs = await Promise.all(bodies.map((b) => post('/api/purchases', b)));
  assert.equal(rs[3]!.statusCode, 500);
  assert.deepEqual(rs.filter((_, i) => i !== 3).map((r) => r.statusCode), Array(7).fill(201));
  assert.equal(await count(), before + 7);
});

test('a purchase by the mobile of a record merged away books to its survivor, unless an active customer holds that mobile now', async () => {
  const r = await post('/api/purchases/bulk', { purchases: [sale({ mobile: '+86 135 0013 5000' }), sale({ mobile: '13700137000' })] });
  assert.equal(r.statusCode, 200, r.body);
  assert.deepEqual(r.json().items.map((i: any) => [i.status, i.purchase.customerId]), [['created', ids['王芳']], ['created', ids['张伟']]]);
  const single = await post('/api/purchases', sale({ mobile: '13500135000' }));
  assert.equal(single.statusCode, 201, single.body);
  assert.equal(single.json().customerId, ids['王芳']);
});
