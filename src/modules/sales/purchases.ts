import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../../db/client.ts';
import { AppError, badRequest, conflict, forbidden, type BilingualFieldProblem } from '../../http/errors.ts';
import { normaliseMobile } from '../../lib/phone.ts';
import { inStoreScope, type Actor } from '../staff/index.ts';
import { notifyPurchasesRecorded, type RecordedPurchase } from './events.ts';
import { MAX_BATCH, priceBasket, purchaseInput, type ParsedPurchase, type PricedBasket, type PurchaseInput } from './basket.ts';

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
}

const zh: Record<string, string> = {
  invalid_type: '类型不正确', too_small: '太短或太小', too_big: '太长或太大', invalid_format: '格式不正确',
  unrecognized_keys: '包含未知字段', invalid_value: '取值不在允许范围内', custom: '取值无效',
};
const zhFor = (code: string, message: string) =>
  message === 'must be a whole number of fen' ? '必须是整数（分）' : message === 'must not be negative' ? '不能为负数' : (zh[code] ?? '取值无效');

export const requestHash = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex');

function invalid(fields: BilingualFieldProblem[]) {
  return badRequest('VALIDATION_FAILED', `Invalid input: ${fields.map((f) => f.path).join(', ')}`, `输入无效：${fields.map((f) => f.path).join('，')}`, fields);
}
const keyReused = () =>
  conflict('IDEMPOTENCY_KEY_REUSED', 'This source and externalId were already booked with a different content.', '该来源和外部单号已用于另一笔内容不同的记录。');
const notFoundCode = (code: string, path: string, en: string, zhText: string) =>
  new AppError(404, code, { en, zh: zhText }, [{ path, en, zh: zhText }]);
const outOfScope = () => forbidden('STORE_OUT_OF_SCOPE', 'You may only book purchases for your own stores.', '您只能为自己的门店记录消费。');

/** Parses one item with the shared schema and basket rules; problems come back with the item's field paths. */
export function validatePurchase(raw: unknown, prefix: string, now = Date.now()): { parsed: ParsedPurchase; basket: PricedBasket; mobile: string | null } | AppError {
  const r = purchaseInput.safeParse(raw);
  const at = (p: string) => [prefix, p].filter(Boolean).join('.') || '(body)';
  if (!r.success) {
    const fields: BilingualFieldProblem[] = [];
    for (const issue of r.error.issues) {
      const base = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        for (const k of (issue as any).keys as string[]) fields.push({ path: at(base ? `${base}.${k}` : k), en: 'unknown field', zh: '未知字段' });
      } else fields.push({ path: at(base), en: issue.message, zh: zhFor(issue.code, issue.message) });
    }
    return invalid(fields);
  }
  const { basket, problems } = priceBasket(r.data, now);
  let mobile: string | null = null;
  if (r.data.mobile !== undefined) {
    mobile = normaliseMobile(r.data.mobile);
    if (!mobile) problems.push({ path: 'mobile', en: 'is not a valid China mobile number', zh: '不是有效的中国大陆手机号' });
  }
  if (problems.length || !basket) return invalid(problems.map((p) => ({ ...p, path: at(p.path) })));
  return { parsed: r.data, basket, mobile };
}

