/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): purchases while alive are
 * Poisson(λ), λ ~ Gamma(r, α); after each purchase a customer drops out with probability p ~ Beta(a, b).
 * A customer is summarised by x (repeat transactions), t_x (time of the last one) and T (time observed),
 * all measured from the first purchase.
 */
import { digamma, hyp2f1, lbeta, lgamma, logAddExp } from './special.ts';
import { bfgs, nelderMead, type MinimiseResult } from './optimise.ts';

export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface RfSummary {
  x: number;
  tx: number;
  T: number;
}

/** One customer's log-likelihood, in the log-sum-exp form that stays finite for large x (no ₂F₁ needed). */
export function bgnbdLogLik({ r, alpha, a, b }: BgnbdParams, x: number, tx: number, T: number): number {
  const a1 = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const lbab = lbeta(a, b);
  const a2 = lbeta(a, b + x) - lbab - (r + x) * Math.log(alpha + T);
  if (x === 0) return a1 + a2;
  const a3 = lbeta(a + 1, b + x - 1) - lbab - (r + x) * Math.log(alpha + tx);
  return a1 + logAddExp(a2, a3);
}

/**
 * Customers compressed to distinct (x, t_x, T) with counts, and the distinct x and times indexed, so one
 * likelihood evaluation costs a few logs per distinct x and per distinct time plus additions per tuple.
 */
export interface BgnbdData {
  count: Float64Array;
  xIndex: Int32Array;
  txIndex: Int32Array;
  TIndex: Int32Array;
  xs: Float64Array;
  times: Float64Array;
  /** Customers represented (Σ count). */
  customers: number;
}

export function compressRf(rows: Iterable<RfSummary>): BgnbdData {
  const tuples = new Map<string, number>();
  const keys: RfSummary[] = [];
  const counts: number[] = [];
  for (const row of rows) {
    const tx = row.x === 0 ? 0 : row.tx;
    const key = `${row.x}|${tx}|${row.T}`;
    const i = tuples.get(key);
    if (i === undefined) {
      tuples.set(key, keys.length);
      keys.push({ x: row.x, tx, T: row.T });
      counts.push(1);
    } else counts[i]++;
  }
  return compressWeighted(keys, counts);
}

/** Same as compressRf for tuples already counted (e.g. GROUP BY in SQL). */
export function compressWeighted(rows: RfSummary[], counts: ArrayLike<number>): BgnbdData {
  const xMap = new Map<number, number>();
  const tMap = new Map<number, number>();
  const idx = (m: Map<number, number>, v: number) => {
    let i = m.get(v);
    if (i === undefined) m.set(v, (i = m.size));
    return i;
  };
  const n = rows.length;
  const data: BgnbdData = {
    count: new Float64Array(n),
    xIndex: new Int32Array(n),
    txIndex: new Int32Array(n),
    TIndex: new Int32Array(n),
    xs: new Float64Array(0),
    times: new Float64Array(0),
    customers: 0,
  };
  for (let i = 0; i < n; i++) {
    const { x, tx, T } = rows[i];
    data.count[i] = counts[i];
    data.customers += counts[i];
    data.xIndex[i] = idx(xMap, x);
    data.txIndex[i] = idx(tMap, x === 0 ? 0 : tx);
    data.TIndex[i] = idx(tMap, T);
  }
  data.xs = Float64Array.from(xMap.keys());
  data.times = Float64Array.from(tMap.keys());
  return data;
}

/** Σ count · log-likelihood over the compressed data. */
export function bgnbdTotalLogLik(p: BgnbdParams, d: BgnbdData): number {
  const { r, alpha, a, b } = p;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return NaN;
  const nx = d.xs.length;
  const lbab = lbeta(a, b);
  const lgr = lgamma(r);
  const head = new Float64Array(nx); // ln Γ(r+x) − ln Γ(r) + r ln α
  const b2 = new Float64Array(nx); // ln B(a, b+x) − ln B(a, b)
  const b3 = new Float64Array(nx); // ln B(a+1, b+x−1) − ln B(a, b), x > 0
  const rx = new Float64Array(nx);
  const rla = r * Math.log(alpha);
  for (let i = 0; i < nx; i++) {
    const x = d.xs[i];
    head[i] = lgamma(r + x) - lgr + rla;
    b2[i] = lbeta(a, b + x) - lbab;
    b3[i] = x > 0 ? lbeta(a + 1, b + x - 1) - lbab : -Infinity;
    rx[i] = r + x;
  }
  const lt = new Float64Array(d.times.length);
  for (let i = 0; i < lt.length; i++) lt[i] = Math.log(alpha + d.times[i]);
  let total = 0;
  const n = d.count.length;
  for (let i = 0; i < n; i++) {
    const xi = d.xIndex[i];
    const s2 = b2[xi] - rx[xi] * lt[d.TIndex[i]];
    const s3 = b3[xi] - rx[xi] * lt[d.txIndex[i]];
    const m = s2 > s3 ? s2 : s3;
    const ll = head[xi] + (s3 === -Infinity ? s2 : m + Math.log1p(Math.exp(-Math.abs(s2 - s3))));
    total += d.count[i] * ll;
  }
  return total;
}

