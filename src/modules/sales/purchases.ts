import { insertRows, prepared, queueWrite, type Db, type Queryable } from '../../db/client.ts';
import { requestHash } from '../../db/idempotency.ts';
import { AppError, badRequest, conflict, fieldErrors, forbidden, type BilingualFieldProblem } from '../../http/errors.ts';
import { normaliseMobile } from '../../lib/phone.ts';
import { inStoreScope, type Actor } from '../staff/index.ts';
import { notifyPurchasesRecorded, readAheadForNewSales, type RecordedPurchase } from './events.ts';
import { catalogueCacheOf, emptyCatalogueFound, type CatalogueAsk, type CatalogueCache, type CatalogueFound } from './catalogue-cache.ts';
import { MAX_BATCH, fastPurchase, priceBasket, purchaseInput, type ParsedPurchase, type PricedBasket, type PurchaseInput } from './basket.ts';

/** A booked purchase (or return) as the API answers it; listeners add their part under their own name, e.g. `loyalty`. */
export interface PurchaseAnswer {
  id: number;
  kind: 'sale' | 'return';
  originalPurchaseId: number | null;
  customerId: number;
  storeId: number | null;
  channel: string;
  source: string;
  externalId: string;
  purchasedAt: string;
  totalFen: number;
  discountFen: number;
  paidFen: number;
  itemCount: number;
  lines: { lineNo: number; sku: string; productId: number | null; category: string; quantity: number; unitPriceFen: number; amountFen: number }[];
  [listener: string]: unknown;
}

/** One item's outcome: created now, the stored first answer of an earlier identical booking, or rejected. */
export type BookResult =
  | { index: number; status: 'created'; purchase: PurchaseAnswer }
  | { index: number; status: 'replayed'; purchase: PurchaseAnswer }
  | { index: number; status: 'rejected'; error: AppError };

export interface BookOptions {
  /** Prefix for field paths in per-item errors, e.g. 'purchases' gives 'purchases.3.lines.0.quantity'. Default: none. */
  pathPrefix?: string;
  /** The inputs already passed `purchaseInput` (the single-purchase route's body schema): only the basket rules run. */
  parsed?: boolean;
}

const zh: Record<string, string> = {
  invalid_type: '类型不正确', too_small: '太短或太小', too_big: '太长或太大', invalid_format: '格式不正确',
  unrecognized_keys: '包含未知字段', invalid_value: '取值不在允许范围内', custom: '取值无效',
};
const zhFor = (code: string, message: string) =>
  message === 'must be a whole number of fen' ? '必须是整数（分）' : message === 'must not be negative' ? '不能为负数' : (zh[code] ?? '取值无效');

const keyReused = () =>
  conflict('IDEMPOTENCY_KEY_REUSED', 'This source and externalId were already booked with a different content.', '该来源和外部单号已用于另一笔内容不同的记录。');
const notFoundCode = (code: string, path: string, en: string, zhText: string) =>
  new AppError(404, code, { en, zh: zhText }, [{ path, en, zh: zhText }]);
const outOfScope = () => forbidden('STORE_OUT_OF_SCOPE', 'You may only book purchases for your own stores.', '您只能为自己的门店记录消费。');

/** Parses one item with the shared schema and basket rules; problems come back with the item's field paths. */
export function validatePurchase(raw: unknown, prefix: string, now = Date.now(), parsed = false): { parsed: ParsedPurchase; basket: PricedBasket; mobile: string | null } | AppError {
  const fast = parsed ? (raw as ParsedPurchase) : fastPurchase(raw);
  const r = fast ? { success: true as const, data: fast } : purchaseInput.safeParse(raw);
  const at = (p: string) => [prefix, p].filter(Boolean).join('.') || '(body)';
  if (!r.success) {
    const fields: BilingualFieldProblem[] = [];
    for (const issue of r.error.issues) {
      const base = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        for (const k of (issue as any).keys as string[]) fields.push({ path: at(base ? `${base}.${k}` : k), en: 'unknown field', zh: '未知字段' });
      } else fields.push({ path: at(base), en: issue.message, zh: zhFor(issue.code, issue.message) });
    }
    return fieldErrors(fields);
  }
  const { basket, problems } = priceBasket(r.data, now);
  let mobile: string | null = null;
  if (r.data.mobile !== undefined) {
    mobile = normaliseMobile(r.data.mobile);
    if (!mobile) problems.push({ path: 'mobile', en: 'is not a valid China mobile number', zh: '不是有效的中国大陆手机号' });
  }
  if (problems.length || !basket) return fieldErrors(problems.map((p) => ({ ...p, path: at(p.path) })));
  return { parsed: r.data, basket, mobile };
}

