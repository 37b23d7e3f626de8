import type { Db } from '../../db/client.ts';

/**
 * Expires every lot whose date has passed, set-based: locks the affected accounts in customer order (as debits
 * do), then one statement books an 'expire' entry per lot for its unspent remainder, empties the lot and moves the
 * balances. Spent points are never expired (only `remaining` is), and the (customer, 'expire', lot) key books each
 * lot once even if the job runs twice or two runners overlap.
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
      `WITH due AS (
         SELECT customer_id, id, remaining, expires_at FROM loyalty_lots WHERE remaining > 0 AND expires_at <= $1),
       led AS (
         INSERT INTO loyalty_ledger (customer_id, kind, points, reason_code, reason, ref_type, ref_id, expires_at, details, created_at)
         SELECT customer_id, 'expire', -remaining, 'POINTS_EXPIRED', 'points expired', 'lot', id::text, expires_at,
                jsonb_build_object('lotId', id), $1
           FROM due
         ON CONFLICT DO NOTHING
         RETURNING customer_id, ref_id, points),
       lots AS (
         UPDATE loyalty_lots l SET remaining = 0, expired_at = $1
           FROM led WHERE l.customer_id = led.customer_id AND l.id = led.ref_id::bigint
         RETURNING l.customer_id),
       acc AS (
         UPDATE loyalty_accounts a SET points_balance = a.points_balance + s.pts, updated_at = now()
           FROM (SELECT customer_id, sum(points)::bigint AS pts FROM led GROUP BY customer_id) s
          WHERE a.customer_id = s.customer_id
         RETURNING 1)
       SELECT (SELECT count(*) FROM lots) AS lots, (SELECT coalesce(-sum(points), 0)::bigint FROM led) AS points, (SELECT count(*) FROM acc) AS members`,
      [now],
    );
    const x = r.rows[0];
    return { lots: Number(x.lots), points: Number(x.points), members: Number(x.members) };
  });
}
