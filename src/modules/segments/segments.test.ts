import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { notifyPurchasesRecorded } from '../sales/index.ts';
import { rebuildActivity } from './activity.ts';

let t: TestApp;
let marketer: string;
let manager: string;
const ids: Record<string, number> = {};
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

before(async () => {
  t = await startTestApp();
  marketer = await t.loginAs('marketer');
  manager = await t.loginAs('manager');
  const stores = await t.db.query(`INSERT INTO stores (code, name, city) VALUES ('SH001', '上海南京西路店', '上海'), ('BJ001', '北京三里屯店', '北京') RETURNING id`);
  [ids.sh, ids.bj] = stores.rows.map((r) => r.id);
  const people: [string, string, string, string | null, string, string[]][] = [
    ['wang', '王芳', 'female', '1995-05-01', '上海', ['VIP']],
    ['li', '李娜', 'female', '1980-01-01', '北京', []],
    ['zhang', '张伟', 'male', null, '上海', []],
    ['liu', '刘洋', 'male', '1990-03-03', '杭州', []],
  ];
  for (const [key, name, gender, birthday, city, tags] of people) {
    const r = await t.db.query(
      `INSERT INTO customers (name, gender, birthday, city, tags, mobile, email) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [name, gender, birthday, city, tags, `1380000000${Object.keys(ids).length}`, `${key}@example.cn`],
    );
    ids[key] = r.rows[0].id;
  }
  await t.db.query(`UPDATE customers SET status = 'merged' WHERE id = $1`, [ids.liu]);
  await t.db.query(`INSERT INTO customer_consents (customer_id, channel, granted, source) VALUES ($1, 'sms', true, '门店')`, [ids.wang]);
  const sale = async (customer: number, store: number, at: string, lines: [string, number][], ext: string) => {
    const total = lines.reduce((s, [, a]) => s + a, 0);
    const p = await t.db.query(
      `INSERT INTO purchases (customer_id, store_id, channel, source, external_id, purchased_at, total_fen, paid_fen, item_count)
       VALUES ($1, $2, 'store', 'pos', $3, $4, $5, $5, $6) RETURNING id`,
      [customer, store, ext, at, total, lines.length],
    );
    for (const [i, [category, amount]] of lines.entries()) {
      await t.db.query(
        `INSERT INTO purchase_lines (customer_id, purchase_id, line_no, sku, category, quantity, unit_price_fen, amount_fen) VALUES ($1, $2, $3, 'SKU', $4, 1, $5, $5)`,
        [customer, p.rows[0].id, i + 1, category, amount],
      );
    }
  };
  await sale(ids.wang, ids.sh, daysAgo(10), [['护肤', 30000]], 'p1');
  await sale(ids.wang, ids.sh, daysAgo(60), [['护肤', 15000], ['彩妆', 5000]], 'p2');
  await sale(ids.li, ids.bj, daysAgo(200), [['彩妆', 8000]], 'p3');
  await t.db.tx((tx) => rebuildActivity(tx));
});
after(async () => t.close());

const preview = (filter: unknown, cookie = marketer) => t.request('POST', '/api/segments/preview', { cookie, body: { filter } });
const count = async (filter: unknown) => {
  const r = await preview(filter);
  assert.equal(r.statusCode, 200, r.body);
  return r.json().count;
};

test('a live count matches profile conditions and leaves merged customers out', async () => {
  assert.equal(await count({ field: 'gender', op: 'eq', value: 'female' }), 2);
  assert.equal(await count({ field: 'city', op: 'in', value: ['上海', '杭州'] }), 2);
  assert.equal(await count({ field: 'age', op: 'between', value: [25, 34] }), 1);
  assert.equal(await count({ field: 'tags', op: 'has_any', value: ['VIP'] }), 1);
  assert.equal(await count({ field: 'consent', op: 'granted', value: 'sms' }), 1);
});

test('behaviour conditions read what customers bought, where and when', async () => {
  assert.equal(await count({ all: [{ field: 'city', op: 'eq', value: '上海' }, { field: 'boughtCategory', op: 'within_last_days', value: { keys: ['护肤'], value: 30 } }] }), 1);
  assert.equal(await count({ field: 'boughtCategory', op: 'ever', value: { keys: ['彩妆'] } }), 2);
  assert.equal(await count({ field: 'lastPurchase', op: 'not_within_last_days', value: 90 }), 1, 'lapsed: bought, but not lately');
  assert.equal(await count({ field: 'lastPurchase', op: 'never' }), 1);
  assert.equal(await count({ field: 'purchaseCount', op: 'lte', value: 1 }), 2, 'never bought counts as zero purchases');
  assert.equal(await count({ field: 'totalSpend', op: 'gte', value: 50000 }), 1);
  assert.equal(await count({ field: 'boughtAtStore', op: 'ever', value: { keys: [ids.bj] } }), 1);
  assert.equal(await count({ not: { field: 'boughtViaChannel', op: 'ever', value: { keys: ['store'] } } }), 1);
});

test('several conditions on all purchases must hold together', async () => {
  assert.equal(await count({ all: [{ field: 'totalSpend', op: 'gte', value: 50000 }, { field: 'lastPurchase', op: 'within_last_days', value: 30 }] }), 1);
  assert.equal(await count({ all: [{ field: 'totalSpend', op: 'gte', value: 50000 }, { field: 'lastPurchase', op: 'not_within_last_days', value: 30 }] }), 0);
  assert.equal(await count({ all: [{ field: 'purchaseCount', op: 'gte', value: 1 }, { field: 'lastPurchase', op: 'not_within_last_days', value: 90 }] }), 1, 'lapsed');
  assert.equal(await count({ all: [{ field: 'purchaseCount', op: 'between', value: [1, 1] }, { field: 'lastPurchase', op: 'ever' }, { field: 'totalSpend', op: 'lte', value: 10000 }] }), 1);
});

test('the sample masks personal data for a marketer and shows it to a manager', async () => {
  const f = { field: 'tags', op: 'has_any', value: ['VIP'] };
  const masked = (await preview(f)).json().sample[0];
  assert.match(masked.mobile, /^138\*{4}\d{4}$/);
  assert.match(masked.email, /\*\*\*@/);
  const full = (await preview(f, manager)).json().sample[0];
  assert.match(full.mobile, /^1380000000\d$/);
});

test('a bad filter is a 400 naming the problem, for any hostile shape', async () => {
  const unknown = await preview({ field: 'password', op: 'eq', value: 'x' });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.json().error.code, 'INVALID_FILTER');
  assert.equal(unknown.json().error.fields[0].path, 'filter.field');
  const raw = (payload: string) => t.request('POST', '/api/segments/preview', { cookie: marketer, body: payload, headers: { 'content-type': 'application/json' } });
  const deepNot = `{"filter":${'{"not":'.repeat(20_000)}{"field":"city","op":"eq","value":"x"}${'}'.repeat(20_000)}}`;
  assert.equal((await raw(deepNot)).statusCode, 400);
  const deepArrays = `{"filter":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
  assert.equal((await raw(deepArrays)).statusCode, 400);
  assert.equal((await preview({ field: 'city', op: 'in', value: Array.from({ length: 100_000 }, () => 'x') })).statusCode, 400);
  assert.equal((await t.request('POST', '/api/segments/preview', { cookie: marketer, body: {} })).statusCode, 400);
});

test('a marketer saves a segment, which is measured at once and keeps a size history', async () => {
  const filter = { field: 'gender', op: 'eq', value: 'female' };
  const created = await t.request('POST', '/api/segments', { cookie: marketer, body: { name: '女性会员', description: '所有女性会员', filter } });
  assert.equal(created.statusCode, 201, created.body);
  const seg = created.json();
  assert.equal(seg.memberCount, 2);
  const dup = await t.request('POST', '/api/segments', { cookie: marketer, body: { name: '女性会员', filter } });
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.json().error.code, 'SEGMENT_NAME_TAKEN');

  await t.db.query(`UPDATE customers SET gender = 'female' WHERE id = $1`, [ids.zhang]);
  await t.db.query(`UPDATE customers SET gender = 'male' WHERE id = $1`, [ids.li]);
  const refreshed = await t.request('POST', `/api/segments/${seg.id}/refresh`, { cookie: marketer });
  assert.deepEqual(refreshed.json(), { memberCount: 2, joined: 1, left: 1 });
  const sizesRes = await t.request('GET', `/api/segments/${seg.id}/sizes`, { cookie: marketer });
  const sizes = sizesRes.json().items;
  assert.deepEqual(sizes.map((s: any) => s.memberCount), [2, 2]);
  const membersRes = await t.request('GET', `/api/segments/${seg.id}/members`, { cookie: marketer });
  const members = membersRes.json().items;
  assert.deepEqual(members.map((m: any) => m.id).sort(), [ids.wang, ids.zhang].sort());
});

test('editing a segment needs the current version, and archiving hides it', async () => {
  const seg = (await t.request('POST', '/api/segments', { cookie: marketer, body: { name: '上海会员', filter: { field: 'city', op: 'eq', value: '上海' } } })).json();
  const ok = await t.request('PATCH', `/api/segments/${seg.id}`, { cookie: marketer, body: { name: '上海老会员', version: seg.version } });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().version, seg.version + 1);
  const stale = await t.request('PATCH', `/api/segments/${seg.id}`, { cookie: marketer, body: { name: '又改了', version: seg.version } });
  assert.equal(stale.statusCode, 409);
  assert.equal(stale.json().error.code, 'STALE_VERSION');
  const badFilter = await t.request('PATCH', `/api/segments/${seg.id}`, { cookie: marketer, body: { filter: { field: 'nope' }, version: seg.version + 1 } });
  assert.equal(badFilter.statusCode, 400);
  assert.equal((await t.request('DELETE', `/api/segments/${seg.id}`, { cookie: marketer })).statusCode, 200);
  assert.equal((await t.request('GET', `/api/segments/${seg.id}`, { cookie: marketer })).statusCode, 404);
});

test('an analyst may preview but not save; store staff may not see segments', async () => {
  const analyst = await t.loginAs('analyst');
  assert.equal((await preview({ all: [] }, analyst)).statusCode, 200);
  assert.equal((await t.request('POST', '/api/segments', { cookie: analyst, body: { name: 'x', filter: { all: [] } } })).statusCode, 403);
  const till = await t.loginAs('store_staff', { storeIds: [ids.sh] });
  assert.equal((await t.request('GET', '/api/segments', { cookie: till })).statusCode, 403);
});

test('a segment exports as CSV with a BOM, masked for a marketer, and the export is audited', async () => {
  const seg = (await t.request('POST', '/api/segments', { cookie: marketer, body: { name: 'VIP 会员', filter: { field: 'tags', op: 'has_any', value: ['VIP'] } } })).json();
  const r = await t.request('GET', `/api/segments/${seg.id}/export`, { cookie: marketer });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /text\/csv/);
  const [header, row] = r.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.ok(r.body.startsWith('\uFEFF'));
  assert.equal(header, 'id,name,mobile,email,gender,birthday,city,region,cardNo,tags,registeredAt');
  assert.match(row, /^\d+,王芳,138\*{4}\d{4},/);
  const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity = 'segment' AND action = 'export' AND entity_id = $1`, [String(seg.id)]);
  assert.equal(audit.rows[0].n, 1);
});

test('the purchase hook keeps the activity roll-up current, and a return takes its spend back', async () => {
  const purchase = {
    customerId: ids.zhang, purchaseId: 990001, kind: 'sale' as const, originalPurchaseId: null, storeId: ids.bj, channel: 'app',
    purchasedAt: new Date(), totalFen: 12000, paidFen: 12000,
    lines: [{ lineNo: 1, productId: null, sku: 'A', category: '香水', quantity: 1, unitPriceFen: 12000, amountFen: 12000 }],
  };
  await t.db.tx((tx) => notifyPurchasesRecorded(tx, [purchase]));
  assert.equal(await count({ field: 'boughtCategory', op: 'within_last_days', value: { keys: ['香水'], value: 1 } }), 1);
  await t.db.tx((tx) => notifyPurchasesRecorded(tx, [{ ...purchase, purchaseId: 990002, kind: 'return', originalPurchaseId: 990001, paidFen: -12000 }]));
  const all = await t.db.query(`SELECT purchases, spend_fen FROM customer_activity WHERE customer_id = $1 AND dimension = 'all'`, [ids.zhang]);
  assert.deepEqual(all.rows[0], { purchases: 1, spend_fen: 0 });
});

test('the field catalogue lists operators and bilingual labels for the builder', async () => {
  const r = await t.request('GET', '/api/segments/fields', { cookie: marketer });
  const gender = r.json().items.find((f: any) => f.key === 'gender');
  assert.deepEqual(gender.ops, ['eq', 'neq', 'in', 'not_in', 'is_set', 'is_not_set']);
  assert.equal(gender.zh, '性别');
  const cities = await t.request('GET', '/api/segments/values?field=city', { cookie: marketer });
  assert.deepEqual(cities.json().items.map((v: any) => v.value).sort(), ['上海', '北京'].sort());
});
