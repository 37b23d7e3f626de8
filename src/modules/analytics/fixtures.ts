/** Test fixtures for scoring: customers and purchases written straight into the tables the scoring pass reads. */
import { insertRows, type Queryable } from '../../db/client.ts';

const DAY_MS = 86400000;

export const dayAfter = (start: string, days: number) => new Date(Date.parse(`${start}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

export async function addCustomers(q: Queryable, n: number, prefix: string): Promise<number[]> {
  const rows = await q.query(`INSERT INTO customers (name) SELECT $1 || g FROM generate_series(1, $2) g RETURNING id`, [prefix, n]);
  return rows.rows.map((r) => r.id);
}

/** Purchases at 10:00 Shanghai time on the given business days; value in fen. */
export async function addPurchases(q: Queryable, rows: { customerId: number; day: string; fen: number; kind?: 'sale' | 'return' }[], tag: string) {
  await insertRows(
    q,
    'purchases',
    [
      { name: 'customer_id', type: 'bigint' }, { name: 'kind', type: 'text' }, { name: 'channel', type: 'text' }, { name: 'source', type: 'text' },
      { name: 'external_id', type: 'text' }, { name: 'purchased_at', type: 'timestamptz' }, { name: 'total_fen', type: 'bigint' }, { name: 'paid_fen', type: 'bigint' },
    ],
    rows.map((r, i) => [r.customerId, r.kind ?? 'sale', 'store', 'test', `${tag}-${i}`, `${r.day}T10:00:00+08:00`, r.fen, r.fen]),
  );
}
