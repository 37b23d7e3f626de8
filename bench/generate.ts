/**
 * The demo chain: stores, products, members, consents and two years of purchases with lines and returns.
 * `npm run demo` fills the app's database; `tsx bench/generate.ts --customers N --purchases M` fills the
 * bench database. Rows are computed on the database server from a seeded hash (`hashint8extended`), one
 * set-based statement per table, so the same seed and size give the same rows on PGlite and PostgreSQL.
 */
import { rebuildActivity } from '../src/modules/segments/index.ts';
import { runScoring } from '../src/modules/analytics/index.ts';
import { backfillPoints, evaluateAllTiers } from '../src/modules/loyalty/index.ts';
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { insertRows, openDb, type Db, type Queryable } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadConfig, ConfigError } from '../src/config.ts';
import { createStaff, SYSTEM_ACTOR, type Role } from '../src/modules/staff/index.ts';
import { benchDb, BENCH_URL, rng } from './lib.ts';
import {
  CATEGORIES, GIVEN_FEMALE, GIVEN_MALE, HOUR_WEIGHTS, INCOME_BANDS, MOBILE_PREFIXES, OCCUPATIONS, PREFERRED_CHANNELS,
  SKIN_TYPES, SOURCES, STORES, SURNAMES, TAGS, buildProducts, dayWeights, isoDay, DAY_MS,
} from './generator/chain-data.ts';

export const MARKER_KEY = 'demo.generated';
const GENERATOR_VERSION = 1;
const WINDOW_DAYS = 730;

export interface ChainOptions {
  customers: number;
  /** Sales to generate (returns come on top, about 1 % of sales); 0 for members only. */
  purchases: number;
  seed?: number;
  /** The day the history ends (exclusive), `YYYY-MM-DD` in Asia/Shanghai; default today. */
  anchor?: string;
  log?: (line: string) => void;
}

export interface ChainSummary {
  version: number;
  customers: number;
  purchases: number;
  seed: number;
  anchor: string;
  stores: number;
  products: number;
  sales: number;
  returns: number;
  lines: number;
  consents: number;
  seconds: number;
  generatedAt: string;
}

/** A uniform draw in [0, 1) for a row key and a salt; $1 is the seed in every statement. */
const u = (key: string, salt: number) => `((hashint8extended((${key})::bigint, $1::bigint * 1009 + ${salt}) & 2147483647)::float8 / 2147483648.0)`;
/** 1-based index into an array of length `len` from a draw. */
const pick = (draw: string, len: string) => `(1 + floor(${draw} * ${len})::int)`;

/** An inverse-CDF table: `slots` entries holding 1-based indexes, so a weighted pick is one array subscript. */
function inverseTable(weights: number[], slots: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  let acc = 0;
  let i = 0;
  for (let s = 0; s < slots; s++) {
    const target = ((s + 0.5) / slots) * total;
    while (i < weights.length - 1 && acc + weights[i]! < target) acc += weights[i++]!;
    out.push(i + 1);
  }
  return out;
}

