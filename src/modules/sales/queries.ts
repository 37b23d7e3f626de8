import type { Queryable } from '../../db/client.ts';
import { badRequest, forbidden, notFound } from '../../http/errors.ts';
import { inStoreScope, type Actor } from '../staff/index.ts';
import { Conditions } from '../../db/conditions.ts';

export interface PurchaseFilter {
  customerId?: number;
  storeId?: number;
  channel?: string;
  kind?: 'sale' | 'return';
  source?: string;
  /** Inclusive lower and exclusive upper bound of purchasedAt. */
  from?: string;
  to?: string;
  /** Keyset cursor from the previous page's `next`. */
  before?: string;
  limit: number;
}

const summaryCols = `p.id, p.kind, p.original_purchase_id AS "originalPurchaseId", p.customer_id AS "customerId", c.name AS "customerName",
  p.store_id AS "storeId", s.code AS "storeCode", s.name AS "storeName", p.channel, p.source, p.external_id AS "externalId",
  p.purchased_at AS "purchasedAt", p.total_fen AS "totalFen", p.discount_fen AS "discountFen", p.paid_fen AS "paidFen", p.item_count AS "itemCount"`;

const encodeCursor = (at: Date | string, id: number) => `${new Date(at).toISOString()}_${id}`;
function decodeCursor(c: string): [string, number] {
  const m = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)_(\d{1,18})$/.exec(c);
  if (!m) throw badRequest('VALIDATION_FAILED', 'Invalid input: before', '输入无效：before', [{ path: 'querystring.before', en: 'is not a cursor from a previous page', zh: '不是上一页返回的游标' }]);
  return [m[1]!, Number(m[2])];
}

/** Newest first, keyset-paged on (purchasedAt, id); store-scoped staff see only their stores' purchases. */
export async function listPurchases(q: Queryable, actor: Actor, f: PurchaseFilter) {
  const c = new Conditions();
  if (actor.storeIds.length) c.add('p.store_id = ANY(?::bigint[])', actor.storeIds);
  if (f.customerId != null) c.add('p.customer_id = ?', f.customerId);
  if (f.storeId != null) c.add('p.store_id = ?', f.storeId);
  if (f.channel) c.add('p.channel = ?', f.channel);
  if (f.kind) c.add('p.kind = ?', f.kind);
  if (f.source) c.add('p.source = ?', f.source);
  if (f.from) c.add('p.purchased_at >= ?', f.from);
  if (f.to) c.add('p.purchased_at < ?', f.to);
  if (f.before) {
    const [at, id] = decodeCursor(f.before);
    c.add('(p.purchased_at, p.id) < (?::timestamptz, ?::bigint)', at, id);
  }
  const r = await q.query(
    `SELECT ${summaryCols}
       FROM purchases p JOIN customers c ON c.id = p.customer_id LEFT JOIN stores s ON s.id = p.store_id
      ${c.where}
      ORDER BY p.purchased_at DESC, p.id DESC LIMIT ${c.param(f.limit + 1)}`,
    c.params,
  );
  const items = r.rows.slice(0, f.limit);
  const last = items[items.length - 1];
  return { items, next: r.rows.length > f.limit && last ? encodeCursor(last.purchasedAt, last.id) : null };
}

async function linesOf(q: Queryable, customerId: number, purchaseIds: number[]) {
  const r = await q.query(
    `SELECT l.purchase_id AS "purchaseId", l.line_no AS "lineNo", l.sku, l.product_id AS "productId", l.category, l.quantity,
            l.unit_price_fen AS "unitPriceFen", l.amount_fen AS "amountFen", pr.name AS "productName"
       FROM purchase_lines l LEFT JOIN products pr ON pr.id = l.product_id
      WHERE l.customer_id = $1 AND l.purchase_id = ANY($2::bigint[]) ORDER BY l.purchase_id, l.line_no`,
    [customerId, purchaseIds],
  );
  const by = new Map<number, any[]>();
  for (const { purchaseId, ...l } of r.rows) by.set(purchaseId, [...(by.get(purchaseId) ?? []), l]);
  return by;
}

