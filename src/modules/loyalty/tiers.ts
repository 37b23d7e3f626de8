import { prepared, type Db, type Queryable } from '../../db/client.ts';
import type { Programme } from './programme.ts';
import { currentProgramme } from './store.ts';

const windowSums = `sum(CASE WHEN p.kind = 'sale' THEN p.paid_fen ELSE -abs(p.paid_fen) END)::bigint AS spend, count(*) FILTER (WHERE p.kind = 'sale') AS n`;

/**
 * The members whose tier should change, with their window spend and purchase count: 'up' (qualifies higher, at
 * once), 'pend' (qualifies lower: the grace period starts), 'down' (grace period over), 'clear' (qualifies again
 * while a downgrade was pending). Spend is sales minus returns paid in the rolling window; purchases count sales.
 */
function evaluationQuery(customerFilter: boolean, programme: Programme) {
  // The highest qualifying rung as one CASE per member (thresholds stay parameters: $2/$3 arrays by rung).
  const rung = (i: number) => {
    const t = programme.tiers[i - 1]!;
    const spend = `s.spend >= ($2::bigint[])[${i}]`;
    const count = `s.n >= ($3::bigint[])[${i}]`;
    const used = [t.minSpendFen > 0 ? spend : null, t.minPurchases > 0 ? count : null].filter(Boolean);
    if (used.length === 0) return 'true';
    return `(${used.join(programme.qualification.match === 'all' ? ' AND ' : ' OR ')})`;
  };
  const whens = programme.tiers.map((_, i) => i + 1).slice(1).reverse().map((i) => `WHEN ${rung(i)} THEN ${i}`).join(' ');
  return `
  WITH ladder AS (
    SELECT l.ord, t.id AS tier_id
      FROM unnest($1::text[]) WITH ORDINALITY AS l(code, ord)
      JOIN loyalty_tiers t ON t.code = l.code),${customerFilter ? '' : `
  stats AS (
    SELECT p.customer_id, ${windowSums}
      FROM purchases p
     WHERE p.purchased_at >= $4 AND p.purchased_at <= $5
     GROUP BY p.customer_id),`}
  ev AS (
    SELECT a.customer_id, a.tier_id AS cur_id, a.tier_downgrade_at, coalesce(cur.ord, 0) AS cur_ord,
           coalesce(s.spend, 0) AS spend, coalesce(s.n, 0) AS n,
           ${whens ? `CASE WHEN s.customer_id IS NULL THEN 1 ${whens} ELSE 1 END` : '1'} AS q_ord
      FROM loyalty_accounts a
      LEFT JOIN ladder cur ON cur.tier_id = a.tier_id
      ${customerFilter
        // Each named member's own purchases by index, whatever the plan thinks the list holds: joining a list of them to
        // the window's purchases read every purchase in the window, or compared every member with every other.
        ? `CROSS JOIN LATERAL (
             SELECT max(p.customer_id) AS customer_id, ${windowSums}
               FROM purchases p WHERE p.customer_id = a.customer_id AND p.purchased_at >= $4 AND p.purchased_at <= $5) s`
        : 'LEFT JOIN stats s ON s.customer_id = a.customer_id'}
     WHERE $6::text IS NOT NULL ${customerFilter ? 'AND a.customer_id = ANY($8::bigint[])' : ''}),
  decided AS (
    SELECT ev.customer_id, ev.cur_id, q.tier_id AS q_id, ev.spend, ev.n,
           CASE WHEN ev.q_ord > ev.cur_ord THEN 'up'
                WHEN ev.q_ord < ev.cur_ord AND ($7::int = 0 OR ev.tier_downgrade_at <= $5) THEN 'down'
                WHEN ev.q_ord < ev.cur_ord AND ev.tier_downgrade_at IS NULL THEN 'pend'
                WHEN ev.q_ord >= ev.cur_ord AND ev.tier_downgrade_at IS NOT NULL THEN 'clear' END AS action
      FROM ev JOIN ladder q ON q.ord = ev.q_ord)
  SELECT customer_id, cur_id, q_id, spend, n, action FROM decided WHERE action IS NOT NULL`;
}

/** Where a member's qualifying window starts for an evaluation at `now`. */
export function windowStart(programme: Programme, now: Date): Date {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - programme.qualification.windowMonths);
  return d;
}

const params = (programme: Programme, now: Date) => [
  programme.tiers.map((t) => t.code), programme.tiers.map((t) => t.minSpendFen), programme.tiers.map((t) => t.minPurchases),
  windowStart(programme, now), now, programme.qualification.match, programme.tierEvaluation.downgradeGraceDays,
];

