import type { Queryable } from '../../db/client.ts';

/** The console home page's figures: real counts over the last 30 business days (today included) in the business time zone. */
export async function homeFigures(q: Queryable, storeIds: number[], timezone: string) {
  const scoped = storeIds.length > 0;
  const since = `((date_trunc('day', now() AT TIME ZONE $3::text) - interval '29 days') AT TIME ZONE $3::text)`;
  const r = await q.query(
    `SELECT
       (SELECT count(*) FROM customers WHERE status = 'active')::bigint AS customers,
       (SELECT count(*) FROM customers WHERE status = 'active' AND registered_at >= ${since})::bigint AS "newCustomers30d",
       (SELECT count(*) FROM stores WHERE active AND (NOT $1 OR id = ANY($2::bigint[])))::bigint AS stores,
       (SELECT count(*) FROM products WHERE active)::bigint AS products,
       (SELECT count(*) FROM staff_accounts WHERE active)::bigint AS staff,
       s.purchases30d, s."sales30dFen", s."buyers30d"
     FROM (SELECT count(*) FILTER (WHERE kind = 'sale')::bigint AS purchases30d,
                  COALESCE(sum(paid_fen), 0)::bigint AS "sales30dFen",
                  count(DISTINCT customer_id)::bigint AS "buyers30d"
             FROM purchases
            WHERE purchased_at >= ${since} AND (NOT $1 OR store_id = ANY($2::bigint[]))) s`,
    [scoped, storeIds, timezone],
  );
  const daily = await q.query(
    `SELECT to_char(date_trunc('day', purchased_at AT TIME ZONE $3::text), 'YYYY-MM-DD') AS day,
            COALESCE(sum(paid_fen), 0)::bigint AS "salesFen", count(*) FILTER (WHERE kind = 'sale')::bigint AS purchases
       FROM purchases
      WHERE purchased_at >= ${since} AND (NOT $1 OR store_id = ANY($2::bigint[]))
      GROUP BY 1 ORDER BY 1`,
    [scoped, storeIds, timezone],
  );
  return { ...r.rows[0], daily: daily.rows };
}
