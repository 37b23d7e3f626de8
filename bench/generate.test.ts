import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb, TEST_DB_KIND } from '../test/support.ts';
import { openPglite } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/client.ts';
import { normaliseMobile } from '../src/lib/phone.ts';
import { generateChain, readMarker, type ChainSummary } from './generate.ts';

const SIZE = { customers: 300, purchases: 3000, seed: 7, anchor: '2026-06-30' };
let a: Db & { drop(): Promise<void> };
let b: Db & { drop(): Promise<void> };
let summary: ChainSummary;

before(async () => {
  a = await openTestDb();
  b = await openTestDb();
  summary = await generateChain(a, SIZE);
  await generateChain(b, SIZE);
});
after(async () => {
  await a.drop();
  await b.drop();
});

/** One fingerprint of every generated row, in a fixed order. */
async function fingerprint(db: Db): Promise<Record<string, string>> {
  const q = async (sql: string) => String((await db.query(sql)).rows[0].h);
  return {
    customers: await q(`SELECT md5(string_agg(concat_ws('|', id, name, mobile, email, gender, birthday, city, region, occupation, income_band, card_no,
      preferred_store_id, preferred_channel, source, tags::text, attributes::text, registered_at), E'\\n' ORDER BY id)) AS h FROM customers`),
    consents: await q(`SELECT md5(string_agg(concat_ws('|', customer_id, channel, granted, source, recorded_at), E'\\n' ORDER BY customer_id, channel, recorded_at, granted)) AS h FROM customer_consents`),
    purchases: await q(`SELECT md5(string_agg(concat_ws('|', id, customer_id, kind, original_purchase_id, store_id, channel, source, external_id, purchased_at,
      total_fen, discount_fen, paid_fen, item_count), E'\\n' ORDER BY id)) AS h FROM purchases`),
    lines: await q(`SELECT md5(string_agg(concat_ws('|', customer_id, purchase_id, line_no, product_id, sku, category, quantity, unit_price_fen, amount_fen), E'\\n'
      ORDER BY purchase_id, line_no)) AS h FROM purchase_lines`),
  };
}

test('the same seed and size give the same rows', async () => {
  assert.deepEqual(await fingerprint(a), await fingerprint(b));
});

test('PGlite generates the same rows as the PostgreSQL server', { skip: TEST_DB_KIND !== 'postgres' && 'runs in the PostgreSQL pass' }, async () => {
  const lite = openPglite(undefined);
  try {
    await migrate(lite);
    await generateChain(lite, SIZE);
    assert.deepEqual(await fingerprint(lite), await fingerprint(a));
  } finally {
    await lite.close();
  }
});

test('a different seed gives different members and purchases', async () => {
  const c = await openTestDb();
  try {
    await generateChain(c, { ...SIZE, seed: 8 });
    const [x, y] = [await fingerprint(a), await fingerprint(c)];
    assert.notEqual(x.customers, y.customers);
    assert.notEqual(x.purchases, y.purchases);
  } finally {
    await c.drop();
  }
});

test('the requested numbers of members and sales are generated, plus a few returns', async () => {
  const r = (await a.query(`SELECT (SELECT count(*) FROM customers) AS customers, count(*) FILTER (WHERE kind = 'sale') AS sales,
      count(*) FILTER (WHERE kind = 'return') AS returns FROM purchases`)).rows[0];
  assert.equal(r.customers, SIZE.customers);
  assert.equal(r.sales, SIZE.purchases);
  assert.ok(r.returns > 0 && r.returns < SIZE.purchases * 0.05, `returns: ${r.returns}`);
  assert.equal(summary.sales, SIZE.purchases);
  assert.equal(summary.returns, r.returns);
});

test('every mobile number is a valid, unique China mobile number and every card number is unique', async () => {
  const rows = (await a.query('SELECT mobile, card_no AS "cardNo" FROM customers')).rows;
  for (const r of rows) assert.equal(normaliseMobile(r.mobile), r.mobile, r.mobile);
  assert.equal(new Set(rows.map((r) => r.mobile)).size, rows.length);
  assert.equal(new Set(rows.map((r) => r.cardNo)).size, rows.length);
});

