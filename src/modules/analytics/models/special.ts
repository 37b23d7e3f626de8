/** Special functions for the customer-value models, written out so the numerics are ours to test. */

// Lanczos approximation, g = 7, n = 9 (Godfrey's coefficients): about 15 significant digits for x > 0.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (reflection for x < 0.5 keeps the Lanczos sum accurate). */
export function lgamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  // Stirling's series is both faster and more accurate far out.
  if (x > 15) {
    const inv = 1 / x;
    const inv2 = inv * inv;
    return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI +
      inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))));
  }
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** ψ(x), the digamma function: recurrence up to x ≥ 10, then the asymptotic series. */
export function digamma(x: number): number {
  if (!(x > 0)) return NaN;
  let acc = 0;
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  return acc + Math.log(x) - 0.5 * inv - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))));
}

/** log(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

export interface SeriesResult {
  value: number;
  terms: number;
  converged: boolean;
}

/**
 * Gauss hypergeometric ₂F₁(a, b; c; z) by its power series, for 0 ≤ z < 1 (all BG/NBD needs: z = t/(α+T+t)).
 * Sums until a term is below 1e-15 of the sum for several terms in a row; reports non-convergence
 * rather than returning a silently wrong number.
 */
export function hyp2f1Series(a: number, b: number, c: number, z: number, maxTerms = 100000): SeriesResult {
  if (!(z >= 0 && z < 1)) return { value: NaN, terms: 0, converged: false };
  let term = 1;
  let sum = 1;
  let small = 0;
  for (let k = 0; k < maxTerms; k++) {
    term *= ((a + k) * (b + k)) / ((c + k) * (k + 1)) * z;
    sum += term;
    if (!Number.isFinite(sum)) return { value: NaN, terms: k + 1, converged: false };
    if (Math.abs(term) <= 1e-15 * Math.abs(sum)) {
      if (++small >= 3) return { value: sum, terms: k + 1, converged: true };
    } else small = 0;
  }
  return { value: sum, terms: maxTerms, converged: false };
}

/** ₂F₁ value, NaN when the series did not converge. */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  const r = hyp2f1Series(a, b, c, z);
  return r.converged ? r.value : NaN;
}