interface Good {
  index: number;
  parsed: ParsedPurchase;
  basket: PricedBasket;
  mobile: string | null;
  hash: string;
  /** (source, externalId) as one string: what replays, sorting and the inserted ids are matched by. */
  key: string;
  customerId?: number;
  storeId?: number | null;
  productIds?: (number | null)[];
  categories?: string[];
}

const keyOf = (source: string, externalId: string) => `${source}\u0000${externalId}`;

/**
 * Books sales in bulk (1 to 1,000), set-based: the good items commit together in one transaction, each bad
 * item is rejected on its own with a status, a code and field paths. Idempotent by (source, externalId): an
 * identical retry — also a concurrent one — gets the first answer back as 'replayed' and is never counted
 * twice; the same key with different content is a 409. Listeners (`onPurchasesRecorded`) run once per batch
 * inside the transaction, and what they answered is stored with the key, so a replay repeats it.
 * Statements per batch: one lookup (stored keys, customers, stores, products), one insert of purchases with
 * their lines (the listeners' read-ahead of the members goes in the same round trip), one insert of the keys —
 * plus the listeners' own.
 */
export async function bookPurchases(db: Db, actor: Actor, inputs: (PurchaseInput | unknown)[], opts: BookOptions = {}): Promise<BookResult[]> {
  if (inputs.length > MAX_BATCH) throw badRequest('BATCH_TOO_LARGE', `At most ${MAX_BATCH} purchases per request.`, `每次最多 ${MAX_BATCH} 笔消费。`);
  const results: (BookResult | undefined)[] = new Array(inputs.length);
  const reject = (index: number, error: AppError) => (results[index] = { index, status: 'rejected', error });
  const now = Date.now();
  const good: Good[] = [];
  const firstByKey = new Map<string, number>();
  const repeats: { index: number; first: number; hash: string }[] = [];
  inputs.forEach((raw, index) => {
    const prefix = opts.pathPrefix ? `${opts.pathPrefix}.${index}` : '';
    const v = validatePurchase(raw, prefix, now, opts.parsed);
    if (v instanceof AppError) return reject(index, v);
    // The purchase as booked, its mobile normalised; copied only when that changes it (a copy that adds a key is slow in V8).
    const hash = requestHash(v.mobile === null || v.parsed.mobile === v.mobile ? v.parsed : { ...v.parsed, mobile: v.mobile });
    const key = keyOf(v.parsed.source, v.parsed.externalId);
    const first = firstByKey.get(key);
    if (first !== undefined) return repeats.push({ index, first, hash });
    firstByKey.set(key, good.length);
    good.push({ index, ...v, hash, key });
  });

  return db.tx(async (tx) => {
    // Every statement here probes indexes by key, so planning each batch anew buys nothing: it cost more than running them.
    await queueWrite(tx, 'SET LOCAL plan_cache_mode = force_generic_plan');
    if (good.length) {
      const found = await lookupBatch(tx, good, catalogueCacheOf(db));
      const fresh = await settleReplays(tx, good, found.keys, results, reject);
      const ready = resolveReferences(actor, fresh, found, opts, reject);
      if (ready.length) {
        const { lost } = await insertSales(tx, ready, results);
        if (lost.length) {
          const keys = await storedKeys(tx, lost.map((g) => [g.parsed.source, g.parsed.externalId]));
          const unsettled = await settleReplays(tx, lost, keys, results, reject);
          for (const g of unsettled) reject(g.index, keyReused());
        }
      }
    }
    for (const r of repeats) {
      const first = results[good[r.first]!.index]!;
      if (r.hash !== good[r.first]!.hash) reject(r.index, keyReused());
      else if (first.status === 'rejected') results[r.index] = { ...first, index: r.index };
      else results[r.index] = { index: r.index, status: 'replayed', purchase: first.purchase };
    }
    return results as BookResult[];
  });
}

