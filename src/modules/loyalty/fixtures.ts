/** Test fixtures: customers and purchases written with SQL and handed to the purchase hook as the sales module will. */
import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../../db/client.ts';
import { notifyPurchasesRecorded, type RecordedPurchase } from '../sales/index.ts';

export async function createCustomers(q: Queryable, n: number, name = '张伟'): Promise<number[]> {
  const r = await q.query(`INSERT INTO customers (name) SELECT $1 || g FROM generate_series(1, $2::int) g RETURNING id`, [name, n]);
  return r.rows.map((x) => x.id);
}

export interface PurchaseSpec {
  customerId: number;
  kind?: 'sale' | 'return';
  originalPurchaseId?: number;
  purchasedAt?: Date;
  lines: { sku?: string; category: string; amountFen: number }[];
  paidFen?: number;
  /** Replays a purchase already booked: the same id is handed to the hook again. */
  purchaseId?: number;
}

/**
 * Books purchases (or replays them) in one transaction and returns what the hook answered per purchase id;
 * `beforeCommit` holds the transaction open after the hook, with what it locked, until it resolves.
 */
export async function recordPurchases(db: Db, specs: PurchaseSpec[], opts: { beforeCommit?: () => Promise<void> } = {}): Promise<{ ids: number[]; results: Map<number, Record<string, any>> }> {
  return db.tx(async (tx) => {
    const recorded: RecordedPurchase[] = [];
    for (const s of specs) {
      const total = s.lines.reduce((a, l) => a + l.amountFen, 0);
      const at = s.purchasedAt ?? new Date();
      let id = s.purchaseId;
      if (id == null) {
        const r = await tx.query(
          `INSERT INTO purchases (customer_id, kind, original_purchase_id, channel, source, external_id, purchased_at, total_fen, paid_fen, item_count)
           VALUES ($1, $2, $3, 'store', 'test', $4, $5, $6, $7, $8) RETURNING id`,
          [s.customerId, s.kind ?? 'sale', s.originalPurchaseId ?? null, randomUUID(), at, total, s.paidFen ?? total, s.lines.length],
        );
        id = r.rows[0].id as number;
      }
      recorded.push({
        customerId: s.customerId, purchaseId: id, kind: s.kind ?? 'sale', originalPurchaseId: s.originalPurchaseId ?? null, storeId: null, channel: 'store',
        purchasedAt: at, totalFen: total, paidFen: s.paidFen ?? total,
        lines: s.lines.map((l, i) => ({ lineNo: i + 1, productId: null, sku: l.sku ?? `SKU-${l.category}`, category: l.category, quantity: 1, unitPriceFen: l.amountFen, amountFen: l.amountFen })),
      });
    }
    const results = await notifyPurchasesRecorded(tx, recorded);
    await opts.beforeCommit?.();
    return { ids: recorded.map((p) => p.purchaseId), results: new Map([...results].map(([k, v]) => [k, v.loyalty as Record<string, any>])) };
  });
}

/** Loads purchases with their lines as a bulk load would: written with SQL, never handed to the purchase hook. */
export async function loadPurchases(db: Db, specs: PurchaseSpec[]): Promise<number[]> {
  return db.tx(async (tx) => {
    const ids: number[] = [];
    for (const s of specs) {
      const total = s.lines.reduce((a, l) => a + l.amountFen, 0);
      const r = await tx.query(
        `INSERT INTO purchases (customer_id, kind, original_purchase_id, channel, source, external_id, purchased_at, total_fen, paid_fen, item_count)
         VALUES ($1, $2, $3, 'store', 'bulk', $4, $5, $6, $7, $8) RETURNING id`,
        [s.customerId, s.kind ?? 'sale', s.originalPurchaseId ?? null, randomUUID(), s.purchasedAt ?? new Date(), total, s.paidFen ?? total, s.lines.length],
      );
      const id = r.rows[0].id as number;
      await tx.query(
        `INSERT INTO purchase_lines (customer_id, purchase_id, line_no, sku, category, quantity, unit_price_fen, amount_fen)
         SELECT $1, $2, n, sku, category, 1, amount, amount FROM unnest($3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS l(sku, category, amount, n)`,
        [s.customerId, id, s.lines.map((l) => l.sku ?? `SKU-${l.category}`), s.lines.map((l) => l.category), s.lines.map((l) => l.amountFen)],
      );
      ids.push(id);
    }
    return ids;
  });
}
