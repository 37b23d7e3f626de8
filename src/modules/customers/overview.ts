import { prepared, type Queryable } from '../../db/client.ts';

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
  /** Up to five, by net amount. */
  favouriteCategories: { category: string; amountFen: number }[];
}

/**
 * One row of a customer's purchase roll-up, which the segments module keeps inside every booking transaction and
 * rebuilds nightly and after merges: dimension 'all' (key ''), or one store (key = store id), category or channel.
 * A return counts no purchase and subtracts its amount, whatever sign it was booked with.
 */
export interface PurchaseRollupRow {
  dimension: string;
  key: string;
  firstAt: Date;
  lastAt: Date;
  purchases: number;
  spendFen: number;
}

export type PurchaseRollupReader = (q: Queryable, customerId: number) => Promise<PurchaseRollupRow[]>;

let readRollup: PurchaseRollupReader = async () => {
  throw new Error('No purchase roll-up reader: src/modules/registry.ts wires the segments module’s');
};

/** Wired in src/modules/registry.ts: the segments module owns the roll-up and itself imports customers. */
export function readPurchaseRollupWith(reader: PurchaseRollupReader): void {
  readRollup = reader;
}

/** The store with the most sales; a tie goes to the one bought at last. */
export function favouriteStoreOf(rows: PurchaseRollupRow[]): { id: number; orders: number } | null {
  let best: PurchaseRollupRow | null = null;
  for (const r of rows) {
    if (r.dimension !== 'store' || r.purchases <= 0) continue;
    if (!best || r.purchases > best.purchases || (r.purchases === best.purchases && r.lastAt > best.lastAt)) best = r;
  }
  return best ? { id: Number(best.key), orders: best.purchases } : null;
}

/** The key figures from a customer's roll-up rows, their return count and their favourite store, named. */
export function figuresFromRollup(
  rows: PurchaseRollupRow[], returnCount: number, favouriteStore: KeyFigures['favouriteStore'],
): KeyFigures {
  const all = rows.find((r) => r.dimension === 'all');
  const orders = all?.purchases ?? 0;
  const net = all?.spendFen ?? 0;
  const favouriteCategories = rows
    .filter((r) => r.dimension === 'category' && r.spendFen > 0)
    .sort((a, b) => b.spendFen - a.spendFen || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, 5)
    .map((r) => ({ category: r.key, amountFen: r.spendFen }));
  return {
    // A row that only a return has touched carries that return's date, not a purchase's.
    firstPurchaseAt: orders > 0 ? new Date(all!.firstAt).toISOString() : null,
    lastPurchaseAt: orders > 0 ? new Date(all!.lastAt).toISOString() : null,
    orderCount: orders,
    returnCount,
    totalSpendFen: net,
    averageBasketFen: orders ? Math.round(net / orders) : 0,
    favouriteStore,
    favouriteCategories,
  };
}

/**
 * A customer's figures from the purchase roll-up (a dozen rows read by key, not their purchases aggregated), and
 * their returns counted from a partial index; the favourite store's name is looked up with the count.
 */
export async function keyFigures(q: Queryable, customerId: number): Promise<KeyFigures> {
  const rows = await readRollup(q, customerId);
  const store = favouriteStoreOf(rows);
  const r = await q.query(
    prepared(`SELECT (SELECT count(*) FROM purchases WHERE customer_id = $1 AND kind = 'return')::int AS returns,
            (SELECT name FROM stores WHERE id = $2) AS store_name`),
    [customerId, store?.id ?? null],
  );
  const { returns, store_name: name } = r.rows[0];
  return figuresFromRollup(rows, returns, store && name != null ? { ...store, name } : null);
}