interface StoredKey { hash: string; customerId: number; purchaseId: number; extras: Record<string, unknown> }

/** Items whose key is already booked become replays (or 409s when the content differs); the rest come back. */
async function settleReplays(q: Queryable, items: Good[], keys: Map<string, StoredKey>, results: (BookResult | undefined)[], reject: (i: number, e: AppError) => void): Promise<Good[]> {
  const fresh: Good[] = [];
  const replays: { g: Good; k: StoredKey }[] = [];
  for (const g of items) {
    const k = keys.get(g.key);
    if (!k) fresh.push(g);
    else if (k.hash !== g.hash) reject(g.index, keyReused());
    else replays.push({ g, k });
  }
  if (replays.length) {
    const answers = await storedPurchaseAnswers(q, replays.map(({ k }) => k));
    for (const { g, k } of replays) results[g.index] = { index: g.index, status: 'replayed', purchase: answers.get(k.purchaseId)! };
  }
  return fresh;
}

async function storedKeys(q: Queryable, keys: [string, string][]): Promise<Map<string, StoredKey>> {
  const r = await q.query(
    prepared(`SELECT k.source, k.external_id, k.request_hash, k.customer_id, k.purchase_id, k.extras
       FROM unnest($1::text[], $2::text[]) AS x(source, external_id)
       CROSS JOIN LATERAL (SELECT * FROM purchase_keys k WHERE k.source = x.source AND k.external_id = x.external_id) k`),
    [keys.map((k) => k[0]), keys.map((k) => k[1])],
  );
  return new Map(r.rows.map((row: any) => [keyOf(row.source, row.external_id), { hash: row.request_hash, customerId: row.customer_id, purchaseId: row.purchase_id, extras: row.extras }]));
}

/** The answer of a booked purchase or return, in one fixed shape whether it is built at booking or on a replay. */
export function answerOf(
  p: { id: number; kind: 'sale' | 'return'; originalPurchaseId: number | null; customerId: number; storeId: number | null; channel: string; source: string; externalId: string; purchasedAt: Date; totalFen: number; discountFen: number; paidFen: number; itemCount: number },
  lines: PurchaseAnswer['lines'],
  extras: Record<string, unknown> | undefined,
): PurchaseAnswer {
  return {
    id: p.id, kind: p.kind, originalPurchaseId: p.originalPurchaseId, customerId: p.customerId, storeId: p.storeId, channel: p.channel,
    source: p.source, externalId: p.externalId, purchasedAt: p.purchasedAt.toISOString(), totalFen: p.totalFen, discountFen: p.discountFen,
    paidFen: p.paidFen, itemCount: p.itemCount,
    lines: lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, productId: l.productId, category: l.category, quantity: l.quantity, unitPriceFen: l.unitPriceFen, amountFen: l.amountFen })),
    ...(p.kind === 'return' ? { refundFen: -p.paidFen } : {}),
    ...extras,
  };
}