interface Good {
  index: number;
  parsed: ParsedPurchase;
  basket: PricedBasket;
  mobile: string | null;
  hash: string;
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
 * inside the transaction, and their results are part of the stored answer.
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
    const v = validatePurchase(raw, prefix, now);
    if (v instanceof AppError) return reject(index, v);
    const hash = requestHash({ ...v.parsed, mobile: v.mobile ?? undefined });
    const key = keyOf(v.parsed.source, v.parsed.externalId);
    const first = firstByKey.get(key);
    if (first !== undefined) return repeats.push({ index, first, hash });
    firstByKey.set(key, good.length);
    good.push({ index, ...v, hash });
  });

  return db.tx(async (tx) => {
    let pending = good;
    if (pending.length) {
      const prior = await storedAnswers(tx, pending.map((g) => [g.parsed.source, g.parsed.externalId]));
      pending = pending.filter((g) => {
        const p = prior.get(keyOf(g.parsed.source, g.parsed.externalId));
        if (!p) return true;
        if (p.hash !== g.hash) reject(g.index, keyReused());
        else results[g.index] = { index: g.index, status: 'replayed', purchase: p.answer };
        return false;
      });
    }
    if (pending.length) pending = await resolveReferences(tx, actor, pending, opts, reject);
    if (pending.length) {
      const { lost } = await insertSales(tx, pending, results);
      if (lost.length) {
        const prior = await storedAnswers(tx, lost.map((g) => [g.parsed.source, g.parsed.externalId]));
        for (const g of lost) {
          const p = prior.get(keyOf(g.parsed.source, g.parsed.externalId));
          if (p && p.hash === g.hash) results[g.index] = { index: g.index, status: 'replayed', purchase: p.answer };
          else reject(g.index, keyReused());
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

async function storedAnswers(q: Queryable, keys: [string, string][]): Promise<Map<string, { hash: string; answer: PurchaseAnswer }>> {
  const out = new Map<string, { hash: string; answer: PurchaseAnswer }>();
  if (!keys.length) return out;
  const r = await q.query(
    `SELECT k.source, k.external_id, k.request_hash, k.answer
       FROM unnest($1::text[], $2::text[]) AS x(source, external_id)
       JOIN purchase_keys k ON k.source = x.source AND k.external_id = x.external_id`,
    [keys.map((k) => k[0]), keys.map((k) => k[1])],
  );
  for (const row of r.rows) out.set(keyOf(row.source, row.external_id), { hash: row.request_hash, answer: row.answer });
  return out;
}

/** Customers, stores and products for the whole batch in three statements; items that do not resolve are rejected. */
async function resolveReferences(q: Queryable, actor: Actor, items: Good[], opts: BookOptions, reject: (i: number, e: AppError) => void): Promise<Good[]> {
  const ids = new Set<number>(), mobiles = new Set<string>(), cards = new Set<string>(), storeIds = new Set<number>(), storeCodes = new Set<string>(), skus = new Set<string>();
  for (const g of items) {
    if (g.parsed.customerId !== undefined) ids.add(g.parsed.customerId);
    if (g.mobile) mobiles.add(g.mobile);
    if (g.parsed.cardNo !== undefined) cards.add(g.parsed.cardNo);
    if (g.parsed.storeId !== undefined) storeIds.add(g.parsed.storeId);
    if (g.parsed.storeCode !== undefined) storeCodes.add(g.parsed.storeCode);
    for (const l of g.basket.lines) skus.add(l.sku);
  }
  const customers = await resolveCustomers(q, [...ids], [...mobiles], [...cards]);
  const stores = storeIds.size + storeCodes.size
    ? await q.query(`SELECT id, code FROM stores WHERE id = ANY($1::bigint[]) OR code = ANY($2::text[])`, [[...storeIds], [...storeCodes]])
    : { rows: [] as any[] };
  const products = await q.query(`SELECT id, sku, category FROM products WHERE sku = ANY($1::text[])`, [[...skus]]);
  const storeById = new Map<number, number>(), storeByCode = new Map<string, number>();
  for (const s of stores.rows) {
    storeById.set(s.id, s.id);
    storeByCode.set(s.code, s.id);
  }
  const productBySku = new Map<string, { id: number; category: string }>(products.rows.map((p: any) => [p.sku, p]));
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
      const s = p.storeId !== undefined ? storeById.get(p.storeId) : storeByCode.get(p.storeCode!);
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
      const prod = productBySku.get(l.sku);
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
    kept.push({ ...g, customerId, storeId, productIds, categories });
  }
  return kept;
}

/** Active customers by id (a merged one resolves to the customer it was merged into), mobile and card number. */
async function resolveCustomers(q: Queryable, ids: number[], mobiles: string[], cards: string[]) {
  const byId = new Map<number, number>(), byMobile = new Map<string, number>(), byCard = new Map<string, number>();
  if (!ids.length && !mobiles.length && !cards.length) return { byId, byMobile, byCard };
  const r = await q.query(
    `WITH RECURSIVE found AS (
       SELECT id AS asked, id, status, merged_into, mobile, card_no, 0 AS depth
         FROM customers WHERE id = ANY($1::bigint[]) OR (mobile = ANY($2::text[]) AND status = 'active') OR card_no = ANY($3::text[])
       UNION ALL
       SELECT f.asked, c.id, c.status, c.merged_into, f.mobile, f.card_no, f.depth + 1
         FROM found f JOIN customers c ON c.id = f.merged_into WHERE f.status = 'merged' AND f.depth < 10)
     SELECT asked, id, mobile, card_no FROM found WHERE status = 'active'`,
    [ids, mobiles, cards],
  );
  const askedIds = new Set(ids), askedMobiles = new Set(mobiles), askedCards = new Set(cards);
  for (const row of r.rows) {
    if (askedIds.has(row.asked)) byId.set(row.asked, row.id);
    if (row.mobile && askedMobiles.has(row.mobile) && !byMobile.has(row.mobile)) byMobile.set(row.mobile, row.id);
    if (row.card_no && askedCards.has(row.card_no)) byCard.set(row.card_no, row.id);
  }
  return { byId, byMobile, byCard };
}

/** Inserts the batch's purchases (claiming their keys), their lines and their stored answers; keys taken meanwhile come back as `lost`. */
async function insertSales(tx: Queryable, items: Good[], results: (BookResult | undefined)[]): Promise<{ lost: Good[] }> {
  // A fixed order, so two batches sharing keys wait on each other instead of deadlocking.
  const sorted = [...items].sort((a, b) => (a.parsed.source + '\u0000' + a.parsed.externalId < b.parsed.source + '\u0000' + b.parsed.externalId ? -1 : 1));
  const ins = await tx.query(
    `INSERT INTO purchases (customer_id, kind, store_id, channel, source, external_id, purchased_at, total_fen, discount_fen, paid_fen, item_count)
     SELECT c, 'sale', s, ch, src, ext, t, tot, dis, paid, n
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::bigint[], $8::bigint[], $9::bigint[], $10::int[])
         AS x(c, s, ch, src, ext, t, tot, dis, paid, n)
     ON CONFLICT (source, external_id) DO NOTHING
     RETURNING id, source, external_id`,
    [
      sorted.map((g) => g.customerId), sorted.map((g) => g.storeId), sorted.map((g) => g.parsed.channel), sorted.map((g) => g.parsed.source),
      sorted.map((g) => g.parsed.externalId), sorted.map((g) => g.parsed.purchasedAt), sorted.map((g) => g.basket.totalFen),
      sorted.map((g) => g.basket.discountFen), sorted.map((g) => g.basket.paidFen), sorted.map((g) => g.basket.itemCount),
    ],
  );
  const idByKey = new Map<string, number>(ins.rows.map((r: any) => [keyOf(r.source, r.external_id), r.id]));
  const booked: { g: Good; id: number }[] = [];
  const lost: Good[] = [];
  for (const g of sorted) {
    const id = idByKey.get(keyOf(g.parsed.source, g.parsed.externalId));
    if (id === undefined) lost.push(g);
    else booked.push({ g, id });
  }
  if (!booked.length) return { lost };
  const cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
  const recorded: RecordedPurchase[] = [];
  const answers: PurchaseAnswer[] = [];
  for (const { g, id } of booked) {
    const lines = g.basket.lines.map((l, i) => ({
      lineNo: l.lineNo, sku: l.sku, productId: g.productIds![i]!, category: g.categories![i]!, quantity: l.quantity, unitPriceFen: l.unitPriceFen, amountFen: l.amountFen,
    }));
    for (const l of lines) {
      cols[0]!.push(g.customerId); cols[1]!.push(id); cols[2]!.push(l.lineNo); cols[3]!.push(l.productId); cols[4]!.push(l.sku);
      cols[5]!.push(l.category); cols[6]!.push(l.quantity); cols[7]!.push(l.unitPriceFen); cols[8]!.push(l.amountFen);
    }
    const purchasedAt = new Date(g.parsed.purchasedAt);
    recorded.push({
      customerId: g.customerId!, purchaseId: id, kind: 'sale', originalPurchaseId: null, storeId: g.storeId ?? null, channel: g.parsed.channel,
      purchasedAt, totalFen: g.basket.totalFen, paidFen: g.basket.paidFen, lines,
    });
    answers.push({
      id, kind: 'sale', originalPurchaseId: null, customerId: g.customerId!, storeId: g.storeId ?? null, channel: g.parsed.channel,
      source: g.parsed.source, externalId: g.parsed.externalId, purchasedAt: purchasedAt.toISOString(), totalFen: g.basket.totalFen,
      discountFen: g.basket.discountFen, paidFen: g.basket.paidFen, itemCount: g.basket.itemCount, lines,
    });
  }
  await tx.query(
    `INSERT INTO purchase_lines (customer_id, purchase_id, line_no, product_id, sku, category, quantity, unit_price_fen, amount_fen)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::int[], $8::bigint[], $9::bigint[])`,
    cols,
  );
  const extras = await notifyPurchasesRecorded(tx, recorded);
  const full = answers.map((a) => ({ ...a, ...extras.get(a.id) }) as PurchaseAnswer);
  await storeAnswers(tx, booked.map(({ g }, i) => ({ source: g.parsed.source, externalId: g.parsed.externalId, customerId: g.customerId!, hash: g.hash, answer: full[i]! })));
  booked.forEach(({ g }, i) => (results[g.index] = { index: g.index, status: 'created', purchase: full[i]! }));
  return { lost };
}

export async function storeAnswers(tx: Queryable, rows: { source: string; externalId: string; customerId: number; hash: string; answer: PurchaseAnswer }[]) {
  await tx.query(
    `INSERT INTO purchase_keys (source, external_id, customer_id, purchase_id, request_hash, answer)
     SELECT src, ext, c, (a->>'id')::bigint, h, a FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::json[]) AS x(src, ext, c, h, a)`,
    [rows.map((r) => r.source), rows.map((r) => r.externalId), rows.map((r) => r.customerId), rows.map((r) => r.hash), rows.map((r) => JSON.stringify(r.answer))],
  );
}
