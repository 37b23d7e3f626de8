/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves"; Colombo &
 * Jiang 1999): each transaction's value ~ Gamma(p, ν), ν ~ Gamma(q, γ) across customers, independent of
 * the purchase process. Fitted on customers with x > 0 repeat transactions and their mean value m̄.
 */
import { lgamma } from './special.ts';
import { nelderMead } from './optimise.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface SpendSummary {
  x: number;
  meanSpend: number;
}

/** One customer's log-likelihood of (x, m̄) with all constants (the density of the mean, not of z = x·m̄). */
export function gammaGammaLogLik({ p, q, gamma }: GammaGammaParams, x: number, m: number): number {
  const px = p * x;
  return lgamma(px + q) - lgamma(px) - lgamma(q) + q * Math.log(gamma) + (px - 1) * Math.log(m) + px * Math.log(x) - (px + q) * Math.log(gamma + x * m);
}

export function gammaGammaTotalLogLik(params: GammaGammaParams, rows: ArrayLike<SpendSummary>, counts?: ArrayLike<number>): number {
  return gammaGammaDataLogLik(params, spendData(rows, counts));
}

/** Rows as typed arrays with ln m̄ precomputed and x indexed, so an evaluation costs one log per row. */
export interface SpendData {
  x: Float64Array;
  m: Float64Array;
  logM: Float64Array;
  count: Float64Array;
  xIndex: Int32Array;
  xs: Float64Array;
}

export function spendData(rows: ArrayLike<SpendSummary>, counts?: ArrayLike<number>): SpendData {
  const n = rows.length;
  const xMap = new Map<number, number>();
  const d: SpendData = { x: new Float64Array(n), m: new Float64Array(n), logM: new Float64Array(n), count: new Float64Array(n), xIndex: new Int32Array(n), xs: new Float64Array(0) };
  for (let i = 0; i < n; i++) {
    const { x, meanSpend } = rows[i];
    d.x[i] = x;
    d.m[i] = meanSpend;
    d.logM[i] = Math.log(meanSpend);
    d.count[i] = counts ? counts[i] : 1;
    let k = xMap.get(x);
    if (k === undefined) xMap.set(x, (k = xMap.size));
    d.xIndex[i] = k;
  }
  d.xs = Float64Array.from(xMap.keys());
  return d;
}

export function gammaGammaDataLogLik({ p, q, gamma }: GammaGammaParams, d: SpendData): number {
  if (!(p > 0 && q > 0 && gamma > 0)) return NaN;
  const nx = d.xs.length;
  const head = new Float64Array(nx);
  const lgq = lgamma(q);
  const qlg = q * Math.log(gamma);
  for (let k = 0; k < nx; k++) {
    const px = p * d.xs[k];
    head[k] = lgamma(px + q) - lgamma(px) - lgq + qlg + px * Math.log(d.xs[k]);
  }
  let total = 0;
  for (let i = 0; i < d.x.length; i++) {
    const px = p * d.x[i];
    total += d.count[i] * (head[d.xIndex[i]] + (px - 1) * d.logM[i] - (px + q) * Math.log(gamma + d.x[i] * d.m[i]));
  }
  return total;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLik: number;
  customers: number;
  converged: boolean;
  evaluations: number;
  reason?: string;
}

/** Maximum likelihood over log-parameters; rows must have x > 0 and m̄ > 0 (callers filter). */
export function fitGammaGamma(rows: SpendSummary[], counts?: ArrayLike<number>, start: GammaGammaParams = { p: 1, q: 1, gamma: 1 }): GammaGammaFit {
  const toParams = (v: number[]) => ({ p: Math.exp(v[0]), q: Math.exp(v[1]), gamma: Math.exp(v[2]) });
  let customers = 0;
  for (let i = 0; i < rows.length; i++) customers += counts ? counts[i] : 1;
  const scale = customers || 1;
  const data = spendData(rows, counts);
  const res = nelderMead(
    (v) => (v.some((z) => Math.abs(z) > 30) ? Infinity : -gammaGammaDataLogLik(toParams(v), data) / scale),
    [Math.log(start.p), Math.log(start.q), Math.log(start.gamma)],
    { fTolerance: 1e-12, xTolerance: 1e-7, restarts: 4 },
  );
  return { params: toParams(res.x), logLik: -res.value * scale, customers, converged: res.converged, evaluations: res.evaluations, reason: res.reason };
}

/** Population mean spend per transaction, E[Z] = pγ/(q − 1) (infinite when q ≤ 1). */
export function populationMeanSpend({ p, q, gamma }: GammaGammaParams): number {
  return q > 1 ? (p * gamma) / (q - 1) : Infinity;
}

/**
 * E[Z | x, m̄] = (γ + x·m̄)·p / (p·x + q − 1): a weighted average of the population mean and the customer's
 * own mean, weighted towards the customer's as x grows. x = 0 gives the population mean.
 */
export function conditionalExpectedSpend(params: GammaGammaParams, x: number, m: number): number {
  const { p, q, gamma } = params;
  if (x === 0) return populationMeanSpend(params);
  return ((gamma + x * m) * p) / (p * x + q - 1);
}