/** Rebuilds stored answers from the append-only rows and the listeners' stored part: two statements for any number. */
export async function storedPurchaseAnswers(q: Queryable, keys: { customerId: number; purchaseId: number; extras: Record<string, unknown> }[]): Promise<Map<number, PurchaseAnswer>> {
  const customerIds = keys.map((k) => k.customerId);
  const ids = keys.map((k) => k.purchaseId);
  const ps = await q.query(
    prepared(`SELECT p.id, p.kind, p.original_purchase_id AS "originalPurchaseId", p.customer_id AS "customerId", p.store_id AS "storeId", p.channel, p.source,
            p.external_id AS "externalId", p.purchased_at AS "purchasedAt", p.total_fen AS "totalFen", p.discount_fen AS "discountFen",
            p.paid_fen AS "paidFen", p.item_count AS "itemCount"
       FROM unnest($1::bigint[], $2::bigint[]) AS x(c, id) JOIN purchases p ON p.customer_id = x.c AND p.id = x.id`),
    [customerIds, ids],
  );
  const ls = await q.query(
    prepared(`SELECT l.purchase_id AS "purchaseId", l.line_no AS "lineNo", l.sku, l.product_id AS "productId", l.category, l.quantity,
            l.unit_price_fen AS "unitPriceFen", l.amount_fen AS "amountFen"
       FROM unnest($1::bigint[], $2::bigint[]) AS x(c, id) JOIN purchase_lines l ON l.customer_id = x.c AND l.purchase_id = x.id
      ORDER BY l.purchase_id, l.line_no`),
    [customerIds, ids],
  );
  const lines = new Map<number, PurchaseAnswer['lines']>();
  for (const { purchaseId, ...l } of ls.rows) lines.set(purchaseId, [...(lines.get(purchaseId) ?? []), l]);
  const extras = new Map(keys.map((k) => [k.purchaseId, k.extras]));
  return new Map(ps.rows.map((p: any) => [p.id, answerOf({ ...p, purchasedAt: new Date(p.purchasedAt) }, lines.get(p.id) ?? [], extras.get(p.id))]));
}

interface BatchLookup extends CatalogueFound {
  keys: Map<string, StoredKey>;
  customers: { byId: Map<number, number>; byMobile: Map<string, number>; byCard: Map<string, number> };
}

/**
 * Everything a batch needs to know in one round trip: keys already booked, customers (by id or card number —
 * a merged one resolves to the customer it was merged into — or by an active customer's mobile), and the stores and
 * products the cache could not answer, with the catalogue's version. Should the version have moved since the cache
 * answered, a second round trip asks for all of the batch's stores and products.
 */
async function lookupBatch(q: Queryable, items: Good[], catalogue: CatalogueCache): Promise<BatchLookup> {
  const ids = new Set<number>(), mobiles = new Set<string>(), cards = new Set<string>(), storeIds = new Set<number>(), storeCodes = new Set<string>(), skus = new Set<string>();
  for (const g of items) {
    if (g.parsed.customerId !== undefined) ids.add(g.parsed.customerId);
    if (g.mobile) mobiles.add(g.mobile);
    if (g.parsed.cardNo !== undefined) cards.add(g.parsed.cardNo);
    if (g.parsed.storeId !== undefined) storeIds.add(g.parsed.storeId);
    if (g.parsed.storeCode !== undefined) storeCodes.add(g.parsed.storeCode);
    for (const l of g.basket.lines) skus.add(l.sku);
  }
  const cached = catalogue.split(storeIds, storeCodes, skus);
  const out = await lookupStatement(q, items, { ids, mobiles, cards }, cached.ask);
  catalogue.learn(out.version, cached.ask, out);
  if (cached.fromCache && cached.version !== out.version) {
    const ask = { storeIds: [...storeIds], storeCodes: [...storeCodes], skus: [...skus] };
    const fresh = await lookupStatement(q, [], { ids: new Set(), mobiles: new Set(), cards: new Set() }, ask);
    catalogue.learn(fresh.version, ask, fresh);
    return { ...out, storeById: fresh.storeById, storeByCode: fresh.storeByCode, productBySku: fresh.productBySku };
  }
  for (const id of cached.found.storeById) out.storeById.add(id);
  for (const [code, id] of cached.found.storeByCode) out.storeByCode.set(code, id);
  for (const [sku, product] of cached.found.productBySku) out.productBySku.set(sku, product);
  return out;
}