/**
 * Σ count · log-likelihood and its gradient with respect to (ln r, ln α, ln a, ln b). With w₂, w₃ the
 * softmax weights of the two likelihood terms:
 *   ∂/∂r = ψ(r+x) − ψ(r) + ln α − w₂ ln(α+T) − w₃ ln(α+t_x)
 *   ∂/∂α = r/α − (r+x)(w₂/(α+T) + w₃/(α+t_x))
 *   ∂/∂a = w₂(ψ(a+b) − ψ(a+b+x)) + w₃(ψ(a+1) − ψ(a) + ψ(a+b) − ψ(a+b+x))
 *   ∂/∂b = w₂(ψ(b+x) − ψ(b) + ψ(a+b) − ψ(a+b+x)) + w₃(ψ(b+x−1) − ψ(b) + ψ(a+b) − ψ(a+b+x))
 */
export function bgnbdLogLikGradient(p: BgnbdParams, d: BgnbdData): { value: number; gradient: number[] } {
  const { r, alpha, a, b } = p;
  const nx = d.xs.length;
  const lbab = lbeta(a, b);
  const lgr = lgamma(r);
  const psiR = digamma(r), psiA = digamma(a), psiA1 = digamma(a + 1), psiB = digamma(b), psiAB = digamma(a + b);
  const head = new Float64Array(nx), b2 = new Float64Array(nx), b3 = new Float64Array(nx), rx = new Float64Array(nx);
  const dHeadR = new Float64Array(nx), d2a = new Float64Array(nx), d3a = new Float64Array(nx), d2b = new Float64Array(nx), d3b = new Float64Array(nx);
  const la = Math.log(alpha);
  for (let i = 0; i < nx; i++) {
    const x = d.xs[i];
    const psiABx = digamma(a + b + x);
    head[i] = lgamma(r + x) - lgr + r * la;
    b2[i] = lbeta(a, b + x) - lbab;
    b3[i] = x > 0 ? lbeta(a + 1, b + x - 1) - lbab : -Infinity;
    rx[i] = r + x;
    dHeadR[i] = digamma(r + x) - psiR + la;
    d2a[i] = psiAB - psiABx;
    d3a[i] = x > 0 ? psiA1 - psiA + psiAB - psiABx : 0;
    d2b[i] = digamma(b + x) - psiB + psiAB - psiABx;
    d3b[i] = x > 0 ? digamma(b + x - 1) - psiB + psiAB - psiABx : 0;
  }
  const lt = new Float64Array(d.times.length), it = new Float64Array(d.times.length);
  for (let i = 0; i < lt.length; i++) {
    lt[i] = Math.log(alpha + d.times[i]);
    it[i] = 1 / (alpha + d.times[i]);
  }
  let total = 0, gr = 0, gal = 0, ga = 0, gb = 0;
  for (let i = 0; i < d.count.length; i++) {
    const xi = d.xIndex[i], Ti = d.TIndex[i], ti = d.txIndex[i], c = d.count[i];
    const s2 = b2[xi] - rx[xi] * lt[Ti];
    const s3 = b3[xi] - rx[xi] * lt[ti];
    let w2 = 1, w3 = 0, lse = s2;
    if (s3 !== -Infinity) {
      const m = s2 > s3 ? s2 : s3;
      const e2 = Math.exp(s2 - m), e3 = Math.exp(s3 - m);
      lse = m + Math.log(e2 + e3);
      w2 = e2 / (e2 + e3);
      w3 = 1 - w2;
    }
    total += c * (head[xi] + lse);
    gr += c * (dHeadR[xi] - w2 * lt[Ti] - w3 * lt[ti]);
    gal += c * (r / alpha - rx[xi] * (w2 * it[Ti] + w3 * it[ti]));
    ga += c * (w2 * d2a[xi] + w3 * d3a[xi]);
    gb += c * (w2 * d2b[xi] + w3 * d3b[xi]);
  }
  return { value: total, gradient: [gr * r, gal * alpha, ga * a, gb * b] };
}

