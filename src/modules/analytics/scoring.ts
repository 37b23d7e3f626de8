/**
 * The scoring pass: one set-based SQL statement summarises purchases per customer into `scoring_summary`;
 * Node reads the summary (not raw rows), fits BG/NBD on distinct (x, t_x, T) tuples with counts and
 * Gamma-Gamma on (a sample of) repeat buyers, scores everyone over typed arrays, and writes
 * `customer_scores` back in bulk in one transaction.
 */
import type { Db, Queryable } from '../../db/client.ts';
import { conflict } from '../../http/errors.ts';
import { compressWeighted, fitBgnbd, type BgnbdFit, type BgnbdParams, type RfSummary } from './models/bgnbd.ts';
import { fitGammaGamma, type GammaGammaFit, type GammaGammaParams, type SpendSummary } from './models/gammagamma.ts';
import { scoreCustomers, type ScoringInput, type ScoringOutput } from './models/predict.ts';
import { getScoringSettings, getValueGradeRule } from './settings.ts';
import { takeScoreSnapshot } from './insights.ts';

const WEEK = 7;
const PAGE = 200000;
/** Fewer repeat buyers than this and a fit says nothing useful: it is skipped and recorded as not converged. */
const MIN_REPEAT_BUYERS = 20;

export interface ScoringRunReport {
  runId: number;
  calibrationEnd: string;
  customers: number;
  bgnbd: FitReport;
  gammaGamma: FitReport;
  timings: Record<string, number>;
}

export interface FitReport {
  converged: boolean;
  used: 'new' | 'previous' | 'none';
  params: Record<string, number> | null;
  logLik: number | null;
  n: number;
  reason?: string;
}

/** Days since 1900-01-01 times 10^13 plus the day's sales: min() of it picks the first day's sales (< 10^13 fen). */
const FIRST_DAY_KEY = '10000000000000';

/**
 * Fills scoring_summary. INSERT … SELECT never runs as a parallel plan in PostgreSQL 15, so on a server the
 * customer-id range is cut into slices summarised on two connections at once (one per core).
 */
export async function buildSummary(db: Db, timezone: string, calibrationEnd: string, windowDays: number): Promise<number> {
  await db.query('TRUNCATE scoring_summary');
  const range = (await db.query(`SELECT min(id) AS lo, max(id) AS hi FROM customers`)).rows[0];
  if (range.lo == null) return 0;
  const slices = db.kind === 'postgres' ? 8 : 1;
  const width = Math.ceil((range.hi - range.lo + 1) / slices);
  const queue = Array.from({ length: slices }, (_, k) => [range.lo + k * width, Math.min(range.hi, range.lo + (k + 1) * width - 1)]);
  let total = 0;
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const rows = await summariseSlice(db, timezone, calibrationEnd, windowDays, next[0], next[1]);
      total += rows;
    }
  };
  await Promise.all(Array.from({ length: db.kind === 'postgres' ? 2 : 1 }, worker));
  return total;
}

async function summariseSlice(q: Queryable, timezone: string, calibrationEnd: string, windowDays: number, lo: number, hi: number): Promise<number> {
  const r = await q.query(
    `INSERT INTO scoring_summary (customer_id, first_day, last_day, sale_days, repeat_value_fen, window_sales, window_net_fen, tier_position)
     SELECT g.customer_id, g.first_day, g.last_day, g.sale_days, g.repeat_value_fen, g.window_sales, g.window_net_fen,
            CASE WHEN lt.rank IS NULL THEN NULL
                 WHEN tr.max_rank = tr.min_rank THEN 1
                 ELSE (lt.rank - tr.min_rank)::float8 / (tr.max_rank - tr.min_rank) END
       FROM (
         SELECT d.customer_id,
                min(d.day) FILTER (WHERE d.sales > 0) AS first_day,
                max(d.day) FILTER (WHERE d.sales > 0) AS last_day,
                count(*) FILTER (WHERE d.sales > 0)::int AS sale_days,
                (sum(d.sale_fen - d.return_fen)
                  - min((d.day - DATE '1900-01-01')::bigint * ${FIRST_DAY_KEY} + d.sale_fen) FILTER (WHERE d.sales > 0) % ${FIRST_DAY_KEY})::bigint AS repeat_value_fen,
                COALESCE(sum(d.sales) FILTER (WHERE d.day > $2::date - $3::int), 0)::int AS window_sales,
                COALESCE(sum(d.sale_fen - d.return_fen) FILTER (WHERE d.day > $2::date - $3::int), 0)::bigint AS window_net_fen
           FROM (SELECT p.customer_id, (p.purchased_at AT TIME ZONE $1)::date AS day,
                        count(*) FILTER (WHERE p.kind = 'sale') AS sales,
                        COALESCE(sum(p.paid_fen) FILTER (WHERE p.kind = 'sale'), 0) AS sale_fen,
                        COALESCE(sum(abs(p.paid_fen)) FILTER (WHERE p.kind = 'return'), 0) AS return_fen
                   FROM purchases p
                  WHERE p.purchased_at < (($2::date + 1)::timestamp AT TIME ZONE $1) AND p.customer_id BETWEEN $4 AND $5
                  GROUP BY 1, 2) d
          GROUP BY d.customer_id
         HAVING count(*) FILTER (WHERE d.sales > 0) > 0
       ) g
       JOIN customers c ON c.id = g.customer_id AND c.status = 'active'
       LEFT JOIN loyalty_accounts la ON la.customer_id = g.customer_id
       LEFT JOIN loyalty_tiers lt ON lt.id = la.tier_id
       CROSS JOIN (SELECT min(rank) AS min_rank, max(rank) AS max_rank FROM loyalty_tiers) tr`,
    [timezone, calibrationEnd, windowDays, lo, hi],
  );
  return r.rowCount;
}

