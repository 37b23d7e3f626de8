import type { Queryable } from '../../db/client.ts';

export interface KeyFigures {
  firstPurchaseAt: string | null;
  lastPurchaseAt: string | null;
  /** Sales, not counting returns. */
  orderCount: number;
  returnCount: number;
  /** Paid on sales minus refunded on returns. */
  totalSpendFen: number;
  /** Net spend per order, rounded to the fen. */
  averageBasketFen: number;
  favouriteStore: { id: number; name: string; orders: number } | null;
  favouriteCategories: { category: string; amountFen: number; quantity: number }[];
}

/**
 * A customer's figures from their purchases and lines, read through (customer_id, …) indexes. Returns count
 * against spend whatever sign the booking gave them: a return's amount is always subtracted.
 */
export async function keyFigures(q: Queryable, customerId: number): Promise<KeyFigures> {
  const r = await q.query(
    `WITH s AS (
         SELECT min(purchased_at) FILTER (WHERE kind = 'sale') AS first_at, max(purchased_at) FILTER (WHERE kind = 'sale') AS last_at,
                count(*) FILTER (WHERE kind = 'sale')::int AS orders, count(*) FILTER (WHERE kind = 'return')::int AS returns,
                COALESCE(sum(CASE WHEN kind = 'sale' THEN abs(paid_fen) ELSE -abs(paid_fen) END), 0)::bigint AS net
           FROM purchases WHERE customer_id = $1),
       fav AS (
         SELECT p.store_id, st.name, count(*)::int AS orders
           FROM purchases p JOIN stores st ON st.id = p.store_id
          WHERE p.customer_id = $1 AND p.kind = 'sale'
          GROUP BY p.store_id, st.name ORDER BY orders DESC, max(p.purchased_at) DESC LIMIT 1),
       cats AS (
         SELECT l.category, sum(CASE WHEN p.kind = 'sale' THEN abs(l.amount_fen) ELSE -abs(l.amount_fen) END)::bigint AS "amountFen",
              sum(CASE WHEN p.kind = 'sale' THEN abs(l.quantity) ELSE -abs(l.quantity) END)::int AS quantity
         FROM purchase_lines l JOIN purchases p ON p.customer_id = l.customer_id AND p.id = l.purchase_id
        WHERE l.customer_id = $1 AND p.customer_id = $1
        GROUP BY l.category HAVING sum(CASE WHEN p.kind = 'sale' THEN abs(l.amount_fen) ELSE -abs(l.amount_fen) END) > 0
        ORDER BY 2 DESC, 1 LIMIT 5)
       SELECT s.*, fav.store_id, fav.name AS store_name, fav.orders AS store_orders,
              (SELECT COALESCE(json_agg(json_build_object('category', category, 'amountFen', "amountFen", 'quantity', quantity)
                        ORDER BY "amountFen" DESC, category), '[]') FROM cats) AS categories
         FROM s LEFT JOIN fav ON true`,
    [customerId],
  );
  const s = r.rows[0];
  return {
    firstPurchaseAt: s.first_at ? new Date(s.first_at).toISOString() : null,
    lastPurchaseAt: s.last_at ? new Date(s.last_at).toISOString() : null,
    orderCount: s.orders,
    returnCount: s.returns,
    totalSpendFen: s.net,
    averageBasketFen: s.orders ? Math.round(s.net / s.orders) : 0,
    favouriteStore: s.store_id ? { id: s.store_id, name: s.store_name, orders: s.store_orders } : null,
    favouriteCategories: s.categories as KeyFigures['favouriteCategories'],
  };
}
