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

/**
 * BFGS quasi-Newton minimisation with an analytic gradient and a backtracking (Armijo) line search.
 * Converges when the gradient's largest component is below `gradTolerance`; reports a line search that
 * cannot make progress, non-finite values, or running out of iterations.
 */
export function bfgs(
  fg: (x: number[]) => { value: number; gradient: number[] },
  x0: number[],
  opts: { maxIterations?: number; gradTolerance?: number } = {},
): MinimiseResult {
  const n = x0.length;
  const maxIt = opts.maxIterations ?? 200;
  const gtol = opts.gradTolerance ?? 1e-6;
  let x = x0.slice();
  let evaluations = 1;
  let { value: f, gradient: g } = fg(x);
  if (!Number.isFinite(f) || g.some((v) => !Number.isFinite(v))) return { x, value: f, evaluations, iterations: 0, converged: false, reason: 'non_finite' };
  let H = identity(n);
  for (let it = 1; it <= maxIt; it++) {
    if (Math.max(...g.map(Math.abs)) <= gtol) return { x, value: f, evaluations, iterations: it - 1, converged: true };
    let d = H.map((row) => -row.reduce((s, h, j) => s + h * g[j], 0));
    let slope = d.reduce((s, v, j) => s + v * g[j], 0);
    if (!(slope < 0)) {
      // Not a descent direction: forget the curvature and go down the gradient.
      H = identity(n);
      d = g.map((v) => -v);
      slope = -g.reduce((s, v) => s + v * v, 0);
    }
    let step = 1;
    let next: { value: number; gradient: number[] } | null = null;
    let xn: number[] = x;
    for (let k = 0; k < 60; k++) {
      xn = x.map((v, j) => v + step * d[j]);
      const trial = fg(xn);
      evaluations++;
      if (Number.isFinite(trial.value) && trial.value <= f + 1e-4 * step * slope && trial.gradient.every(Number.isFinite)) {
        next = trial;
        break;
      }
      step *= 0.5;
    }
    if (!next) {
      // No decrease along the line: at the minimum to machine precision, or stuck.
      const flat = Math.max(...g.map(Math.abs)) <= gtol * 1e3;
      return { x, value: f, evaluations, iterations: it, converged: flat, ...(flat ? {} : { reason: 'non_finite' as const }) };
    }
    const s = xn.map((v, j) => v - x[j]);
    const y = next.gradient.map((v, j) => v - g[j]);
    const sy = s.reduce((acc, v, j) => acc + v * y[j], 0);
    if (sy > 1e-12) {
      const Hy = H.map((row) => row.reduce((acc, h, j) => acc + h * y[j], 0));
      const yHy = y.reduce((acc, v, j) => acc + v * Hy[j], 0);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          H[i][j] += ((sy + yHy) * s[i] * s[j]) / (sy * sy) - (Hy[i] * s[j] + s[i] * Hy[j]) / sy;
        }
      }
    }
    x = xn;
    f = next.value;
    g = next.gradient;
  }
  return { x, value: f, evaluations, iterations: maxIt, converged: false, reason: 'max_evaluations' };
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}
