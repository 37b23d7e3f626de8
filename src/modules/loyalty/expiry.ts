import type { Db } from '../../db/client.ts';

/**
 * Expires every lot whose date has passed, set-based: locks the affected accounts in customer order (as debits
 * do), then one statement empties each due lot (keeping what it held in `expired_points`), books an 'expire' entry
 * for that unspent remainder and moves the balances. Spent points are never expired (only `remaining` is); a lot
 * once emptied is never due again, so a second run (or an overlapping runner, which waits on the locks) books
 * nothing, and the unique (customer, 'expire', lot) ref would refuse a double booking outright.
 */
export async function expirePoints(db: Db, opts: { now?: Date } = {}): Promise<{ lots: number; points: number; members: number }> {
  const now = opts.now ?? new Date();
  return db.tx(async (tx) => {
    await tx.query(
      `SELECT a.customer_id FROM loyalty_accounts a
        WHERE a.customer_id IN (SELECT customer_id FROM loyalty_lots WHERE remaining > 0 AND expires_at <= $1)
        ORDER BY a.customer_id FOR UPDATE OF a`,
      [now],
    );
    const r = await tx.query(
      `WITH lots AS (
         UPDATE loyalty_lots SET expired_points = remaining, remaining = 0, expired_at = $1
          WHERE remaining > 0 AND expires_at <= $1
         RETURNING customer_id, id, expired_points, expires_at),
       led AS (
         INSERT INTO loyalty_ledger (customer_id, kind, points, reason_code, reason, ref_type, ref_id, expires_at, created_at)
         SELECT customer_id, 'expire', -expired_points, 'POINTS_EXPIRED', 'points expired', 'lot', id::text, expires_at, $1
           FROM lots
         RETURNING customer_id, points),
       acc AS (
         UPDATE loyalty_accounts a SET points_balance = a.points_balance + s.pts, updated_at = now()
           FROM (SELECT customer_id, sum(points)::bigint AS pts FROM led GROUP BY customer_id) s
          WHERE a.customer_id = s.customer_id
         RETURNING 1)
       SELECT (SELECT count(*) FROM led) AS lots, (SELECT coalesce(-sum(points), 0)::bigint FROM led) AS points, (SELECT count(*) FROM acc) AS members`,
      [now],
    );
    const x = r.rows[0];
    return { lots: Number(x.lots), points: Number(x.points), members: Number(x.members) };
  });
}
