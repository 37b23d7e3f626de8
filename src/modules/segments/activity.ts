import { prepared, queueWrite, type Queryable } from '../../db/client.ts';
import type { RecordedPurchase } from '../sales/index.ts';

/** One row of a customer's roll-up: everything (dimension 'all', key ''), or one store, category or channel. */
export interface ActivityRow {
  dimension: 'all' | 'category' | 'store' | 'channel';
  key: string;
  firstAt: Date;
  lastAt: Date;
  /** Sales, not returns. */
  purchases: number;
  /** Net of returns. */
  spendFen: number;
}

interface ActivityDelta {
  customerId: number;
  dimension: 'all' | 'category' | 'store' | 'channel';
  key: string;
  at: Date;
  purchases: number;
  spendFen: number;
}

/** Rolls a batch of booked sales and returns up into per-customer activity deltas, one per (customer, dimension, key). */
export function activityDeltas(purchases: RecordedPurchase[]): ActivityDelta[] {
  const byKey = new Map<string, ActivityDelta>();
  const add = (customerId: number, dimension: ActivityDelta['dimension'], key: string, at: Date, count: number, spendFen: number) => {
    const k = `${customerId}|${dimension}|${key}`;
    const d = byKey.get(k);
    if (!d) byKey.set(k, { customerId, dimension, key, at, purchases: count, spendFen });
    else {
      d.purchases += count;
      d.spendFen += spendFen;
      if (count > 0 && at > d.at) d.at = at;
    }
  };
  for (const p of purchases) {
    const sale = p.kind === 'sale';
    const sign = sale ? 1 : -1;
    const count = sale ? 1 : 0;
    add(p.customerId, 'all', '', p.purchasedAt, count, sign * Math.abs(p.paidFen));
    if (p.storeId != null) add(p.customerId, 'store', String(p.storeId), p.purchasedAt, count, sign * Math.abs(p.paidFen));
    add(p.customerId, 'channel', p.channel, p.purchasedAt, count, sign * Math.abs(p.paidFen));
    const byCategory = new Map<string, number>();
    for (const l of p.lines) byCategory.set(l.category, (byCategory.get(l.category) ?? 0) + Math.abs(l.amountFen));
    for (const [category, amount] of byCategory) add(p.customerId, 'category', category, p.purchasedAt, count, sign * amount);
  }
  // A fixed order, so concurrent batches lock rows in the same order and cannot deadlock; code-unit order, as locale order cost a tenth of the roll-up.
  const byCode = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...byKey.values()].sort((a, b) => a.customerId - b.customerId || byCode(a.dimension, b.dimension) || byCode(a.key, b.key));
}

/** Applies a booked batch to the activity roll-up in one statement; returns count no purchases and leave dates alone. */
export async function recordActivity(tx: Queryable, purchases: RecordedPurchase[]): Promise<void> {
  const deltas = activityDeltas(purchases);
  if (!deltas.length) return;
  await queueWrite(
    tx,
    prepared(`INSERT INTO customer_activity AS a (customer_id, dimension, key, first_at, last_at, purchases, spend_fen)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $4::timestamptz[], $5::int[], $6::bigint[])
     ON CONFLICT (customer_id, dimension, key) DO UPDATE SET
       first_at = CASE WHEN excluded.purchases > 0 THEN LEAST(a.first_at, excluded.first_at) ELSE a.first_at END,
       last_at = CASE WHEN excluded.purchases > 0 THEN GREATEST(a.last_at, excluded.last_at) ELSE a.last_at END,
       purchases = a.purchases + excluded.purchases,
       spend_fen = a.spend_fen + excluded.spend_fen`),
    [
      deltas.map((d) => d.customerId), deltas.map((d) => d.dimension), deltas.map((d) => d.key),
      deltas.map((d) => d.at), deltas.map((d) => d.purchases), deltas.map((d) => d.spendFen),
    ],
  );
}

/** Rebuilds the roll-up from the purchases themselves: for everyone (nightly, after bulk loads) or for some customers (after a merge). */
export async function rebuildActivity(q: Queryable, customerIds?: number[]): Promise<number> {
  const only = customerIds ? 'WHERE p.customer_id = ANY($1::bigint[])' : '';
  const params = customerIds ? [customerIds] : [];
  if (customerIds) await q.query('DELETE FROM customer_activity WHERE customer_id = ANY($1::bigint[])', params);
  else await q.query('TRUNCATE customer_activity');
  const signed = `CASE WHEN p.kind = 'sale' THEN abs(p.paid_fen) ELSE -abs(p.paid_fen) END`;
  const rollup = (dimension: string, key: string | null) => `
    SELECT p.customer_id, '${dimension}', ${key ?? "''"}, min(p.purchased_at) FILTER (WHERE p.kind = 'sale'), max(p.purchased_at) FILTER (WHERE p.kind = 'sale'),
           count(*) FILTER (WHERE p.kind = 'sale'), sum(${signed})
      FROM purchases p ${only} ${key ? `${only ? 'AND' : 'WHERE'} ${key} IS NOT NULL` : ''}
     GROUP BY p.customer_id${key ? `, ${key}` : ''}
    HAVING count(*) FILTER (WHERE p.kind = 'sale') > 0`;
  const r = await q.query(
    `INSERT INTO customer_activity (customer_id, dimension, key, first_at, last_at, purchases, spend_fen)
     ${rollup('all', null)}
     UNION ALL ${rollup('store', 'p.store_id::text')}
     UNION ALL ${rollup('channel', 'p.channel')}
     UNION ALL
     SELECT l.customer_id, 'category', l.category, min(p.purchased_at) FILTER (WHERE p.kind = 'sale'), max(p.purchased_at) FILTER (WHERE p.kind = 'sale'),
            count(DISTINCT p.id) FILTER (WHERE p.kind = 'sale'), sum(CASE WHEN p.kind = 'sale' THEN abs(l.amount_fen) ELSE -abs(l.amount_fen) END)
       FROM purchase_lines l JOIN purchases p ON p.customer_id = l.customer_id AND p.id = l.purchase_id
       ${only ? only.replace('p.customer_id', 'l.customer_id') : ''}
      GROUP BY l.customer_id, l.category
     HAVING count(*) FILTER (WHERE p.kind = 'sale') > 0`,
    params,
  );
  return r.rowCount;
}

/** One customer's roll-up rows, read by primary key (the customer 360's key figures come from these). */
export async function activityOf(q: Queryable, customerId: number): Promise<ActivityRow[]> {
  const r = await q.query(
    prepared(`SELECT dimension, key, first_at AS "firstAt", last_at AS "lastAt", purchases, spend_fen AS "spendFen"
       FROM customer_activity WHERE customer_id = $1`),
    [customerId],
  );
  return r.rows as ActivityRow[];
}
