import type { Db, Queryable } from '../../db/client.ts';

/**
 * Empties the due lots (keeping what each held in `expired_points`), books an 'expire' entry for each unspent
 * remainder and moves the balances, in one statement; the caller holds the accounts' locks. Due means expiring at
 * or before `dueBy` (the run's time), or, given `members`, at or before each member's own instant. `at` is when
 * it is recorded.
 */
export async function expireDueLots(tx: Queryable, at: Date, members?: { customerIds: number[]; dueBy: Date[] }): Promise<{ lots: number; points: number; members: number }> {
  const due = members
    ? // Each member's open lots by index: OFFSET 0 keeps the LATERAL from being flattened into a scan of every lot.
      `UPDATE loyalty_lots l SET expired_points = l.remaining, remaining = 0, expired_at = $1
         FROM unnest($2::bigint[], $3::timestamptz[]) AS d(customer_id, due_by)
         CROSS JOIN LATERAL (SELECT o.id FROM loyalty_lots o WHERE o.customer_id = d.customer_id AND o.remaining > 0 AND o.expires_at <= d.due_by OFFSET 0) x
        WHERE l.customer_id = d.customer_id AND l.id = x.id
       RETURNING l.customer_id, l.id, l.expired_points, l.expires_at`
    : `UPDATE loyalty_lots SET expired_points = remaining, remaining = 0, expired_at = $1
        WHERE remaining > 0 AND expires_at <= $1
       RETURNING customer_id, id, expired_points, expires_at`;
  const r = await tx.query(
    `WITH lots AS (${due}),
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
    members ? [at, members.customerIds, members.dueBy] : [at],
  );
  const x = r.rows[0];
  return { lots: Number(x.lots), points: Number(x.points), members: Number(x.members) };
}

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
    return expireDueLots(tx, now);
  });
}
