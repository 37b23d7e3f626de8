import type { Db, Queryable } from '../../db/client.ts';
import { AppError, forbidden } from '../../http/errors.ts';
import { recordAudit, type Actor } from '../staff/index.ts';

export interface TargetInput {
  storeId?: number;
  storeCode?: string;
  /** 'YYYY-MM' */
  month: string;
  targetFen: number;
}

const firstDay = (month: string) => `${month}-01`;

/**
 * Sets monthly targets (insert or replace) for up to 1,000 store-months in one statement. Only chain-wide
 * staff and keys set targets: store staff must not move their own goal posts.
 */
export async function setTargets(db: Db, actor: Actor, items: TargetInput[]) {
  if (actor.storeIds.length) throw forbidden('CHAIN_WIDE_ONLY', 'Only chain-wide staff may set sales targets.', '只有全渠道（不限门店）的员工才能设置销售目标。');
  return db.tx(async (tx) => {
    const codes = items.filter((i) => i.storeId === undefined).map((i) => i.storeCode!);
    const ids = items.filter((i) => i.storeId !== undefined).map((i) => i.storeId!);
    const stores = await tx.query('SELECT id, code FROM stores WHERE id = ANY($1::bigint[]) OR code = ANY($2::text[])', [ids, codes]);
    const byId = new Set(stores.rows.map((s: any) => s.id as number));
    const byCode = new Map(stores.rows.map((s: any) => [s.code as string, s.id as number]));
    const resolved = items.map((t, i) => {
      const id = t.storeId !== undefined ? (byId.has(t.storeId) ? t.storeId : undefined) : byCode.get(t.storeCode!);
      if (id === undefined) {
        const path = `targets.${i}.${t.storeId !== undefined ? 'storeId' : 'storeCode'}`;
        throw new AppError(404, 'STORE_NOT_FOUND', { en: 'Store not found.', zh: '未找到门店。' }, [{ path, en: 'no such store', zh: '没有这个门店' }]);
      }
      return { storeId: id, month: firstDay(t.month), targetFen: t.targetFen };
    });
    const seen = new Set<string>();
    for (const [i, r] of resolved.entries()) {
      const k = `${r.storeId} ${r.month}`;
      if (seen.has(k)) throw new AppError(400, 'VALIDATION_FAILED', { en: 'Invalid input: the same store and month twice', zh: '输入无效：同一门店同一月份出现两次' }, [{ path: `targets.${i}.month`, en: 'the same store and month appears twice', zh: '同一门店同一月份出现两次' }]);
      seen.add(k);
    }
    await tx.query(
      `INSERT INTO sales_targets (store_id, month, target_fen, updated_by)
       SELECT s, m, t, $4 FROM unnest($1::bigint[], $2::date[], $3::bigint[]) AS x(s, m, t)
       ON CONFLICT (store_id, month) DO UPDATE SET target_fen = EXCLUDED.target_fen, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [resolved.map((r) => r.storeId), resolved.map((r) => r.month), resolved.map((r) => r.targetFen), actor.name],
    );
    await recordAudit(tx, actor, { action: 'set', entity: 'sales_target', details: { count: resolved.length, items: resolved.slice(0, 50) } });
    return { saved: resolved.length };
  });
}

/**
 * Sales against target per store and month, in each store's own time zone: net sales (sales minus refunds),
 * % of target, number of sales, distinct buyers and average basket (net sales per sale).
 * Store-scoped staff see only their stores.
 */
export async function salesVsTarget(q: Queryable, actor: Actor, f: { from: string; to: string; storeId?: number }) {
  const scoped = actor.storeIds.length > 0;
  const r = await q.query(
    `WITH months AS (SELECT generate_series($1::date, $2::date, interval '1 month')::date AS month),
     st AS (SELECT id, code, name, timezone FROM stores
             WHERE ($3::bigint IS NULL OR id = $3) AND (NOT $4 OR id = ANY($5::bigint[]))),
     actual AS (
       SELECT p.store_id, date_trunc('month', p.purchased_at AT TIME ZONE st.timezone)::date AS month,
              sum(p.paid_fen)::bigint AS net, count(*) FILTER (WHERE p.kind = 'sale')::bigint AS purchases,
              count(DISTINCT p.customer_id) FILTER (WHERE p.kind = 'sale')::bigint AS buyers
         FROM purchases p JOIN st ON st.id = p.store_id
        WHERE p.purchased_at >= $1::date - interval '1 day' AND p.purchased_at < $2::date + interval '1 month 1 day'
        GROUP BY 1, 2)
     SELECT st.id AS "storeId", st.code AS "storeCode", st.name AS "storeName", to_char(m.month, 'YYYY-MM') AS month,
            t.target_fen AS "targetFen", COALESCE(a.net, 0)::bigint AS "netSalesFen", COALESCE(a.purchases, 0)::bigint AS purchases,
            COALESCE(a.buyers, 0)::bigint AS buyers
       FROM st CROSS JOIN months m
       LEFT JOIN sales_targets t ON t.store_id = st.id AND t.month = m.month
       LEFT JOIN actual a ON a.store_id = st.id AND a.month = m.month
      WHERE t.target_fen IS NOT NULL OR a.net IS NOT NULL
      ORDER BY m.month, st.code`,
    [firstDay(f.from), firstDay(f.to), f.storeId ?? null, scoped, actor.storeIds],
  );
  return r.rows.map((x: any) => ({
    ...x,
    achievedPct: x.targetFen ? Math.round((x.netSalesFen * 1000) / x.targetFen) / 10 : null,
    averageBasketFen: x.purchases > 0 ? Math.round(x.netSalesFen / x.purchases) : null,
  }));
}

export async function listTargets(q: Queryable, actor: Actor, month: string) {
  const r = await q.query(
    `SELECT t.store_id AS "storeId", s.code AS "storeCode", s.name AS "storeName", to_char(t.month, 'YYYY-MM') AS month, t.target_fen AS "targetFen",
            t.updated_by AS "updatedBy", t.updated_at AS "updatedAt"
       FROM sales_targets t JOIN stores s ON s.id = t.store_id
      WHERE t.month = $1::date AND (NOT $2 OR t.store_id = ANY($3::bigint[])) ORDER BY s.code`,
    [firstDay(month), actor.storeIds.length > 0, actor.storeIds],
  );
  return r.rows;
}
