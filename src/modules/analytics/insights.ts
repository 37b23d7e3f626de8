import type { Queryable } from '../../db/client.ts';
import { maskMobile } from '../../lib/pii.ts';
import { Conditions } from '../../db/conditions.ts';

/** Recency × frequency: how many customers sit in each cell and what they spent. */
export async function rfmGrid(q: Queryable) {
  const cells = await q.query(
    `SELECT r_score AS r, f_score AS f, count(*)::int AS customers, COALESCE(sum(monetary_fen), 0)::bigint AS "monetaryFen"
       FROM customer_scores s JOIN customers c ON c.id = s.customer_id AND c.status = 'active'
      WHERE r_score IS NOT NULL AND f_score IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const segments = await q.query(
    `SELECT rfm_segment AS segment, count(*)::int AS customers, COALESCE(sum(monetary_fen), 0)::bigint AS "monetaryFen"
       FROM customer_scores s JOIN customers c ON c.id = s.customer_id AND c.status = 'active'
      WHERE rfm_segment IS NOT NULL GROUP BY 1 ORDER BY 2 DESC`,
  );
  return { cells: cells.rows, segments: segments.rows };
}

/** Upper bounds (fen) of the CLV histogram's buckets: roughly doubling, in yuan people recognise. */
export const CLV_BUCKETS_FEN = [0, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000];

/** Value grades, churn risk and a CLV histogram over active customers. */
export async function valueDistribution(q: Queryable) {
  const r = await q.query(
    `SELECT count(*) FILTER (WHERE s.value_grade = 'high')::int AS "valueHigh",
            count(*) FILTER (WHERE s.value_grade = 'medium')::int AS "valueMedium",
            count(*) FILTER (WHERE s.value_grade = 'low')::int AS "valueLow",
            count(*) FILTER (WHERE s.churn_risk = 'high')::int AS "churnHigh",
            count(*) FILTER (WHERE s.churn_risk = 'medium')::int AS "churnMedium",
            count(*) FILTER (WHERE s.churn_risk = 'low')::int AS "churnLow",
            count(*)::int AS scored, COALESCE(sum(s.clv_fen), 0)::bigint AS "clvTotalFen", max(s.computed_at) AS "computedAt"
       FROM customer_scores s JOIN customers c ON c.id = s.customer_id AND c.status = 'active'`,
  );
  const hist = await q.query(
    `SELECT width_bucket(s.clv_fen, $1::bigint[]) AS bucket, count(*)::int AS customers
       FROM customer_scores s JOIN customers c ON c.id = s.customer_id AND c.status = 'active'
      WHERE s.clv_fen IS NOT NULL GROUP BY 1 ORDER BY 1`,
    [CLV_BUCKETS_FEN],
  );
  const counts = new Map(hist.rows.map((h) => [h.bucket as number, h.customers as number]));
  const clvHistogram = CLV_BUCKETS_FEN.map((from, i) => ({ fromFen: from, toFen: CLV_BUCKETS_FEN[i + 1] ?? null, customers: counts.get(i + 1) ?? 0 }));
  return { ...r.rows[0], clvHistogram };
}

export interface AtRiskFilter {
  storeId?: number;
  segmentId?: number;
  risk?: 'high' | 'medium';
  afterRank?: number;
  limit: number;
}

/**
 * The churn early warning: customers the model thinks are slipping away (churn risk high or medium) or who
 * are overdue against their own usual interval, ranked by value at risk — their spend over the scoring
 * window times the probability they are no longer active.
 */
function atRiskQuery(f: Omit<AtRiskFilter, 'limit' | 'afterRank'>) {
  const c = new Conditions(`c.status = 'active'`, `(s.churn_risk IN ('high', 'medium') OR s.overdue_days > 0)`);
  if (f.risk) c.add('s.churn_risk = ?', f.risk);
  if (f.storeId) c.add(`EXISTS (SELECT 1 FROM customer_activity a WHERE a.customer_id = c.id AND a.dimension = 'store' AND a.key = ?::text)`, String(f.storeId));
  if (f.segmentId) c.add('EXISTS (SELECT 1 FROM segment_members m WHERE m.customer_id = c.id AND m.segment_id = ?)', f.segmentId);
  const sql = `SELECT c.id, c.name, c.mobile, c.city, s.rfm_segment AS "rfmSegment", s.value_grade AS "valueGrade", s.churn_risk AS "churnRisk",
                      s.p_alive AS "pAlive", s.recency_days AS "recencyDays", s.overdue_days AS "overdueDays", s.frequency,
                      s.monetary_fen AS "monetaryFen", s.clv_fen AS "clvFen",
                      round(s.monetary_fen * (1 - COALESCE(s.p_alive, 0.5)))::bigint AS "valueAtRiskFen"
                 FROM customer_scores s JOIN customers c ON c.id = s.customer_id
                ${c.where}`;
  return { sql, params: c.params };
}

const ranked = (rows: any[], firstRank: number, seePii: boolean) =>
  rows.map((r, i) => ({ rank: firstRank + i, ...r, mobile: seePii ? r.mobile : maskMobile(r.mobile) }));

/** One page of the list for the console, with the total. */
export async function atRiskCustomers(q: Queryable, f: AtRiskFilter, seePii: boolean) {
  const { sql, params } = atRiskQuery(f);
  const total = await q.query(`SELECT count(*)::int AS n FROM (${sql}) x`, params);
  const offset = f.afterRank ?? 0;
  const rows = await q.query(`${sql} ORDER BY "valueAtRiskFen" DESC, c.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [...params, f.limit, offset]);
  return { total: total.rows[0].n as number, items: ranked(rows.rows, offset + 1, seePii) };
}