test('purchase totals equal the sum of their lines, and paid is total less discount', async () => {
  const bad = (await a.query(`
    SELECT p.id FROM purchases p
      LEFT JOIN (SELECT customer_id, purchase_id, sum(amount_fen) AS amount, sum(quantity) AS qty, count(*) AS n FROM purchase_lines GROUP BY 1, 2) l
        ON l.customer_id = p.customer_id AND l.purchase_id = p.id
     WHERE l.n IS NULL OR p.total_fen <> l.amount OR p.item_count <> l.qty OR p.paid_fen <> p.total_fen - p.discount_fen
        OR (p.kind = 'sale' AND (p.discount_fen < 0 OR p.discount_fen > p.total_fen))`)).rows;
  assert.deepEqual(bad, []);
  const lines = (await a.query('SELECT count(*) AS n FROM purchase_lines WHERE amount_fen <> quantity * unit_price_fen')).rows[0];
  assert.equal(lines.n, 0);
});

test('returns reference a sale of the same member from at most 15 days before and give its money back', async () => {
  const bad = (await a.query(`
    SELECT r.id FROM purchases r
      LEFT JOIN purchases s ON s.id = r.original_purchase_id AND s.customer_id = r.customer_id AND s.kind = 'sale'
     WHERE r.kind = 'return'
       AND (s.id IS NULL OR r.purchased_at <= s.purchased_at OR r.purchased_at > s.purchased_at + interval '15 days'
            OR r.total_fen <> -s.total_fen OR r.paid_fen <> -s.paid_fen)`)).rows;
  assert.deepEqual(bad, []);
});

test('purchases fall in the two years before the anchor day and never before the member registered', async () => {
  const r = (await a.query(`
    SELECT count(*) FILTER (WHERE p.purchased_at >= '2026-06-30T00:00:00+08:00' OR p.purchased_at < '2024-06-30T00:00:00+08:00') AS outside,
           count(*) FILTER (WHERE p.purchased_at < c.registered_at) AS before_registration
      FROM purchases p JOIN customers c ON c.id = p.customer_id`)).rows[0];
  assert.equal(r.outside, 0);
  assert.equal(r.before_registration, 0);
});

test('members buy at different rates, so some buy often and some never', async () => {
  const r = (await a.query(`SELECT count(*) FILTER (WHERE n = 0) AS none, count(*) FILTER (WHERE n >= 30) AS many
      FROM (SELECT c.id, count(p.id) AS n FROM customers c LEFT JOIN purchases p ON p.customer_id = c.id AND p.kind = 'sale' GROUP BY c.id) x`)).rows[0];
  assert.ok(r.none > 0, 'someone never bought');
  assert.ok(r.many > 0, 'someone bought at least 30 times');
});

test('the activity roll-up segments read is built for every member who bought', async () => {
  const r = await a.query(
    `SELECT (SELECT count(DISTINCT customer_id) FROM purchases WHERE kind = 'sale')::int AS buyers,
            (SELECT count(*) FROM customer_activity WHERE dimension = 'all')::int AS rolled,
            (SELECT count(*) FROM customer_activity WHERE dimension = 'category')::int AS categories`,
  );
  assert.equal(r.rows[0].rolled, r.rows[0].buyers);
  assert.ok(r.rows[0].categories >= r.rows[0].buyers);
});

test('the marker setting records what was generated, so benchmarks can reuse the data', async () => {
  const m = await readMarker(a);
  assert.equal(m?.customers, SIZE.customers);
  assert.equal(m?.purchases, SIZE.purchases);
  assert.equal(m?.seed, SIZE.seed);
});

test('a second run adds another chain after the existing rows without reusing ids or external ids', async () => {
  const c = await openTestDb();
  try {
    await generateChain(c, { ...SIZE, customers: 50, purchases: 200 });
    await generateChain(c, { ...SIZE, customers: 50, purchases: 200, seed: 99 });
    const r = (await c.query(`SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM stores) AS stores,
        (SELECT count(*) FROM purchases WHERE kind = 'sale') AS sales`)).rows[0];
    assert.equal(r.customers, 100);
    assert.equal(r.stores, summary.stores);
    assert.equal(r.sales, 400);
  } finally {
    await c.drop();
  }
});

test('members and purchases added later get ids after the generated ones', async () => {
  const c = (await a.query(`INSERT INTO customers (name, mobile) VALUES ('赵新会员', '19900000001') RETURNING id`)).rows[0];
  assert.ok(c.id > SIZE.customers);
  const maxPurchase = (await a.query('SELECT max(id) AS m FROM purchases')).rows[0].m;
  const p = (await a.query(
    `INSERT INTO purchases (customer_id, channel, source, external_id, purchased_at, total_fen, paid_fen) VALUES ($1, 'store', 'pos', 'T-1', now(), 0, 0) RETURNING id`,
    [c.id],
  )).rows[0];
  assert.ok(p.id > maxPurchase);
});