/** The batch's lookup statement: the items' keys, the customers they name, the stores and products asked, and the catalogue's version. */
async function lookupStatement(
  q: Queryable, items: Good[], named: { ids: Set<number>; mobiles: Set<string>; cards: Set<string> }, ask: CatalogueAsk,
): Promise<BatchLookup & { version: number }> {
  const { ids, mobiles, cards } = named;
  const r = await q.query(
    prepared(`WITH RECURSIVE found AS (
       -- One branch per way of naming a customer, so each probes its own index instead of one OR scanning them all.
       SELECT id AS asked, id, status, merged_into, mobile, card_no, false AS by_mobile, 0 AS depth FROM customers WHERE id = ANY($3::bigint[])
       UNION ALL
       SELECT id, id, status, merged_into, mobile, card_no, true, 0 FROM customers WHERE mobile = ANY($4::text[]) AND status = 'active'
       UNION ALL
       -- A mobile no active customer holds, but a record merged away did: the one merged last (as the till's lookup finds it).
       (SELECT DISTINCT ON (m.mobile) m.id, m.id, m.status, m.merged_into, m.mobile, m.card_no, true, 0 FROM customers m
         WHERE m.mobile = ANY($4::text[]) AND m.status = 'merged'
           AND NOT EXISTS (SELECT 1 FROM customers a WHERE a.mobile = m.mobile AND a.status = 'active')
         ORDER BY m.mobile, m.updated_at DESC, m.id DESC)
       UNION ALL
       SELECT id, id, status, merged_into, mobile, card_no, false, 0 FROM customers WHERE card_no = ANY($5::text[])
       UNION ALL
       -- The mobile travels to the survivor only when it was what the record was found by.
       SELECT f.asked, c.id, c.status, c.merged_into, CASE WHEN f.by_mobile THEN f.mobile END, f.card_no, f.by_mobile, f.depth + 1
         FROM found f JOIN customers c ON c.id = f.merged_into WHERE f.status = 'merged' AND f.depth < 10)
     SELECT 'k' AS t, k.source AS a, k.external_id AS b, k.request_hash AS h, k.customer_id AS n, k.purchase_id AS m, k.extras AS x
       FROM unnest($1::text[], $2::text[]) AS u(source, external_id)
       -- One probe per key, however few keys the planner believes there are (the table grows with every booking).
       CROSS JOIN LATERAL (SELECT * FROM purchase_keys k WHERE k.source = u.source AND k.external_id = u.external_id) k
     UNION ALL
     SELECT 'c', mobile, card_no, NULL, asked, id, NULL FROM found WHERE status = 'active'
     UNION ALL
     -- Two branches, not one OR: with the OR, generic plans read every store and compared it with every code asked.
     SELECT 's', code, NULL, NULL, id, NULL, NULL FROM stores WHERE id = ANY($6::bigint[])
     UNION ALL
     SELECT 's', code, NULL, NULL, id, NULL, NULL FROM stores WHERE code = ANY($7::text[])
     UNION ALL
     SELECT 'p', sku, category, NULL, id, NULL, NULL FROM products WHERE sku = ANY($8::text[])
     UNION ALL
     SELECT 'v', NULL, NULL, NULL, version, NULL, NULL FROM catalogue_version`),
    [items.map((g) => g.parsed.source), items.map((g) => g.parsed.externalId), [...ids], [...mobiles], [...cards], ask.storeIds, ask.storeCodes, ask.skus],
  );
  const out = { keys: new Map(), customers: { byId: new Map(), byMobile: new Map(), byCard: new Map() }, ...emptyCatalogueFound(), version: 0 };
  for (const row of r.rows) {
    if (row.t === 'k') out.keys.set(keyOf(row.a, row.b), { hash: row.h, customerId: row.n, purchaseId: row.m, extras: row.x });
    else if (row.t === 'c') {
      if (ids.has(row.n)) out.customers.byId.set(row.n, row.m);
      if (row.a && mobiles.has(row.a) && !out.customers.byMobile.has(row.a)) out.customers.byMobile.set(row.a, row.m);
      if (row.b && cards.has(row.b)) out.customers.byCard.set(row.b, row.m);
    } else if (row.t === 's') {
      out.storeById.add(row.n);
      out.storeByCode.set(row.a, row.n);
    } else if (row.t === 'p') out.productBySku.set(row.a, { id: row.n, category: row.b });
    else out.version = row.n;
  }
  return out;
}