/** One purchase with its lines, its returns (each with lines) and, per line, how much may still come back. */
export async function getPurchase(q: Queryable, actor: Actor, id: number) {
  const r = await q.query(`SELECT ${summaryCols} FROM purchases p JOIN customers c ON c.id = p.customer_id LEFT JOIN stores s ON s.id = p.store_id WHERE p.id = $1`, [id]);
  const p = r.rows[0];
  if (!p) throw notFound('Purchase', '消费记录');
  if (!inStoreScope(actor, p.storeId)) throw forbidden('STORE_OUT_OF_SCOPE', 'This purchase belongs to another store.', '该消费记录属于其他门店。');
  const returns = (
    await q.query(
      `SELECT ${summaryCols} FROM purchases p JOIN customers c ON c.id = p.customer_id LEFT JOIN stores s ON s.id = p.store_id
        WHERE p.customer_id = $1 AND p.original_purchase_id = $2 ORDER BY p.purchased_at, p.id`,
      [p.customerId, p.id],
    )
  ).rows;
  const lines = await linesOf(q, p.customerId, [p.id, ...returns.map((x: any) => x.id)]);
  const returned = new Map<number, number>();
  for (const x of returns) for (const l of lines.get(x.id) ?? []) returned.set(l.lineNo, (returned.get(l.lineNo) ?? 0) - l.quantity);
  const refundedFen = returns.reduce((s: number, x: any) => s - x.paidFen, 0);
  return {
    ...p,
    lines: (lines.get(p.id) ?? []).map((l) => ({ ...l, returnedQuantity: returned.get(l.lineNo) ?? 0 })),
    returns: returns.map((x: any) => ({ ...x, refundFen: -x.paidFen, lines: lines.get(x.id) ?? [] })),
    refundedFen,
    refundableFen: p.kind === 'sale' ? p.paidFen - refundedFen : 0,
  };
}

/** A customer's purchases and returns, newest first, with their lines (for the customer 360 page). */
export async function customerPurchases(q: Queryable, customerId: number, opts: { limit?: number; before?: string } = {}) {
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), 200);
  const page = await listPurchases(q, { storeIds: [] } as unknown as Actor, { customerId, limit, before: opts.before });
  const lines = await linesOf(q, customerId, page.items.map((p: any) => p.id));
  return { items: page.items.map((p: any) => ({ ...p, lines: lines.get(p.id) ?? [] })), next: page.next };
}

/**
 * A customer's sales figures: first and last purchase, number of sales, spend net of refunds, average basket
 * (net spend per sale), favourite categories (by net amount) and favourite store (most sales).
 */
export async function customerSalesFigures(q: Queryable, customerId: number) {
  const totals = (
    await q.query(
      `SELECT min(purchased_at) FILTER (WHERE kind = 'sale') AS "firstPurchaseAt", max(purchased_at) FILTER (WHERE kind = 'sale') AS "lastPurchaseAt",
              count(*) FILTER (WHERE kind = 'sale')::bigint AS orders, count(*) FILTER (WHERE kind = 'return')::bigint AS returns,
              COALESCE(sum(paid_fen), 0)::bigint AS "netSpendFen", COALESCE(-sum(paid_fen) FILTER (WHERE kind = 'return'), 0)::bigint AS "refundedFen"
         FROM purchases WHERE customer_id = $1`,
      [customerId],
    )
  ).rows[0];
  const categories = (
    await q.query(
      `SELECT category, sum(amount_fen)::bigint AS "amountFen", sum(quantity)::bigint AS quantity
         FROM purchase_lines WHERE customer_id = $1 GROUP BY category HAVING sum(amount_fen) > 0
        ORDER BY 2 DESC, 1 LIMIT 3`,
      [customerId],
    )
  ).rows;
  const store = (
    await q.query(
      `SELECT p.store_id AS "storeId", s.code, s.name, count(*)::bigint AS purchases
         FROM purchases p JOIN stores s ON s.id = p.store_id
        WHERE p.customer_id = $1 AND p.kind = 'sale' GROUP BY p.store_id, s.code, s.name ORDER BY 4 DESC, 1 LIMIT 1`,
      [customerId],
    )
  ).rows[0];
  return {
    customerId,
    ...totals,
    averageBasketFen: totals.orders > 0 ? Math.round(totals.netSpendFen / totals.orders) : null,
    favouriteCategories: categories,
    favouriteStore: store ?? null,
  };
}