export interface SummaryArrays extends ScoringInput {
  customerId: Float64Array;
}

/** Reads the summary in pages, each page one text value (far cheaper to move and parse than row objects). */
export async function readSummary(q: Queryable, calibrationEnd: string, total: number): Promise<SummaryArrays> {
  const s: SummaryArrays = {
    customerId: new Float64Array(total), x: new Int32Array(total), txDays: new Int32Array(total), TDays: new Int32Array(total),
    recencyDays: new Int32Array(total), windowSales: new Int32Array(total), windowNetFen: new Float64Array(total),
    meanRepeatFen: new Float64Array(total), tierPosition: new Float64Array(total),
  };
  let after = -1;
  let i = 0;
  while (i < total) {
    const r = await q.query(
      `SELECT string_agg(concat_ws(',', customer_id, sale_days - 1, last_day - first_day, $2::date - first_day, repeat_value_fen,
                                   window_sales, window_net_fen, tier_position), E'\\n' ORDER BY customer_id) AS page
         FROM (SELECT * FROM scoring_summary WHERE customer_id > $1 ORDER BY customer_id LIMIT $3) s`,
      [after, calibrationEnd, PAGE],
    );
    const page: string | null = r.rows[0]?.page ?? null;
    if (!page) break;
    for (const line of page.split('\n')) {
      if (i >= total) break;
      const f = line.split(',');
      const x = Number(f[1]);
      s.customerId[i] = Number(f[0]);
      s.x[i] = x;
      s.txDays[i] = Number(f[2]);
      s.TDays[i] = Number(f[3]);
      s.recencyDays[i] = s.TDays[i] - s.txDays[i];
      s.meanRepeatFen[i] = x > 0 ? Math.max(0, Number(f[4])) / x : 0;
      s.windowSales[i] = Number(f[5]);
      s.windowNetFen[i] = Number(f[6]);
      s.tierPosition[i] = f.length > 7 && f[7] !== '' ? Number(f[7]) : NaN;
      after = s.customerId[i];
      i++;
    }
  }
  if (i !== total) throw new Error(`scoring summary changed while reading: expected ${total} rows, read ${i}`);
  return s;
}

/** A repeatable pseudo-random subset by customer id (Knuth's multiplicative hash). */
const inSample = (id: number, rate: number) => rate >= 1 || (Math.imul(id >>> 0, 2654435761) >>> 0) / 4294967296 < rate;

/** Distinct (x, t_x, T) with counts, over a repeatable sample of at most `max` customers. */
export function bgnbdData(s: SummaryArrays, max = Infinity) {
  const rate = s.x.length > max ? max / s.x.length : 1;
  const index = new Map<number, number>();
  const rows: RfSummary[] = [];
  const counts: number[] = [];
  for (let i = 0; i < s.x.length; i++) {
    if (!inSample(s.customerId[i], rate)) continue;
    const tx = s.x[i] ? s.txDays[i] : 0;
    // Days fit in 16 bits for 179 years: one numeric key instead of a string.
    const key = (s.x[i] * 65536 + tx) * 65536 + s.TDays[i];
    const k = index.get(key);
    if (k === undefined) {
      index.set(key, rows.length);
      rows.push({ x: s.x[i], tx: tx / WEEK, T: s.TDays[i] / WEEK });
      counts.push(1);
    } else counts[k]++;
  }
  return compressWeighted(rows, counts);
}