const APPLY = `
  WITH upd AS (
    UPDATE loyalty_accounts a
       SET tier_id = CASE WHEN e.action IN ('up', 'down') THEN e.q_id ELSE a.tier_id END,
           tier_since = CASE WHEN e.action IN ('up', 'down') THEN $1 ELSE a.tier_since END,
           tier_downgrade_at = CASE WHEN e.action = 'pend' THEN $1::timestamptz + make_interval(days => $2::int) ELSE NULL END,
           updated_at = now()
      FROM %SOURCE% e
     WHERE a.customer_id = e.customer_id AND a.tier_id IS NOT DISTINCT FROM e.cur_id %ACTIONS%
    RETURNING a.customer_id, e.cur_id, e.q_id, e.action, e.spend, e.n),
  hist AS (
    INSERT INTO loyalty_tier_changes (customer_id, from_tier_id, to_tier_id, direction, reason, spend_fen, purchases, changed_at)
    SELECT customer_id, cur_id, q_id, action, CASE action WHEN 'up' THEN 'qualified' ELSE 'grace_expired' END, spend, n, $1
      FROM upd WHERE action IN ('up', 'down') RETURNING 1)
  SELECT upd.customer_id, upd.action, upd.q_id FROM upd`;

export interface TierRunResult {
  upgraded: number;
  downgraded: number;
  pending: number;
  cleared: number;
}

const tally = (rows: { action: string }[]): TierRunResult => ({
  upgraded: rows.filter((r) => r.action === 'up').length,
  downgraded: rows.filter((r) => r.action === 'down').length,
  pending: rows.filter((r) => r.action === 'pend').length,
  cleared: rows.filter((r) => r.action === 'clear').length,
});

/**
 * After purchases: upgrades (and cancels pending downgrades of) the named members at once. Their accounts are
 * already locked by the caller. Returns the members whose tier changed, with their new tier id.
 */
export async function upgradeMembers(tx: Queryable, programme: Programme, customerIds: number[], now = new Date()): Promise<Map<number, number>> {
  if (customerIds.length === 0) return new Map();
  const r = await tx.query(
    prepared(`WITH e AS MATERIALIZED (${evaluationQuery(true, programme)}),
     upd AS (
       UPDATE loyalty_accounts a
          SET tier_id = CASE WHEN e.action = 'up' THEN e.q_id ELSE a.tier_id END,
              tier_since = CASE WHEN e.action = 'up' THEN $5 ELSE a.tier_since END,
              tier_downgrade_at = NULL, updated_at = now()
         FROM e WHERE a.customer_id = e.customer_id AND e.action IN ('up', 'clear')
       RETURNING a.customer_id, e.cur_id, e.q_id, e.action, e.spend, e.n),
     hist AS (
       INSERT INTO loyalty_tier_changes (customer_id, from_tier_id, to_tier_id, direction, reason, spend_fen, purchases, changed_at)
       SELECT customer_id, cur_id, q_id, 'up', 'qualified', spend, n, $5 FROM upd WHERE action = 'up' RETURNING 1)
     SELECT customer_id, q_id FROM upd WHERE action = 'up'`),
    [...params(programme, now), customerIds],
  );
  return new Map(r.rows.map((x) => [x.customer_id, x.q_id]));
}

/**
 * The nightly evaluation over every member, set-based: the decisions go to a temporary table, the accounts that
 * change are locked in customer order (as purchase batches lock them, so the two never deadlock), then one
 * statement moves tiers and writes the history. A member changed meanwhile by a purchase is left for the next run.
 */
export async function evaluateAllTiers(db: Db, opts: { now?: Date; force?: boolean; timeZone?: string } = {}): Promise<TierRunResult & { skipped?: boolean }> {
  const now = opts.now ?? new Date();
  const { programme } = await currentProgramme(db, now);
  if (programme.tierEvaluation.schedule === 'monthly' && !opts.force) {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: opts.timeZone ?? 'Asia/Shanghai', day: 'numeric' }).format(now);
    if (day !== '1') return { upgraded: 0, downgraded: 0, pending: 0, cleared: 0, skipped: true };
  }
  return db.tx(async (tx) => {
    await tx.exec(`CREATE TEMP TABLE loyalty_tier_eval (customer_id bigint PRIMARY KEY, cur_id bigint, q_id bigint, spend bigint, n bigint, action text) ON COMMIT DROP`);
    await tx.query(`INSERT INTO loyalty_tier_eval ${evaluationQuery(false, programme)}`, params(programme, now));
    await tx.query(`SELECT a.customer_id FROM loyalty_accounts a JOIN loyalty_tier_eval e ON e.customer_id = a.customer_id ORDER BY a.customer_id FOR UPDATE OF a`);
    const r = await tx.query(APPLY.replace('%SOURCE%', 'loyalty_tier_eval').replace('%ACTIONS%', ''), [now, programme.tierEvaluation.downgradeGraceDays]);
    return tally(r.rows);
  });
}