/** Items whose customer, store or product does not resolve, or whose store is outside the caller's scope, are rejected. */
function resolveReferences(actor: Actor, items: Good[], found: BatchLookup, opts: BookOptions, reject: (i: number, e: AppError) => void): Good[] {
  const { customers } = found;
  const kept: Good[] = [];
  for (const g of items) {
    const at = (p: string) => (opts.pathPrefix ? `${opts.pathPrefix}.${g.index}.${p}` : p);
    const p = g.parsed;
    const customerId =
      p.customerId !== undefined ? customers.byId.get(p.customerId) : g.mobile ? customers.byMobile.get(g.mobile) : customers.byCard.get(p.cardNo!);
    if (customerId === undefined) {
      const field = p.customerId !== undefined ? 'customerId' : g.mobile ? 'mobile' : 'cardNo';
      reject(g.index, notFoundCode('CUSTOMER_NOT_FOUND', at(field), 'no such customer', '没有这个会员'));
      continue;
    }
    let storeId: number | null = null;
    if (p.storeId !== undefined || p.storeCode !== undefined) {
      const s = p.storeId !== undefined ? (found.storeById.has(p.storeId) ? p.storeId : undefined) : found.storeByCode.get(p.storeCode!);
      if (s === undefined) {
        reject(g.index, notFoundCode('STORE_NOT_FOUND', at(p.storeId !== undefined ? 'storeId' : 'storeCode'), 'no such store', '没有这个门店'));
        continue;
      }
      storeId = s;
    }
    if (!inStoreScope(actor, storeId)) {
      reject(g.index, outOfScope());
      continue;
    }
    const productIds: (number | null)[] = [];
    const categories: string[] = [];
    let unknown = -1;
    g.basket.lines.forEach((l, i) => {
      const prod = found.productBySku.get(l.sku);
      if (prod) {
        productIds.push(prod.id);
        categories.push(prod.category);
      } else if (l.category !== undefined) {
        productIds.push(null);
        categories.push(l.category);
      } else if (unknown < 0) unknown = i;
    });
    if (unknown >= 0) {
      reject(g.index, notFoundCode('PRODUCT_NOT_FOUND', at(`lines.${unknown}.sku`), 'no product with this sku (give a category to book it anyway)', '没有这个商品编码（可提供 category 照常记录）'));
      continue;
    }
    g.customerId = customerId;
    g.storeId = storeId;
    g.productIds = productIds;
    g.categories = categories;
    kept.push(g);
  }
  return kept;
}

/**
 * Inserts the batch's purchases (claiming their keys) and their lines in one statement, runs the listeners and
 * stores the keys; keys another transaction took meanwhile come back as `lost`.
 */