export function spendData(s: SummaryArrays, max: number): SpendSummary[] {
  let eligible = 0;
  for (let i = 0; i < s.x.length; i++) if (s.x[i] > 0 && s.meanRepeatFen[i] > 0) eligible++;
  const rate = eligible > max ? max / eligible : 1;
  const rows: SpendSummary[] = [];
  for (let i = 0; i < s.x.length; i++) {
    if (s.x[i] > 0 && s.meanRepeatFen[i] > 0 && inSample(s.customerId[i], rate)) rows.push({ x: s.x[i], meanSpend: s.meanRepeatFen[i] / 100 });
  }
  return rows;
}

async function latestGoodFit(q: Queryable, model: 'bgnbd' | 'gamma_gamma') {
  const r = await q.query(
    `SELECT params FROM model_fits WHERE model = $1 AND converged ORDER BY fitted_at DESC, id DESC LIMIT 1`,
    [model],
  );
  return r.rows[0]?.params ?? null;
}

async function recordFit(q: Queryable, runId: number, model: 'bgnbd' | 'gamma_gamma', fit: { params: object; logLik: number; converged: boolean; customers: number }, diagnostics: object) {
  await q.query(
    `INSERT INTO model_fits (run_id, model, params, log_lik, n, converged, diagnostics) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [runId, model, JSON.stringify(fit.params), Number.isFinite(fit.logLik) ? fit.logLik : null, fit.customers, fit.converged, JSON.stringify(diagnostics)],
  );
}

const roundParams = (p: object) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Number(v)]));

export async function writeScores(q: Queryable, ids: Float64Array, s: SummaryArrays, out: ScoringOutput, chunk = 20000) {
  const n = ids.length;
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  const fen = (v: number) => (Number.isFinite(v) ? Math.round(v) : null);
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const cols: unknown[][] = Array.from({ length: 16 }, () => []);
    for (let i = start; i < end; i++) {
      const row = [
        ids[i], s.recencyDays[i], s.windowSales[i], s.windowNetFen[i], out.r[i], out.f[i], out.m[i], out.rfmScore[i], out.segment[i],
        out.valueGrade[i], num(out.pAlive[i]), num(out.expectedPurchases12m[i]), fen(out.expectedSpendFen[i]), fen(out.clvFen[i]),
        out.churnRisk[i], out.overdueDays[i],
      ];
      for (let c = 0; c < 16; c++) cols[c].push(row[c]);
    }
    await q.query(
      `INSERT INTO customer_scores (customer_id, recency_days, frequency, monetary_fen, r_score, f_score, m_score, rfm_score, rfm_segment,
                                    value_grade, p_alive, expected_purchases_12m, expected_spend_fen, clv_fen, churn_risk, overdue_days, computed_at)
       SELECT *, now() FROM unnest($1::bigint[], $2::int[], $3::int[], $4::bigint[], $5::smallint[], $6::smallint[], $7::smallint[], $8::smallint[],
                                   $9::text[], $10::text[], $11::float8[], $12::float8[], $13::bigint[], $14::bigint[], $15::text[], $16::int[])`,
      cols,
    );
  }
}

export interface RunOptions {
  timezone: string;
  /** Calibration end (business date); today in the business time zone when absent. */
  asOf?: string;
  trigger: 'schedule' | 'manual';
  requestedBy?: string;
}

export async function runScoring(db: Db, opts: RunOptions): Promise<ScoringRunReport> {
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (label: string) => {
    const now = performance.now();
    timings[label] = Math.round(now - mark);
    mark = now;
  };
  const calibrationEnd: string = opts.asOf ??
    (await db.query(`SELECT to_char((now() AT TIME ZONE $1)::date, 'YYYY-MM-DD') AS d`, [opts.timezone])).rows[0].d;

  // A run that died without finishing must not block the next one forever.
  await db.query(`UPDATE scoring_runs SET status = 'failed', error = 'abandoned', finished_at = now() WHERE status = 'running' AND started_at < now() - interval '2 hours'`);
  let runId: number;
  try {
    const r = await db.query(
      `INSERT INTO scoring_runs (status, trigger, calibration_end, requested_by) VALUES ('running', $1, $2, $3) RETURNING id`,
      [opts.trigger, calibrationEnd, opts.requestedBy ?? 'system'],
    );
    runId = r.rows[0].id;
  } catch (err: any) {
    if (err?.code === '23505' || /scoring_runs_one_running/.test(String(err?.message))) {
      throw conflict('SCORING_RUNNING', 'A scoring run is already in progress.', '评分任务正在运行中。');
    }
    throw err;
  }

  try {
    const settings = await getScoringSettings(db);
    const valueGradeRule = await getValueGradeRule(db);
    const total = await buildSummary(db, opts.timezone, calibrationEnd, settings.rfmWindowDays);
    lap('summaryMs');
    const s = await readSummary(db, calibrationEnd, total);
    lap('readMs');

    // Warm start from the last good fit: tonight's data differs little from last night's.
    const previousBg = (await latestGoodFit(db, 'bgnbd')) as BgnbdParams | null;
    const bg = await fitOrKeep(db, runId, 'bgnbd', total, () => {
      const repeat = s.x.reduce((c, x) => c + (x > 0 ? 1 : 0), 0);
      if (repeat < MIN_REPEAT_BUYERS) return { skip: 'too_few_repeat_buyers' };
      const d = bgnbdData(s, settings.maxModelFitCustomers);
      const fit: BgnbdFit = fitBgnbd(d, previousBg ?? undefined);
      const sane = fit.converged && Object.values(fit.params).every((v) => Number.isFinite(v) && v > 1e-8 && v < 1e8);
      return { fit: { ...fit, converged: sane }, diagnostics: { sampled: d.customers, distinctTuples: d.count.length, evaluations: fit.evaluations, reason: fit.reason ?? (sane ? undefined : 'parameters_out_of_range') } };
    });
    lap('bgnbdFitMs');
    const gg = await fitOrKeep(db, runId, 'gamma_gamma', total, () => {
      const rows = spendData(s, settings.maxSpendFitCustomers);
      if (rows.length < MIN_REPEAT_BUYERS) return { skip: 'too_few_repeat_buyers' };
      const fit: GammaGammaFit = fitGammaGamma(rows);
      // q ≤ 1 means an infinite population mean spend: not usable for CLV.
      const sane = fit.converged && fit.params.q > 1;
      return { fit: { ...fit, converged: sane }, diagnostics: { sampled: rows.length, unit: 'yuan', evaluations: fit.evaluations, reason: fit.reason ?? (sane ? undefined : 'q_at_most_1') } };
    });
    lap('spendFitMs');

    const out = scoreCustomers(s, {
      bgnbd: bg.params as BgnbdParams | null,
      gammaGamma: gg.params as GammaGammaParams | null,
      horizonMonths: settings.clvHorizonMonths,
      monthlyDiscount: settings.monthlyDiscount,
      valueGradeRule,
      churnRule: settings.churn,
    });
    lap('scoreMs');

    // Every row is replaced: emptying the table and inserting is much cheaper than a million upserts. In one
    // transaction, readers wait the few seconds of the write and never see a half-written table.
    await db.tx(async (tx) => {
      await tx.query('TRUNCATE customer_scores');
      await writeScores(tx, s.customerId, s, out);
      await takeScoreSnapshot(tx, calibrationEnd);
      lap('writeMs');
      await tx.query(`UPDATE scoring_runs SET status = 'succeeded', finished_at = now(), customers = $2, timings = $3 WHERE id = $1`, [runId, total, JSON.stringify(timings)]);
    });
    await db.query('TRUNCATE scoring_summary');
    return { runId, calibrationEnd, customers: total, bgnbd: bg, gammaGamma: gg, timings };
  } catch (err) {
    await db.query(`UPDATE scoring_runs SET status = 'failed', finished_at = now(), error = $2, timings = $3 WHERE id = $1`, [runId, String((err as Error)?.message ?? err).slice(0, 2000), JSON.stringify(timings)]);
    throw err;
  }
}

type FitAttempt = { skip: string } | { fit: { params: object; logLik: number; converged: boolean; customers: number }; diagnostics: object };

/** Fits, records the attempt, and falls back to the last converged parameters when this fit did not converge. */
async function fitOrKeep(db: Db, runId: number, model: 'bgnbd' | 'gamma_gamma', total: number, attempt: () => FitAttempt): Promise<FitReport> {
  const started = performance.now();
  const a = attempt();
  const ms = Math.round(performance.now() - started);
  if ('skip' in a) {
    await recordFit(db, runId, model, { params: {}, logLik: NaN, converged: false, customers: total }, { reason: a.skip, ms });
    const previous = await latestGoodFit(db, model);
    return { converged: false, used: previous ? 'previous' : 'none', params: previous, logLik: null, n: total, reason: a.skip };
  }
  await recordFit(db, runId, model, a.fit, { ...a.diagnostics, ms });
  if (a.fit.converged) return { converged: true, used: 'new', params: roundParams(a.fit.params), logLik: a.fit.logLik, n: a.fit.customers };
  const previous = await latestGoodFit(db, model);
  return { converged: false, used: previous ? 'previous' : 'none', params: previous, logLik: a.fit.logLik, n: a.fit.customers, reason: (a.diagnostics as any).reason };
}