export interface BgnbdFit {
  params: BgnbdParams;
  logLik: number;
  customers: number;
  converged: boolean;
  evaluations: number;
  method: 'bfgs' | 'nelder-mead';
  reason?: string;
}

/**
 * Maximum likelihood over log-parameters (so every parameter stays positive). BFGS with the analytic
 * gradient first (tens of evaluations); if it does not converge, Nelder–Mead from where it stopped.
 */
export function fitBgnbd(d: BgnbdData, start: BgnbdParams = { r: 1, alpha: 1, a: 1, b: 1 }, maxEvaluations = 6000): BgnbdFit {
  const toParams = (v: number[]): BgnbdParams => ({ r: Math.exp(v[0]), alpha: Math.exp(v[1]), a: Math.exp(v[2]), b: Math.exp(v[3]) });
  const scale = d.customers || 1;
  const x0 = [Math.log(start.r), Math.log(start.alpha), Math.log(start.a), Math.log(start.b)];
  const q = bfgs((v) => {
    if (v.some((z) => Math.abs(z) > 30)) return { value: Infinity, gradient: [0, 0, 0, 0] };
    const { value, gradient } = bgnbdLogLikGradient(toParams(v), d);
    return { value: -value / scale, gradient: gradient.map((g) => -g / scale) };
  }, x0, { gradTolerance: 1e-7 });
  if (q.converged) return { params: toParams(q.x), logLik: -q.value * scale, customers: d.customers, converged: true, evaluations: q.evaluations, method: 'bfgs' };
  const res: MinimiseResult = nelderMead(
    (v) => (v.some((z) => Math.abs(z) > 30) ? Infinity : -bgnbdTotalLogLik(toParams(v), d) / scale),
    Number.isFinite(q.value) ? q.x : x0,
    { fTolerance: 1e-12, xTolerance: 1e-7, restarts: 4, maxEvaluations },
  );
  const params = toParams(res.x);
  return { params, logLik: -res.value * scale, customers: d.customers, converged: res.converged, evaluations: q.evaluations + res.evaluations, method: 'nelder-mead', reason: res.reason };
}

/** E[X(t)]: expected purchases in (0, t] of a customer just acquired (FHL eq. 9). */
export function expectedPurchasesUnconditional({ r, alpha, a, b }: BgnbdParams, t: number): number {
  const f = hyp2f1(r, b, a + b - 1, t / (alpha + t));
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * f);
}

/** P(alive | x, t_x, T) (FHL 2008 note, "Computing P(alive)"). */
export function pAlive({ r, alpha, a, b }: BgnbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const logRatio = Math.log(a / (b + x - 1)) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(logRatio));
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t (FHL eq. 10). The bracket 1 − (…)^(r+x)·₂F₁ is the
 * only cancellation risk; computing the power in logs keeps it accurate to the series' precision.
 */
export function expectedPurchasesConditional(p: BgnbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const num = conditionalNumerator(p, t, x, T);
  if (x === 0) return num;
  const { r, alpha, a, b } = p;
  const denom = 1 + (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
  return num / denom;
}

/** The numerator of E[Y(t) | x, t_x, T]: it depends on (x, T) only, so scoring caches it per pair. */
export function conditionalNumerator({ r, alpha, a, b }: BgnbdParams, t: number, x: number, T: number): number {
  const f = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  const bracket = 1 - Math.exp((r + x) * Math.log((alpha + T) / (alpha + T + t))) * f;
  return ((a + b + x - 1) / (a - 1)) * bracket;
}

/** P(X(t) = 0) for a customer just acquired: with no purchase there is no chance to drop out, so (α/(α+t))^r. */
export function probNoPurchases({ r, alpha }: BgnbdParams, t: number): number {
  return Math.pow(alpha / (alpha + t), r);
}

/** P(X(t) = n) for a customer just acquired (FHL eq. 8), in logs. */
export function probPurchases({ r, alpha, a, b }: BgnbdParams, t: number, n: number): number {
  const lbab = lbeta(a, b);
  const la = Math.log(alpha / (alpha + t));
  const lt = Math.log(t / (alpha + t));
  const first = Math.exp(lbeta(a, b + n) - lbab + lgamma(r + n) - lgamma(r) - lgamma(n + 1) + r * la + n * lt);
  if (n === 0) return first;
  let partial = 0;
  for (let j = 0; j < n; j++) partial += Math.exp(lgamma(r + j) - lgamma(r) - lgamma(j + 1) + r * la + j * lt);
  return first + Math.exp(lbeta(a + 1, b + n - 1) - lbab) * (1 - partial);
}