async function insertSales(tx: Queryable, items: Good[], results: (BookResult | undefined)[]): Promise<{ lost: Good[] }> {
  // A fixed order, so two batches sharing keys wait on each other instead of deadlocking.
  const sorted = [...items].sort((a, b) => (a.key < b.key ? -1 : 1));
  // Lines name their purchase by its place in this batch, not by (source, externalId): two strings fewer per line to send and parse.
  const lineCols: unknown[][] = [[], [], [], [], [], [], [], []];
  sorted.forEach((g, n) => {
    g.basket.lines.forEach((l, i) => {
      lineCols[0]!.push(n + 1); lineCols[1]!.push(l.lineNo); lineCols[2]!.push(g.productIds![i]);
      lineCols[3]!.push(l.sku); lineCols[4]!.push(g.categories![i]); lineCols[5]!.push(l.quantity); lineCols[6]!.push(l.unitPriceFen); lineCols[7]!.push(l.amountFen);
    });
  });
  const inserted = tx.query(
    prepared(`WITH x AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::bigint[], $8::bigint[], $9::bigint[], $10::int[])
         WITH ORDINALITY AS x(c, s, ch, src, ext, t, tot, dis, paid, n, nth)),
     p AS (
       INSERT INTO purchases (customer_id, kind, store_id, channel, source, external_id, purchased_at, total_fen, discount_fen, paid_fen, item_count)
       SELECT c, 'sale', s, ch, src, ext, t, tot, dis, paid, n FROM x ORDER BY nth
       ON CONFLICT (source, external_id) DO NOTHING
       RETURNING id, customer_id, source, external_id),
     l AS (
       INSERT INTO purchase_lines (customer_id, purchase_id, line_no, product_id, sku, category, quantity, unit_price_fen, amount_fen)
       SELECT p.customer_id, p.id, y.line_no, y.product_id, y.sku, y.category, y.quantity, y.unit, y.amount
         FROM unnest($11::int[], $12::int[], $13::bigint[], $14::text[], $15::text[], $16::int[], $17::bigint[], $18::bigint[])
           AS y(nth, line_no, product_id, sku, category, quantity, unit, amount)
         JOIN x ON x.nth = y.nth
         JOIN p ON p.source = x.src AND p.external_id = x.ext)
     SELECT id, source, external_id FROM p`),
    [
      sorted.map((g) => g.customerId), sorted.map((g) => g.storeId), sorted.map((g) => g.parsed.channel), sorted.map((g) => g.parsed.source),
      sorted.map((g) => g.parsed.externalId), sorted.map((g) => g.parsed.purchasedAt), sorted.map((g) => g.basket.totalFen),
      sorted.map((g) => g.basket.discountFen), sorted.map((g) => g.basket.paidFen), sorted.map((g) => g.basket.itemCount),
      ...lineCols,
    ],
  );
  // Sent in the same round trip as the insert: the listeners' reads that need only the members.
  const aheads = readAheadForNewSales(tx, [...new Set(sorted.map((g) => g.customerId!))]);
  const ins = await inserted;
  const idByKey = new Map<string, number>(ins.rows.map((r: any) => [keyOf(r.source, r.external_id), r.id]));
  const lost: Good[] = [];
  const booked: { g: Good; id: number; purchasedAt: Date; lines: PurchaseAnswer['lines'] }[] = [];
  for (const g of sorted) {
    const id = idByKey.get(g.key);
    if (id === undefined) {
      lost.push(g);
      continue;
    }
    const lines = g.basket.lines.map((l, i) => ({
      lineNo: l.lineNo, sku: l.sku, productId: g.productIds![i]!, category: g.categories![i]!, quantity: l.quantity, unitPriceFen: l.unitPriceFen, amountFen: l.amountFen,
    }));
    booked.push({ g, id, purchasedAt: new Date(g.parsed.purchasedAt), lines });
  }
  if (!booked.length) return { lost };
  const extras = await notifyPurchasesRecorded(tx, booked.map(({ g, id, purchasedAt, lines }) => ({
    customerId: g.customerId!, purchaseId: id, kind: 'sale' as const, originalPurchaseId: null, storeId: g.storeId ?? null, channel: g.parsed.channel,
    purchasedAt, totalFen: g.basket.totalFen, paidFen: g.basket.paidFen, lines,
  })), aheads);
  await storeKeys(tx, booked.map(({ g, id }) => ({ source: g.parsed.source, externalId: g.parsed.externalId, customerId: g.customerId!, purchaseId: id, hash: g.hash, extras: extras.get(id) ?? {} })));
  for (const { g, id, purchasedAt, lines } of booked) {
    const purchase = answerOf({
      id, kind: 'sale', originalPurchaseId: null, customerId: g.customerId!, storeId: g.storeId ?? null, channel: g.parsed.channel, source: g.parsed.source,
      externalId: g.parsed.externalId, purchasedAt, totalFen: g.basket.totalFen, discountFen: g.basket.discountFen, paidFen: g.basket.paidFen, itemCount: g.basket.itemCount,
    }, lines, extras.get(id));
    results[g.index] = { index: g.index, status: 'created', purchase };
  }
  return { lost };
}

const KEY_COLUMNS = [
  { name: 'source', type: 'text' }, { name: 'external_id', type: 'text' }, { name: 'customer_id', type: 'bigint' },
  { name: 'purchase_id', type: 'bigint' }, { name: 'request_hash', type: 'text' }, { name: 'extras', type: 'json' },
];

/** The keys of what was booked, with the request's fingerprint and what the listeners answered (usually small). */
export async function storeKeys(tx: Queryable, rows: { source: string; externalId: string; customerId: number; purchaseId: number; hash: string; extras: Record<string, unknown> }[]) {
  await insertRows(tx, 'purchase_keys', KEY_COLUMNS, rows.map((r) => [r.source, r.externalId, r.customerId, r.purchaseId, r.hash, JSON.stringify(r.extras)]), { queue: true });
}