/** Streams the whole list in rank order, a page at a time, each page continuing after the last row (no count, no offset). */
export async function* atRiskPages(q: Queryable, f: Omit<AtRiskFilter, 'limit' | 'afterRank'>, seePii: boolean, pageSize = 5000) {
  const { sql, params } = atRiskQuery(f);
  const n = params.length;
  let after: { value: number; id: number } | null = null;
  for (let rank = 1; ; ) {
    const rows: any[] = (await q.query(
      `SELECT * FROM (${sql}) x
        ${after ? `WHERE "valueAtRiskFen" < $${n + 2}::bigint OR ("valueAtRiskFen" = $${n + 2}::bigint AND id > $${n + 3}::bigint)` : ''}
        ORDER BY "valueAtRiskFen" DESC, id LIMIT $${n + 1}`,
      after ? [...params, pageSize, after.value, after.id] : [...params, pageSize],
    )).rows;
    if (!rows.length) return;
    yield ranked(rows, rank, seePii);
    rank += rows.length;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1];
    after = { value: last.valueAtRiskFen, id: last.id };
  }
}

/** Records today's scoring picture once per business day (a rerun the same day replaces it). */
export async function takeScoreSnapshot(q: Queryable, day: string): Promise<void> {
  await q.query(
    `INSERT INTO analytics_score_snapshots (day, customers, churn_high, churn_medium, churn_low, value_high, value_medium, value_low, clv_total_fen)
     SELECT $1::date, count(*), count(*) FILTER (WHERE s.churn_risk = 'high'), count(*) FILTER (WHERE s.churn_risk = 'medium'),
            count(*) FILTER (WHERE s.churn_risk = 'low'), count(*) FILTER (WHERE s.value_grade = 'high'),
            count(*) FILTER (WHERE s.value_grade = 'medium'), count(*) FILTER (WHERE s.value_grade = 'low'), COALESCE(sum(s.clv_fen), 0)
       FROM customer_scores s JOIN customers c ON c.id = s.customer_id AND c.status = 'active'
     ON CONFLICT (day) DO UPDATE SET customers = excluded.customers, churn_high = excluded.churn_high, churn_medium = excluded.churn_medium,
       churn_low = excluded.churn_low, value_high = excluded.value_high, value_medium = excluded.value_medium, value_low = excluded.value_low,
       clv_total_fen = excluded.clv_total_fen, taken_at = now()`,
    [day],
  );
}

export async function scoreTrend(q: Queryable, days: number) {
  const r = await q.query(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, customers, churn_high AS "churnHigh", churn_medium AS "churnMedium", churn_low AS "churnLow",
            value_high AS "valueHigh", value_medium AS "valueMedium", value_low AS "valueLow", clv_total_fen AS "clvTotalFen"
       FROM analytics_score_snapshots WHERE day > current_date - $1::int ORDER BY day`,
    [days],
  );
  return r.rows;
}
