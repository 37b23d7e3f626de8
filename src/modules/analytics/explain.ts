import type { Queryable } from '../../db/client.ts';
import { notFound } from '../../http/errors.ts';
import { OTHER_SEGMENT, RFM_SEGMENTS } from './models/rfm.ts';
import { getScoringSettings, getValueGradeRule } from './settings.ts';
import { valueGradeScore } from './models/valueGrade.ts';

const segmentName = (code: string | null) => {
  const s = RFM_SEGMENTS.find((x) => x.code === code) ?? (code === OTHER_SEGMENT.code ? OTHER_SEGMENT : null);
  return s ? { code: s.code, en: s.nameEn, zh: s.nameZh } : null;
};

/** Latest fits (converged or not) and the latest runs: what the models page shows. */
export async function latestModels(q: Queryable) {
  const fits = await q.query(
    `SELECT DISTINCT ON (model) id, model, params, log_lik AS "logLik", n, converged, time_unit AS "timeUnit", diagnostics, fitted_at AS "fittedAt", run_id AS "runId"
       FROM model_fits ORDER BY model, fitted_at DESC, id DESC`,
  );
  const good = await q.query(
    `SELECT DISTINCT ON (model) id, model, params, log_lik AS "logLik", n, fitted_at AS "fittedAt"
       FROM model_fits WHERE converged ORDER BY model, fitted_at DESC, id DESC`,
  );
  const runs = await q.query(
    `SELECT id, status, trigger, to_char(calibration_end, 'YYYY-MM-DD') AS "calibrationEnd", started_at AS "startedAt", finished_at AS "finishedAt",
            customers, timings, error FROM scoring_runs ORDER BY started_at DESC, id DESC LIMIT 10`,
  );
  return {
    models: fits.rows.map((f) => ({ ...f, inUse: good.rows.find((g) => g.model === f.model) ?? null })),
    runs: runs.rows,
  };
}

/**
 * One customer's scores with what they were computed from: the RFM measures and scores, the model inputs
 * (x, t_x, T recomputed as of the last run's calibration end), P(alive), expected purchases, expected spend
 * and CLV with the parameters in use, and the value-grade and churn rules applied.
 */
export async function customerScores(q: Queryable, customerId: number, timezone: string) {
  const c = await q.query(`SELECT id FROM customers WHERE id = $1`, [customerId]);
  if (!c.rows.length) throw notFound('customer', '客户');
  const r = await q.query(
    `SELECT recency_days AS "recencyDays", frequency, monetary_fen AS "monetaryFen", r_score AS "rScore", f_score AS "fScore", m_score AS "mScore",
            rfm_score AS "rfmScore", rfm_segment AS "rfmSegment", value_grade AS "valueGrade", p_alive AS "pAlive",
            expected_purchases_12m AS "expectedPurchases12m", expected_spend_fen AS "expectedSpendFen", clv_fen AS "clvFen",
            churn_risk AS "churnRisk", overdue_days AS "overdueDays", computed_at AS "computedAt"
       FROM customer_scores WHERE customer_id = $1`,
    [customerId],
  );
  if (!r.rows.length) return { customerId, scores: null, explanation: null };
  const scores = r.rows[0];
  const run = await q.query(
    `SELECT to_char(calibration_end, 'YYYY-MM-DD') AS d FROM scoring_runs WHERE status = 'succeeded' ORDER BY finished_at DESC, id DESC LIMIT 1`,
  );
  const calibrationEnd: string | null = run.rows[0]?.d ?? null;
  let inputs = null;
  if (calibrationEnd) {
    const s = await q.query(
      `SELECT count(*)::int - 1 AS x, max(day) - min(day) AS "txDays", $3::date - min(day) AS "TDays"
         FROM (SELECT DISTINCT (purchased_at AT TIME ZONE $2)::date AS day FROM purchases
                WHERE customer_id = $1 AND kind = 'sale' AND purchased_at < (($3::date + 1)::timestamp AT TIME ZONE $2)) d`,
      [customerId, timezone, calibrationEnd],
    );
    const row = s.rows[0];
    if (row && row.x >= 0) {
      inputs = {
        repeatTransactions: row.x,
        txWeeks: row.txDays / 7,
        TWeeks: row.TDays / 7,
        usualIntervalDays: row.x > 0 ? row.txDays / row.x : null,
      };
    }
  }
  const fits = await q.query(
    `SELECT DISTINCT ON (model) model, params, fitted_at AS "fittedAt" FROM model_fits WHERE converged ORDER BY model, fitted_at DESC, id DESC`,
  );
  const settings = await getScoringSettings(q);
  const rule = await getValueGradeRule(q);
  const tier = await q.query(
    `SELECT CASE WHEN tr.max_rank = tr.min_rank THEN 1 ELSE (lt.rank - tr.min_rank)::float8 / (tr.max_rank - tr.min_rank) END AS position
       FROM loyalty_accounts la JOIN loyalty_tiers lt ON lt.id = la.tier_id
      CROSS JOIN (SELECT min(rank) AS min_rank, max(rank) AS max_rank FROM loyalty_tiers) tr
      WHERE la.customer_id = $1`,
    [customerId],
  );
  const tierPosition: number | null = tier.rows[0]?.position ?? null;
  return {
    customerId,
    scores: { ...scores, rfmSegmentName: segmentName(scores.rfmSegment) },
    explanation: {
      calibrationEnd,
      rfm: {
        windowDays: settings.rfmWindowDays,
        recencyDays: scores.recencyDays,
        frequency: scores.frequency,
        monetaryFen: scores.monetaryFen,
        scores: { r: scores.rScore, f: scores.fScore, m: scores.mScore },
        rule: 'quintiles of all scored customers (cut points = 20/40/60/80 % quantiles + 1, half-open bins, recency reversed)',
      },
      model: {
        timeUnit: 'week',
        inputs,
        bgnbd: fits.rows.find((f) => f.model === 'bgnbd') ?? null,
        gammaGamma: fits.rows.find((f) => f.model === 'gamma_gamma') ?? null,
        pAlive: scores.pAlive,
        expectedPurchases12m: scores.expectedPurchases12m,
        expectedSpendFen: scores.expectedSpendFen,
        clvFen: scores.clvFen,
        clv: { horizonMonths: settings.clvHorizonMonths, monthlyDiscount: settings.monthlyDiscount },
      },
      valueGrade: {
        grade: scores.valueGrade,
        inputs: { r: scores.rScore, f: scores.fScore, m: scores.mScore, tierPosition, satisfaction: null },
        score: valueGradeScore({ r: scores.rScore, f: scores.fScore, m: scores.mScore, tierPosition }, rule),
        rule,
      },
      churn: { risk: scores.churnRisk, overdueDays: scores.overdueDays, rule: settings.churn },
    },
  };
}
