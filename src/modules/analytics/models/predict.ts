/**
 * Scores every customer from the per-customer summary, vectorised over typed arrays: RFM (package
 * convention), BG/NBD P(alive) and expected purchases, Gamma-Gamma expected spend, CLV, churn risk and
 * value grade. Pure: the scoring service does the I/O. Time in the models is weeks (days / 7).
 */
import { conditionalNumerator, type BgnbdParams } from './bgnbd.ts';
import { conditionalExpectedSpend, type GammaGammaParams } from './gammagamma.ts';
import { MONTH_WEEKS } from './clv.ts';
import { binOf, cutPoints, RFM_SEGMENTS, rfmSegment, type RfmSegmentRule } from './rfm.ts';
import { valueGrade, type ValueGradeRule } from './valueGrade.ts';
import { churnRisk, overdueDays, type ChurnRule } from './churn.ts';
import { quantileSorted } from './rfm.ts';

export interface ScoringInput {
  /** Repeat transaction days (x). */
  x: Int32Array;
  /** Days from first to last transaction day (t_x). */
  txDays: Int32Array;
  /** Days from first transaction day to the calibration end (T). */
  TDays: Int32Array;
  /** Days since the last transaction day (= T − t_x). */
  recencyDays: Int32Array;
  /** Sales and net spend (fen) in the RFM window. */
  windowSales: Int32Array;
  windowNetFen: Float64Array;
  /** Mean value of repeat transactions in fen (0 when x = 0). */
  meanRepeatFen: Float64Array;
  /** Loyalty tier position in [0, 1]; NaN without a tier. */
  tierPosition: Float64Array;
}

export interface ScoringOptions {
  bgnbd: BgnbdParams | null;
  /** Fitted in yuan; spend is converted from and to fen here. */
  gammaGamma: GammaGammaParams | null;
  horizonMonths: number;
  monthlyDiscount: number;
  valueGradeRule: ValueGradeRule;
  churnRule: ChurnRule;
  segments?: RfmSegmentRule[];
}

export interface ScoringOutput {
  r: Int8Array;
  f: Int8Array;
  m: Int8Array;
  rfmScore: Int16Array;
  segment: string[];
  valueGrade: string[];
  pAlive: Float64Array;
  expectedPurchases12m: Float64Array;
  expectedSpendFen: Float64Array;
  clvFen: Float64Array;
  churnRisk: string[];
  overdueDays: Int32Array;
  /** Median of customers' usual interval (days), used for one-time buyers. */
  medianIntervalDays: number;
  cuts: { recency: number[]; frequency: number[]; monetary: number[] };
}

const WEEK = 7;

export function scoreCustomers(input: ScoringInput, opts: ScoringOptions): ScoringOutput {
  const n = input.x.length;
  const out: ScoringOutput = {
    r: new Int8Array(n), f: new Int8Array(n), m: new Int8Array(n), rfmScore: new Int16Array(n),
    segment: new Array(n), valueGrade: new Array(n), pAlive: new Float64Array(n).fill(NaN),
    expectedPurchases12m: new Float64Array(n).fill(NaN), expectedSpendFen: new Float64Array(n).fill(NaN),
    clvFen: new Float64Array(n).fill(NaN), churnRisk: new Array(n), overdueDays: new Int32Array(n), medianIntervalDays: NaN,
    cuts: { recency: [], frequency: [], monetary: [] },
  };
  const cuts = {
    recency: cutPoints(Float64Array.from(input.recencyDays)),
    frequency: cutPoints(Float64Array.from(input.windowSales)),
    monetary: cutPoints(input.windowNetFen),
  };
  out.cuts = cuts;

  const intervals: number[] = [];
  for (let i = 0; i < n; i++) if (input.x[i] > 0) intervals.push(input.txDays[i] / input.x[i]);
  const sortedIntervals = Float64Array.from(intervals).sort();
  out.medianIntervalDays = sortedIntervals.length ? quantileSorted(sortedIntervals, 0.5) : NaN;

  // E[Y(t)]'s numerator depends on (x, T) only: cache it per distinct pair, one value per month.
  const months = Math.max(opts.horizonMonths, 12);
  const curves = new Map<number, Float64Array>();
  const p = opts.bgnbd;
  const gg = opts.gammaGamma;
  const monthTimes = Array.from({ length: months }, (_, k) => (k + 1) * MONTH_WEEKS);
  const discount = monthTimes.map((_, k) => 1 / Math.pow(1 + opts.monthlyDiscount, k + 1));

  for (let i = 0; i < n; i++) {
    const x = input.x[i];
    const r = 6 - binOf(input.recencyDays[i], cuts.recency);
    const f = binOf(input.windowSales[i], cuts.frequency);
    const m = binOf(input.windowNetFen[i], cuts.monetary);
    out.r[i] = r;
    out.f[i] = f;
    out.m[i] = m;
    out.rfmScore[i] = 100 * r + 10 * f + m;
    out.segment[i] = rfmSegment({ r, f, m }, opts.segments ?? RFM_SEGMENTS).code;
    const tier = input.tierPosition[i];
    out.valueGrade[i] = valueGrade({ r, f, m, tierPosition: Number.isNaN(tier) ? null : tier }, opts.valueGradeRule);

    const tx = input.txDays[i] / WEEK;
    const T = input.TDays[i] / WEEK;
    let alive = NaN;
    if (p) {
      const { r: pr, alpha, a, b } = p;
      const logOdds = x > 0 ? Math.log(a / (b + x - 1)) + (pr + x) * (Math.log(alpha + T) - Math.log(alpha + tx)) : -Infinity;
      const denom = 1 + Math.exp(logOdds);
      alive = 1 / denom;
      const key = x * 1048576 + input.TDays[i];
      let curve = curves.get(key);
      if (!curve) {
        curve = new Float64Array(months + 1);
        for (let k = 0; k < months; k++) curve[k + 1] = conditionalNumerator(p, monthTimes[k], x, T);
        curves.set(key, curve);
      }
      out.pAlive[i] = alive;
      out.expectedPurchases12m[i] = curve[12] / denom;
      if (gg) {
        const spendFen = conditionalExpectedSpend(gg, x, input.meanRepeatFen[i] / 100) * 100;
        out.expectedSpendFen[i] = spendFen;
        let value = 0;
        for (let k = 0; k < opts.horizonMonths; k++) value += ((curve[k + 1] - curve[k]) / denom) * spendFen * discount[k];
        out.clvFen[i] = value;
      }
    }
    const usual = x > 0 ? input.txDays[i] / x : out.medianIntervalDays;
    const overdue = Number.isFinite(usual) ? overdueDays(input.recencyDays[i], usual, opts.churnRule.overdueFactor) : 0;
    out.overdueDays[i] = overdue;
    out.churnRisk[i] = churnRisk(Number.isNaN(alive) ? 1 : alive, overdue, opts.churnRule);
  }
  return out;
}