/** Multiplier for bijective number scrambling: odd and not a multiple of 5, so it is coprime to powers of ten. */
function coprimeToTen(x: number): number {
  let a = Math.floor(x);
  if (a % 2 === 0) a += 1;
  while (a % 5 === 0) a += 2;
  return a;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function shanghaiToday(): string {
  return isoDay(new Date(Date.now() + 8 * 3600_000));
}

export async function readMarker(q: Queryable): Promise<ChainSummary | null> {
  const r = await q.query('SELECT value FROM settings WHERE key = $1', [MARKER_KEY]);
  return (r.rows[0]?.value as ChainSummary) ?? null;
}

async function isSuperuser(q: Queryable): Promise<boolean> {
  const r = await q.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
  return r.rows[0]?.rolsuper === true;
}

/** Secondary indexes (not keys) of the bulk tables: dropped before a large load and rebuilt after, which is several times faster. */
async function secondaryIndexes(q: Queryable): Promise<{ name: string; def: string }[]> {
  const r = await q.query(
    `SELECT i.indexname AS name, i.indexdef AS def
       FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
      ORDER BY i.tablename, i.indexname`,
    [['customers', 'purchases', 'purchase_lines', 'customer_consents']],
  );
  return r.rows as { name: string; def: string }[];
}

/**
 * Generates the chain into `db` (already migrated). Adds to whatever is there: stores and products are
 * matched by code and SKU, members and purchases get ids after the existing ones. Everything is written
 * in one transaction, then the marker setting records what was generated.
 */
export async function generateChain(db: Db, opts: ChainOptions): Promise<ChainSummary> {
  const started = performance.now();
  const log = opts.log ?? (() => undefined);
  const seed = opts.seed ?? 2026;
  const anchor = opts.anchor ?? shanghaiToday();
  const firstDay = isoDay(new Date(Date.parse(`${anchor}T00:00:00Z`) - WINDOW_DAYS * DAY_MS));
  const t0 = `${firstDay}T00:00:00+08:00`;
  const anchorTs = `${anchor}T00:00:00+08:00`;
  const rand = rng(seed);
  const N = opts.customers;
  const M = opts.purchases;
  const bulk = N + M >= 50_000;

  const summary = await db.tx(async (tx) => {
    const step = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
      const s = performance.now();
      const out = await fn();
      log(`  ${label}: ${((performance.now() - s) / 1000).toFixed(1)} s`);
      return out;
    };
    if (db.kind === 'postgres') {
      await tx.exec(`SET LOCAL synchronous_commit = off; SET LOCAL work_mem = '256MB'; SET LOCAL maintenance_work_mem = '512MB'`);
      // The planner's row guesses for generate_series make every statement look huge; compiling it only pays off at scale.
      if (M < 1_000_000) await tx.exec('SET LOCAL jit = off');
    }
    // Known-good keys in a bulk load: skip the per-row foreign-key triggers when allowed to.
    if (bulk && (await isSuperuser(tx))) await tx.exec(`SET LOCAL session_replication_role = replica`);
    const dropped = bulk ? await secondaryIndexes(tx) : [];
    for (const ix of dropped) await tx.exec(`DROP INDEX "${ix.name.replace(/"/g, '""')}"`);

    // Stores and products: small, from JS; matched by code/SKU so a second run reuses them.
    await insertRows(tx, 'stores', [
      { name: 'code', type: 'text' }, { name: 'name', type: 'text' }, { name: 'city', type: 'text' },
      { name: 'region', type: 'text' }, { name: 'address', type: 'text' }, { name: 'opened_on', type: 'date' },
    ], STORES.map((s) => [s.code, s.name, s.city, s.region, s.address, s.openedOn]), { suffix: 'ON CONFLICT (code) DO NOTHING' });
    const stores = (await tx.query(
      `SELECT id, city, region, opened_on AS "openedOn" FROM stores WHERE code = ANY($1::text[]) ORDER BY code`, [STORES.map((s) => s.code)],
    )).rows as { id: number; city: string; region: string; openedOn: string }[];
    const productSeeds = buildProducts(rand);
    await insertRows(tx, 'products', [
      { name: 'sku', type: 'text' }, { name: 'name', type: 'text' }, { name: 'category', type: 'text' },
      { name: 'brand', type: 'text' }, { name: 'price_fen', type: 'bigint' },
    ], productSeeds.map((p) => [p.sku, p.name, p.category, p.brand, p.priceFen]), { suffix: 'ON CONFLICT (sku) DO NOTHING' });
    const productIds = new Map((await tx.query(`SELECT id, sku, price_fen AS "priceFen" FROM products WHERE sku = ANY($1::text[])`, [productSeeds.map((p) => p.sku)])).rows.map((r) => [r.sku as string, r]));
    const products = productSeeds.map((p) => ({ ...p, id: productIds.get(p.sku)!.id as number, priceFen: productIds.get(p.sku)!.priceFen as number }));

    const customerBase = Number((await tx.query('SELECT coalesce(max(id), 0) AS m FROM customers')).rows[0].m);
    const purchaseBase = Number((await tx.query('SELECT coalesce(max(id), 0) AS m FROM purchases')).rows[0].m);

    await step(`customers (${N.toLocaleString('en')})`, () => insertCustomers(tx, { seed, N, customerBase, stores, anchorTs, rand }));
    const consents = await step('consents', () => insertConsents(tx, { seed, customerBase, N, anchorTs }));

    let sales = 0, returns = 0, lines = 0;
    if (M > 0 && N > 0) {
      const days = dayWeights(firstDay, WINDOW_DAYS);
      await step('purchase plan per customer', () => planCustomers(tx, { seed, N, M, customerBase, t0, days }));
      const catIndex = new Map<string, number>(CATEGORIES.map((c, i) => [c.name, i + 1]));
      const lineArgs = {
        prodIds: products.map((p) => p.id),
        prodPrices: products.map((p) => p.priceFen),
        prodBoost: products.map((p) => CATEGORIES[catIndex.get(p.category)! - 1]!.qtyBoost),
        prodInv: inverseTable(products.map((p) => p.popularity), 4000),
        catProdInv: CATEGORIES.flatMap((c) => inverseTable(products.map((p) => (p.category === c.name ? p.popularity : 0)), 1000)),
      };
      sales = await step(`sales (${M.toLocaleString('en')})`, () => insertSales(tx, { seed, purchaseBase, t0, days, stores, ...lineArgs }));
      lines = await step('sale lines', () => insertSaleLines(tx, { seed, purchaseBase, ...lineArgs }));
      const r = await step('returns', () => insertReturns(tx, { seed, purchaseBase, M, anchorTs }));
      returns = r.returns;
      lines += r.lines;
      await tx.exec('DROP TABLE IF EXISTS gen_plan');
    }
    for (const ix of dropped) await step(`index ${ix.name}`, () => tx.exec(ix.def));
    // The purchase hook keeps this roll-up in the app; rows written here in SQL need it built once.
    await step('activity roll-up', () => rebuildActivity(tx));
    // Bulk loads may run with triggers off; the consent in force is rebuilt from the history once.
    await step('current consents', () => tx.exec(`TRUNCATE customer_consent_current;
      INSERT INTO customer_consent_current (customer_id, channel, granted, source, recorded_at, consent_id)
      SELECT DISTINCT ON (customer_id, channel) customer_id, channel, granted, source, recorded_at, id
        FROM customer_consents ORDER BY customer_id, channel, recorded_at DESC, id DESC`));
    // Explicit ids bypassed the identity sequences; move them past what was written.
    await tx.exec(`SELECT setval(pg_get_serial_sequence('customers', 'id'), max(id)) FROM customers HAVING max(id) IS NOT NULL;
      SELECT setval(pg_get_serial_sequence('purchases', 'id'), max(id)) FROM purchases HAVING max(id) IS NOT NULL`);
    const out: ChainSummary = {
      version: GENERATOR_VERSION, customers: N, purchases: M, seed, anchor, stores: stores.length, products: products.length,
      sales, returns, lines, consents, seconds: Math.round((performance.now() - started) / 100) / 10, generatedAt: new Date().toISOString(),
    };
    await tx.query(
      `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [MARKER_KEY, JSON.stringify(out)],
    );
    return out;
  });
  const s = performance.now();
  await db.exec('ANALYZE stores; ANALYZE products; ANALYZE customers; ANALYZE customer_consents; ANALYZE purchases; ANALYZE purchase_lines');
  // VACUUM sets the visibility map, so behaviour and consent filters read their indexes alone; it cannot share a statement batch.
  await db.exec('VACUUM ANALYZE customer_activity');
  await db.exec('VACUUM ANALYZE customer_consent_current');
  log(`  analyze: ${((performance.now() - s) / 1000).toFixed(1)} s`);
  return summary;
}

async function insertCustomers(tx: Queryable, a: { seed: number; N: number; customerBase: number; stores: { id: number; city: string; region: string; openedOn: string }[]; anchorTs: string; rand: () => number }) {
  const surnameInv = inverseTable(SURNAMES.map(([, w]) => w), 2000);
  // A bijection on [0, prefixes × 10^8): every member gets a distinct number spread over all segments.
  const mobileSpace = MOBILE_PREFIXES.length * 100_000_000;
  let mobileMul = coprimeToTen(mobileSpace * (0.6 + a.rand() * 0.05));
  while (gcd(mobileMul, mobileSpace) !== 1) mobileMul += 2;
  const mobileAdd = Math.floor(a.rand() * mobileSpace);
  const cardMul = coprimeToTen(1e11 * (0.6 + a.rand() * 0.05));
  const cardAdd = Math.floor(a.rand() * 100_000_000_000);
  const params: unknown[] = [
    a.seed, a.customerBase, a.N, // $1 $2 $3
    a.stores.map((s) => s.id), a.stores.map((s) => s.city), a.stores.map((s) => s.region), a.stores.map((s) => s.openedOn), // $4-$7
    surnameInv, SURNAMES.map(([s]) => s), GIVEN_FEMALE, GIVEN_MALE, // $8-$11
    MOBILE_PREFIXES, mobileMul, mobileAdd, cardMul, cardAdd, // $12-$16
    inverseTable(OCCUPATIONS.map(([, w]) => w), 100), OCCUPATIONS.map(([o]) => o), // $17 $18
    inverseTable(INCOME_BANDS.map(([, w]) => w), 100), INCOME_BANDS.map(([o]) => o), // $19 $20
    inverseTable(SOURCES.map(([, w]) => w), 100), SOURCES.map(([o]) => o), // $21 $22
    inverseTable(PREFERRED_CHANNELS.map(([, w]) => w), 100), PREFERRED_CHANNELS.map(([o]) => o), // $23 $24
    TAGS, SKIN_TYPES, a.anchorTs, // $25 $26 $27
  ];
  const r1 = (s: number) => u('id', s);
  await tx.query(
    `INSERT INTO customers (id, kind, name, mobile, email, gender, birthday, region, city, occupation, income_band, card_no,
        preferred_store_id, preferred_channel, source, tags, attributes, registered_at, created_at, updated_at)
     OVERRIDING SYSTEM VALUE
     SELECT id, 'person', name, mobile,
            CASE WHEN ue < 0.10 THEN mobile || '@163.com'
                 WHEN ue < 0.24 THEN (10000 + (id * 7919 + $1::bigint) % 899990000)::text || '@qq.com'
                 WHEN ue < 0.28 THEN 'm' || right(mobile, 8) || '@126.com'
                 WHEN ue < 0.31 THEN 'member' || id || '@outlook.com'
            END,
            gender, birthday, region, city, occupation, income_band, card_no, store_id, preferred_channel, source, tags, attributes, reg, reg, reg
       FROM (
         SELECT id, gender, ue, store_id, region, city, occupation, income_band, card_no, preferred_channel, source, tags, attributes, birthday,
                greatest(reg0, opened::timestamptz + interval '1 day' + ${r1(19)} * interval '30 days') AS reg,
                ($9::text[])[($8::int[])[${pick(r1(3), '2000')}]]
                  || (CASE WHEN gender = 'male' THEN ($11::text[])[${pick(r1(4), 'cardinality($11::text[])')}] ELSE ($10::text[])[${pick(r1(4), 'cardinality($10::text[])')}] END)
                  || (CASE WHEN ${r1(6)} < 0.22 THEN '' WHEN gender = 'male' THEN ($11::text[])[${pick(r1(5), 'cardinality($11::text[])')}] ELSE ($10::text[])[${pick(r1(5), 'cardinality($10::text[])')}] END) AS name,
                ($12::text[])[1 + (((id - 1) * $13::bigint + $14::bigint) % (cardinality($12::text[]) * 100000000::bigint)) / 100000000]
                  || lpad(((((id - 1) * $13::bigint + $14::bigint) % (cardinality($12::text[]) * 100000000::bigint)) % 100000000)::text, 8, '0') AS mobile
           FROM (
             SELECT id, si, ($4::bigint[])[si] AS store_id, ($5::text[])[si] AS city, ($6::text[])[si] AS region, ($7::date[])[si] AS opened,
                    CASE WHEN ${r1(2)} < 0.66 THEN 'female' WHEN ${r1(2)} < 0.988 THEN 'male' ELSE 'other' END AS gender,
                    ${r1(20)} AS ue,
                    CASE WHEN ${r1(7)} < 0.08 THEN NULL
                         ELSE ($27::timestamptz AT TIME ZONE 'Asia/Shanghai')::date - (18 * 365 + floor(47 * 365 * power(${r1(8)}, 1.8)))::int END AS birthday,
                    ($18::text[])[($17::int[])[${pick(r1(9), '100')}]] AS occupation,
                    ($20::text[])[($19::int[])[${pick(r1(10), '100')}]] AS income_band,
                    ($22::text[])[($21::int[])[${pick(r1(11), '100')}]] AS source,
                    ($24::text[])[($23::int[])[${pick(r1(12), '100')}]] AS preferred_channel,
                    '8' || lpad(((id * $15::bigint + $16::bigint) % 100000000000)::text, 11, '0') AS card_no,
                    CASE WHEN ${r1(13)} < 0.10 THEN ARRAY[($25::text[])[${pick(r1(14), 'cardinality($25::text[])')}]]
                         WHEN ${r1(13)} < 0.14 THEN ARRAY[($25::text[])[${pick(r1(14), 'cardinality($25::text[])')}], ($25::text[])[${pick(r1(15), 'cardinality($25::text[])')}]]
                         ELSE '{}'::text[] END AS tags,
                    CASE WHEN ${r1(16)} < 0.6 THEN jsonb_build_object('skinType', ($26::text[])[${pick(r1(17), 'cardinality($26::text[])')}]) ELSE '{}'::jsonb END AS attributes,
                    $27::timestamptz - (1 + floor(5 * 365 * power(${r1(18)}, 1.3)))::int * interval '1 day'
                      + (36000 + floor(${r1(21)} * 43200)) * interval '1 second' AS reg0
               FROM (SELECT $2::bigint + g AS id, ${pick(u('$2::bigint + g', 1), 'cardinality($4::bigint[])')} AS si FROM generate_series(1, $3::int) g OFFSET 0) s0
             OFFSET 0
           ) s1
       ) s2`,
    params,
  );
  // Two tags drawn alike collapse to one.
  await tx.query(`UPDATE customers SET tags = ARRAY[tags[1]] WHERE id > $1 AND cardinality(tags) = 2 AND tags[1] = tags[2]`, [a.customerBase]);
}

async function insertConsents(tx: Queryable, a: { seed: number; customerBase: number; N: number; anchorTs: string }): Promise<number> {
  const r = await tx.query(
    `INSERT INTO customer_consents (customer_id, channel, granted, source, recorded_at)
     SELECT c.id, ch.channel, true, CASE WHEN c.source IN ('store', 'referral', 'campaign') THEN 'store_registration' ELSE c.source END, c.registered_at
       FROM customers c
       CROSS JOIN (VALUES ('sms', 1, 0.72), ('wechat', 2, 0.55), ('email', 3, 0.6), ('phone', 4, 0.2)) ch(channel, k, share)
      WHERE c.id > $2 AND c.id <= $2 + $3 AND ${u('c.id * 8 + ch.k', 60)} < ch.share AND (ch.channel <> 'email' OR c.email IS NOT NULL)`,
    [a.seed, a.customerBase, a.N],
  );
  // Some members later withdraw their SMS consent: a new row, the grant stays in history.
  const w = await tx.query(
    `INSERT INTO customer_consents (customer_id, channel, granted, source, recorded_at, note)
     SELECT c.customer_id, c.channel, false, 'sms_reply', c.recorded_at + (1 + floor(${u('c.customer_id', 61)} * 300))::int * interval '1 day', '回复TD退订'
       FROM customer_consents c
      WHERE c.customer_id > $2 AND c.customer_id <= $2 + $3 AND c.channel = 'sms' AND ${u('c.customer_id', 62)} < 0.04
        AND c.recorded_at + interval '301 days' < $4::timestamptz`,
    [a.seed, a.customerBase, a.N, a.anchorTs],
  );
  return r.rowCount + w.rowCount;
}

/**
 * Each member's buying: a rate from a gamma distribution (some buy weekly, most a few times a year), a
 * drop-out after a geometric number of purchases, active from registration (or the window's start) until
 * drop-out. The expected counts are scaled so their rounded running sum hits exactly M sales; `first_no`
 * numbers each member's sales so purchase ids are dense and deterministic.
 */
async function planCustomers(tx: Queryable, a: { seed: number; N: number; M: number; customerBase: number; t0: string; days: { weight: number; promo: boolean }[] }) {
  const cw = [0];
  for (const d of a.days) cw.push(cw[cw.length - 1]! + d.weight);
  const perCustomer = a.M / a.N;
  const D = a.days.length;
  await tx.exec('DROP TABLE IF EXISTS gen_plan');
  await tx.query(
    `CREATE TEMP TABLE gen_plan AS
     WITH c AS (
       SELECT id, preferred_store_id AS store_id, registered_at AS reg,
              -- Days from the window's start to registration: negative for members who joined before it.
              least(${D} - 0.01, extract(epoch FROM registered_at - $4::timestamptz)::float8 / 86400.0) AS a0,
              -- Gamma(0.75) by Wilson-Hilferty for shape 1.75 times U^(1/0.75); mean 0.75.
              1.75 * power(greatest(0, 1 - 1 / 15.75 + sqrt(-2 * ln(greatest(${u('id', 101)}, 1e-12))) * cos(2 * pi() * ${u('id', 102)}) * sqrt(1 / 15.75)), 3)
                * power(${u('id', 103)}, 1 / 0.75) / 0.75 AS g,
              -- Drop-out probability after each purchase, Beta(1, b).
              least(0.999, greatest(0.0005, 1 - power(1 - ${u('id', 104)}, 1 / $5::float8))) AS p,
              greatest(${u('id', 105)}, 1e-12) AS uk,
              ${u('id', 106)} < 0.12 AS online,
              ${pick(u('id', 107), String(CATEGORIES.length))} AS fav
         FROM customers WHERE id > $2 AND id <= $2 + $3::bigint
     ), w AS (
       SELECT *, g * $6::float8 * (${D} - a0) AS pot, 1 + floor(ln(uk) / ln(1 - p)) AS k, greatest(a0, 0) AS a FROM c
     ), v AS (
       -- Alive from registration until the k-th purchase; only the part inside the window counts.
       SELECT *, a0 + (${D} - a0) * least(1, k / greatest(pot, 1e-9)) AS b FROM w
     ), x AS (
       SELECT id, store_id, reg, a, online, fav, greatest(b, a) AS b,
              CASE WHEN b <= a THEN 0 ELSE least(pot, k) * (b - a) / (b - a0) END AS w
         FROM v
     ), y AS (
       SELECT *, sum(w) OVER (ORDER BY id) AS cum, sum(w) OVER () AS total FROM x
     ), z AS (
       SELECT *, round($7::float8 * cum / total)::bigint AS upto, round($7::float8 * (cum - w) / total)::bigint AS first_no FROM y
     )
     SELECT id, store_id, reg, online, fav, first_no, upto - first_no AS n,
            ($8::float8[])[1 + least(floor(a)::int, ${D - 1})] + (a - least(floor(a)::int, ${D - 1})) * (($8::float8[])[2 + least(floor(a)::int, ${D - 1})] - ($8::float8[])[1 + least(floor(a)::int, ${D - 1})]) AS ca,
            ($8::float8[])[1 + least(floor(b)::int, ${D - 1})] + (b - least(floor(b)::int, ${D - 1})) * (($8::float8[])[2 + least(floor(b)::int, ${D - 1})] - ($8::float8[])[1 + least(floor(b)::int, ${D - 1})]) AS cb,
            floor(a)::int AS first_day
       FROM z WHERE upto > first_no
      ORDER BY id`,
    [a.seed, a.customerBase, a.N, a.t0, 1.2 * perCustomer, (1.6 * perCustomer) / 450, a.M, cw],
  );
}

interface LineArgs { prodIds: number[]; prodPrices: number[]; prodBoost: number[]; prodInv: number[]; catProdInv: number[] }
const LINE_COUNT_INV = inverseTable([34, 26, 17, 10, 6, 4, 2, 1], 100);
const Q = 32768;

/** Where each statement put the line tables among its parameters. */
interface LineParams { boost: string; inv: string; catInv: string; count: string }

/**
 * One line of a sale, from the purchase id `pid`, the member's favourite category `fav` and the line number `l`:
 * half the lines from the favourite category, the rest by product popularity; the same expressions in the
 * sales statement (for totals) and the lines statement, so totals always equal the sum of the lines.
 */
function lineExprs(pid: string, fav: string, l: string, p: LineParams) {
  const key = `(${pid}) * 16 + ${l}`;
  const idx = `(CASE WHEN ${u(key, 40)} < 0.5 THEN (${p.catInv}::int[])[(${fav} - 1) * 1000 + ${pick(u(key, 41), '1000')}] ELSE (${p.inv}::int[])[${pick(u(key, 41), '4000')}] END)`;
  const qty = `(1 + (${u(key, 42)} < 0.08 * (${p.boost}::float8[])[idx])::int + (${u(key, 42)} < 0.015 * (${p.boost}::float8[])[idx])::int)`;
  return { idx, qty };
}
const lineCount = (pid: string, p: LineParams) => `(${p.count}::int[])[${pick(u(pid, 22), '100')}]`;

async function insertSales(tx: Queryable, a: { seed: number; purchaseBase: number; t0: string; days: { weight: number; promo: boolean }[]; stores: { id: number }[] } & LineArgs): Promise<number> {
  const total = a.days.reduce((s, d) => s + d.weight, 0);
  const dayInv = inverseTable(a.days.map((d) => d.weight), Q).map((i) => i - 1);
  const lp: LineParams = { boost: '$4', inv: '$5', catInv: '$6', count: '$7' };
  const { idx, qty } = lineExprs('p.pid', 'p.fav', 'l', lp);
  const r = await tx.query(
    `INSERT INTO purchases (customer_id, id, kind, store_id, channel, source, external_id, purchased_at, total_fen, discount_fen, paid_fen, item_count, created_at)
     OVERRIDING SYSTEM VALUE
     SELECT cid, pid, 'sale', store_id, channel,
            CASE channel WHEN 'store' THEN 'pos' WHEN 'online' THEN 'mall' ELSE channel END,
            'D' || pid, ts, total, disc, total - disc, items, ts
       FROM (
         SELECT cid, pid, ts, channel, total, items,
                CASE WHEN channel = 'store' AND ${u('pid', 24)} < 0.85 THEN pref
                     WHEN channel = 'store' THEN ($12::bigint[])[${pick(u('pid', 25), 'cardinality($12::bigint[])')}]
                     WHEN channel = 'mini_program' THEN pref END AS store_id,
                CASE WHEN ${u('pid', 23)} < 0.12 THEN total * 5 / 100
                     WHEN ${u('pid', 23)} < 0.20 THEN total / 10
                     WHEN ${u('pid', 23)} < 0.25 THEN least(total / 2, 2000)
                     ELSE 0 END AS disc
           FROM (
             SELECT p.cid, p.pid, p.pref, t.total, t.items,
                    greatest(p.reg + interval '10 minutes', $8::timestamptz + day * interval '1 day' + (($13::int[])[${pick(u('p.pid', 27), '100')}] * 3600 + floor(${u('p.pid', 28)} * 3600)) * interval '1 second') AS ts,
                    CASE WHEN ${u('p.pid', 21)} < (CASE WHEN p.online THEN 0.15 ELSE 0.8 END) * (CASE WHEN ($11::boolean[])[1 + day] THEN 0.65 ELSE 1 END) THEN 'store'
                         WHEN ${u('p.pid', 26)} < 0.5 THEN 'online' WHEN ${u('p.pid', 26)} < 0.75 THEN 'app' ELSE 'mini_program' END AS channel
               FROM (
                 SELECT c.id AS cid, c.store_id AS pref, c.reg, c.online, c.fav, $2::bigint + c.first_no + k AS pid,
                        greatest(c.first_day, ($10::int[])[1 + least(${Q - 1}, floor((c.ca + ${u('$2::bigint + c.first_no + k', 29)} * (c.cb - c.ca)) / $9::float8 * ${Q})::int)]) AS day
                   FROM gen_plan c CROSS JOIN LATERAL generate_series(1, c.n) k
                 OFFSET 0
               ) p
               CROSS JOIN LATERAL (
                 SELECT sum(qty * ($3::bigint[])[idx])::bigint AS total, sum(qty)::int AS items
                   FROM (SELECT idx, ${qty} AS qty FROM (SELECT ${idx} AS idx, l FROM generate_series(1, ${lineCount('p.pid', lp)}) l OFFSET 0) l0) l1
               ) t
             OFFSET 0
           ) q
       ) q2`,
    [a.seed, a.purchaseBase, a.prodPrices, a.prodBoost, a.prodInv, a.catProdInv, LINE_COUNT_INV,
      a.t0, total, dayInv, a.days.map((d) => d.promo), a.stores.map((s) => s.id), inverseTable(HOUR_WEIGHTS, 100).map((h) => h - 1)],
  );
  return r.rowCount;
}

async function insertSaleLines(tx: Queryable, a: { seed: number; purchaseBase: number } & LineArgs): Promise<number> {
  const lp: LineParams = { boost: '$5', inv: '$6', catInv: '$7', count: '$8' };
  const { idx, qty } = lineExprs('x.pid', 'x.fav', 'x.l', lp);
  const r = await tx.query(
    `INSERT INTO purchase_lines (customer_id, purchase_id, line_no, product_id, sku, category, quantity, unit_price_fen, amount_fen)
     SELECT y.cid, y.pid, y.l, p.id, p.sku, p.category, y.qty, ($4::bigint[])[y.idx], y.qty * ($4::bigint[])[y.idx]
       FROM (
         SELECT x.cid, x.pid, x.l, idx, ${qty} AS qty
           FROM (
             SELECT x.cid, x.pid, x.l, ${idx} AS idx
               FROM (
                 SELECT c.id AS cid, c.fav, $2::bigint + c.first_no + k AS pid, l
                   FROM gen_plan c CROSS JOIN LATERAL generate_series(1, c.n) k
                   CROSS JOIN LATERAL generate_series(1, ${lineCount('$2::bigint + c.first_no + k', lp)}) l
               ) x
             OFFSET 0
           ) x
       ) y
       JOIN products p ON p.id = ($3::bigint[])[y.idx]`,
    [a.seed, a.purchaseBase, a.prodIds, a.prodPrices, a.prodBoost, a.prodInv, a.catProdInv, LINE_COUNT_INV],
  );
  return r.rowCount;
}

/** About 1 % of sales come back within 15 days, whole: a new row of kind 'return' with negated amounts and lines. */
async function insertReturns(tx: Queryable, a: { seed: number; purchaseBase: number; M: number; anchorTs: string }) {
  const r = await tx.query(
    `INSERT INTO purchases (customer_id, id, kind, original_purchase_id, store_id, channel, source, external_id, purchased_at, total_fen, discount_fen, paid_fen, item_count, created_at)
     OVERRIDING SYSTEM VALUE
     SELECT customer_id, rid, 'return', id, store_id, channel, source, 'R' || rid, ret_at, -total_fen, -discount_fen, -paid_fen, -item_count, ret_at
       FROM (
         SELECT s.*, $2::bigint + $3::bigint + row_number() OVER (ORDER BY s.id) AS rid,
                s.purchased_at + (1 + floor(${u('s.id', 51)} * 13)) * interval '1 day' + floor(${u('s.id', 52)} * 36000) * interval '1 second' AS ret_at
           FROM purchases s
          WHERE s.id > $2 AND s.id <= $2 + $3::bigint AND s.kind = 'sale' AND ${u('s.id', 50)} < 0.011
       ) s
      WHERE ret_at < $4::timestamptz`,
    [a.seed, a.purchaseBase, a.M, a.anchorTs],
  );
  const l = await tx.query(
    `INSERT INTO purchase_lines (customer_id, purchase_id, line_no, product_id, sku, category, quantity, unit_price_fen, amount_fen)
     SELECT r.customer_id, r.id, l.line_no, l.product_id, l.sku, l.category, -l.quantity, l.unit_price_fen, -l.amount_fen
       FROM purchases r JOIN purchase_lines l ON l.customer_id = r.customer_id AND l.purchase_id = r.original_purchase_id
      WHERE r.id > $1::bigint + $2::bigint AND r.kind = 'return'`,
    [a.purchaseBase, a.M],
  );
  return { returns: r.rowCount, lines: l.rowCount };
}

/** Demo logins for a few roles, each with a generated password shown once and changed at first login. */
async function createDemoStaff(db: Db): Promise<{ username: string; role: Role; password: string }[]> {
  const stores = (await db.query(`SELECT id, code FROM stores WHERE code IN ('SH001', 'BJ001') ORDER BY code DESC`)).rows;
  const wanted: { username: string; displayName: string; role: Role; storeIds: number[] }[] = [
    { username: 'manager.demo', displayName: '王经理', role: 'manager', storeIds: [] },
    { username: 'marketer.demo', displayName: '李晓雯', role: 'marketer', storeIds: [] },
    { username: 'agent.demo', displayName: '陈客服', role: 'agent', storeIds: [] },
    { username: 'sh001.staff', displayName: '张店员', role: 'store_staff', storeIds: stores.filter((s) => s.code === 'SH001').map((s) => Number(s.id)) },
  ];
  const out = [];
  for (const w of wanted) {
    const exists = await db.query('SELECT 1 FROM staff_accounts WHERE lower(username) = lower($1)', [w.username]);
    if (exists.rows.length || (w.role === 'store_staff' && !w.storeIds.length)) continue;
    const password = `Demo-${randomBytes(6).toString('base64url')}7`;
    await createStaff(db, SYSTEM_ACTOR, { ...w, password });
    out.push({ username: w.username, role: w.role, password });
  }
  return out;
}

/**
 * For benchmarks: a database holding a chain of this size, reusing one already generated when its marker
 * matches (`minPurchases` lets a members-only bench reuse a full dataset), otherwise recreating it.
 */
export async function benchChain(opts: { url?: string; customers: number; purchases: number; minPurchases?: number; seed?: number; poolSize?: number; log?: (s: string) => void }): Promise<{ db: Db; summary: ChainSummary; reused: boolean }> {
  const url = opts.url ?? BENCH_URL;
  const log = opts.log ?? console.log;
  const seed = opts.seed ?? 2026;
  const fits = (m: ChainSummary | null) =>
    m != null && m.version === GENERATOR_VERSION && m.customers === opts.customers && m.seed === seed &&
    (opts.minPurchases !== undefined ? m.purchases >= opts.minPurchases : m.purchases === opts.purchases);
  let db = await benchDb({ url, poolSize: opts.poolSize });
  const marker = await readMarker(db);
  if (fits(marker)) {
    if ((await db.query('SELECT 1 FROM customer_activity LIMIT 1')).rows.length === 0) {
      log('building the activity roll-up the generator now makes (dataset from an older run)');
      await db.tx((tx) => rebuildActivity(tx));
      await db.exec('VACUUM ANALYZE customer_activity');
    }
    log(`reusing the generated chain in ${url} (${marker!.customers.toLocaleString('en')} customers, ${marker!.purchases.toLocaleString('en')} purchases, generated ${marker!.generatedAt})`);
    return { db, summary: marker!, reused: true };
  }
  const used = Number((await db.query('SELECT count(*) AS n FROM (SELECT 1 FROM customers LIMIT 1) x')).rows[0].n) > 0;
  if (used) {
    await db.close();
    if (!url.startsWith('postgres')) rmSync(url, { recursive: true, force: true });
    db = await benchDb({ url, fresh: true, poolSize: opts.poolSize });
  }
  log(`generating ${opts.customers.toLocaleString('en')} customers and ${opts.purchases.toLocaleString('en')} purchases into ${url}`);
  const summary = await generateChain(db, { customers: opts.customers, purchases: opts.purchases, seed, log });
  log(`generated in ${summary.seconds} s: ${summary.sales.toLocaleString('en')} sales, ${summary.returns.toLocaleString('en')} returns, ${summary.lines.toLocaleString('en')} lines, ${summary.consents.toLocaleString('en')} consent rows`);
  return { db, summary, reused: false };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function count(args: string[], name: string, dflt: number): number {
  const v = flag(args, name);
  if (v === undefined) return dflt;
  const n = Number(v.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name} must be a whole number, got ${v}`);
    process.exit(2);
  }
  return n;
}

async function cli(args: string[]) {
  const seed = count(args, '--seed', 2026);
  if (args.includes('--demo')) {
    let config;
    try {
      config = loadConfig();
    } catch (err) {
      if (err instanceof ConfigError) { console.error(err.message); process.exit(2); }
      throw err;
    }
    const db = openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    await migrate(db);
    const where = config.databaseUrl ? 'the PostgreSQL database at DATABASE_URL' : `the embedded database in ${config.dataDir}`;
    const existing = Number((await db.query('SELECT count(*) AS n FROM customers')).rows[0].n);
    if (existing > 0 && !args.includes('--force')) {
      console.log(`${where} already holds ${existing.toLocaleString('en')} customers, so the demo chain was not added.`);
      console.log('Run `npm run demo -- --force` to add it anyway, or point PATRON_DATA_DIR at an empty folder.');
      await db.close();
      process.exit(1);
    }
    const customers = count(args, '--customers', 10_000);
    const purchases = count(args, '--purchases', 200_000);
    console.log(`Generating the demo chain into ${where}: ${customers.toLocaleString('en')} members, ${purchases.toLocaleString('en')} purchases…`);
    const s = await generateChain(db, { customers, purchases, seed, log: console.log });
    console.log(`Done in ${s.seconds} s: ${s.stores} stores, ${s.products} products, ${s.customers.toLocaleString('en')} members, ${s.sales.toLocaleString('en')} sales, ${s.returns.toLocaleString('en')} returns, ${s.lines.toLocaleString('en')} lines.`);
    // Score the demo chain once, so the value and churn pages have something to show before the first night.
    const scored = await runScoring(db, { timezone: config.timezone, trigger: 'manual', requestedBy: 'npm run demo' });
    console.log(`Scored ${scored.customers.toLocaleString('en')} customers (RFM, value grade, BG/NBD and Gamma-Gamma).`);
    // The chain's purchases were written without the booking API: award their points now, as bookings would have.
    const b = await backfillPoints(db, { timeZone: config.timezone, log: console.log });
    console.log(`Awarded points in ${b.seconds} s: ${b.pointsEarned.toLocaleString('en')} for ${b.sales.toLocaleString('en')} sales, ${b.pointsReversed.toLocaleString('en')} taken back for ${b.returns.toLocaleString('en')} returns, ${b.expiry?.points.toLocaleString('en') ?? 0} expired since (${b.members.toLocaleString('en')} members).`);
    await evaluateAllTiers(db, { timeZone: config.timezone });
    console.log('Evaluated loyalty tiers from two years of purchases.');
    const staff = await createDemoStaff(db);
    if (staff.length) {
      console.log('\n  Demo staff accounts (passwords shown once; each must be changed at first login):');
      for (const a of staff) console.log(`    ${a.username.padEnd(14)} ${a.role.padEnd(12)} ${a.password}`);
      console.log('');
    }
    await db.close();
    return;
  }
  const customers = count(args, '--customers', -1);
  const purchases = count(args, '--purchases', 0);
  if (customers < 0) {
    console.error('usage: tsx bench/generate.ts --demo [--force]\n       tsx bench/generate.ts --customers N [--purchases M] [--url postgres://…|DIR] [--fresh] [--seed S]');
    process.exit(2);
  }
  const url = flag(args, '--url') ?? BENCH_URL;
  if (args.includes('--fresh')) {
    if (!url.startsWith('postgres')) rmSync(url, { recursive: true, force: true });
    await (await benchDb({ url, fresh: true })).close();
  }
  const { db } = await benchChain({ url, customers, purchases, seed });
  await db.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await cli(process.argv.slice(2));
}
