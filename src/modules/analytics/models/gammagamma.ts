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
  if (!(params.p > 0 && params.q > 0 && params.gamma > 0)) return NaN;
  let total = 0;
  for (let i = 0; i < rows.length; i++) total += (counts ? counts[i] : 1) * gammaGammaLogLik(params, rows[i].x, rows[i].meanSpend);
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
  const res = nelderMead(
    (v) => (v.some((z) => Math.abs(z) > 30) ? Infinity : -gammaGammaTotalLogLik(toParams(v), rows, counts) / scale),
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
