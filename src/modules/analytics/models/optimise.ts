/** Minimisation without gradients: Nelder–Mead with restarts, on unconstrained (e.g. log-) parameters. */

export interface MinimiseOptions {
  /** Largest number of function evaluations over all restarts. */
  maxEvaluations?: number;
  /** Stop when the simplex's function values differ by less than this (absolute)… */
  fTolerance?: number;
  /** …and its vertices by less than this in every coordinate. */
  xTolerance?: number;
  /** Initial simplex step per coordinate. */
  step?: number;
  /** Restarts from the best point; stops early once a restart no longer improves. */
  restarts?: number;
}

export interface MinimiseResult {
  x: number[];
  value: number;
  evaluations: number;
  iterations: number;
  converged: boolean;
  /** Why it stopped when it did not converge. */
  reason?: 'max_evaluations' | 'non_finite';
}

/**
 * Nelder–Mead with the adaptive coefficients of Gao & Han (2012), which behave better than the classic
 * ones past three dimensions. A non-finite value counts as +∞, so the simplex walks away from it; if even
 * the best vertex is non-finite the result says so. Restarting from the best point with a fresh simplex
 * guards against the classic collapse onto a non-stationary point.
 */
export function nelderMead(f: (x: number[]) => number, x0: number[], opts: MinimiseOptions = {}): MinimiseResult {
  const n = x0.length;
  const maxEval = opts.maxEvaluations ?? 4000 * n;
  const ftol = opts.fTolerance ?? 1e-10;
  const xtol = opts.xTolerance ?? 1e-8;
  const restarts = opts.restarts ?? 3;
  const alpha = 1, beta = 1 + 2 / n, gamma = 0.75 - 1 / (2 * n), delta = 1 - 1 / n;
  let evaluations = 0;
  let iterations = 0;
  const F = (x: number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  let best = x0.slice();
  let bestValue = F(best);
  let converged = false;
  for (let round = 0; round <= restarts; round++) {
    const step = (opts.step ?? 0.5) / (round + 1);
    const simplex: number[][] = [best.slice()];
    const values: number[] = [bestValue];
    for (let i = 0; i < n; i++) {
      const p = best.slice();
      p[i] += step;
      simplex.push(p);
      values.push(F(p));
    }
    converged = false;
    while (evaluations < maxEval) {
      iterations++;
      const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
      const s = order.map((i) => simplex[i]);
      const v = order.map((i) => values[i]);
      for (let i = 0; i <= n; i++) {
        simplex[i] = s[i];
        values[i] = v[i];
      }
      let spread = 0;
      for (let i = 1; i <= n; i++) for (let j = 0; j < n; j++) spread = Math.max(spread, Math.abs(simplex[i][j] - simplex[0][j]));
      if (Number.isFinite(values[0]) && Math.abs(values[n] - values[0]) <= ftol && spread <= xtol) {
        converged = true;
        break;
      }
      const centroid = new Array(n).fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
      const worst = simplex[n];
      const at = (t: number) => centroid.map((c, j) => c + t * (c - worst[j]));
      const xr = at(alpha);
      const fr = F(xr);
      if (fr < values[0]) {
        const xe = at(alpha * beta);
        const fe = F(xe);
        if (fe < fr) [simplex[n], values[n]] = [xe, fe];
        else [simplex[n], values[n]] = [xr, fr];
      } else if (fr < values[n - 1]) {
        [simplex[n], values[n]] = [xr, fr];
      } else {
        const outside = fr < values[n];
        const xc = outside ? at(alpha * gamma) : at(-gamma);
        const fc = F(xc);
        if (fc <= (outside ? fr : values[n])) [simplex[n], values[n]] = [xc, fc];
        else {
          for (let i = 1; i <= n; i++) {
            simplex[i] = simplex[i].map((x, j) => simplex[0][j] + delta * (x - simplex[0][j]));
            values[i] = F(simplex[i]);
          }
        }
      }
    }
    let k = 0;
    for (let i = 1; i <= n; i++) if (values[i] < values[k]) k = i;
    const improved = bestValue - values[k];
    const finiteBefore = Number.isFinite(bestValue);
    best = simplex[k].slice();
    bestValue = values[k];
    if (!converged) break;
    if (round > 0 && finiteBefore && improved <= ftol) break;
  }
  if (!Number.isFinite(bestValue)) return { x: best, value: bestValue, evaluations, iterations, converged: false, reason: 'non_finite' };
  return converged
    ? { x: best, value: bestValue, evaluations, iterations, converged: true }
    : { x: best, value: bestValue, evaluations, iterations, converged: false, reason: 'max_evaluations' };
}
