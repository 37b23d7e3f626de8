import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digamma, hyp2f1, hyp2f1Series, lbeta, lgamma, logAddExp } from './special.ts';
import { bfgs, nelderMead } from './optimise.ts';
import {
  bgnbdLogLik, bgnbdLogLikGradient, bgnbdTotalLogLik, compressRf, expectedPurchasesConditional, expectedPurchasesUnconditional, fitBgnbd, pAlive,
  probNoPurchases, probPurchases, type BgnbdParams,
} from './bgnbd.ts';
import { conditionalExpectedSpend, fitGammaGamma, gammaGammaTotalLogLik, populationMeanSpend } from './gammagamma.ts';
import { summarise, type PurchaseLine } from './summary.ts';
import { clv, MONTH_WEEKS } from './clv.ts';
import { simulateBgnbd, simulateSpend, mulberry32 } from './simulate.ts';
import { sharedDataFile } from './testdata.ts';

const close = (actual: number, expected: number, tol: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);

function cdnowLines(file: string, withSampleId: boolean): PurchaseLine[] {
  const text = sharedDataFile(file).trim().split('\n');
  const out: PurchaseLine[] = [];
  for (const line of text) {
    const f = line.trim().split(/\s+/);
    if (!/^\d+$/.test(f[0])) continue; // header
    const [customer, date, value] = withSampleId ? [f[1], f[2], f[4]] : [f[0], f[1], f[3]];
    out.push({ customer, day: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}`, value: Number(value) });
  }
  return out;
}

const sample = summarise(cdnowLines('CDNOW_sample.txt', true), '1997-09-30');
const sampleFit = fitBgnbd(compressRf(sample));
const spenders = sample.filter((c) => c.x > 0);
const spendFit = fitGammaGamma(spenders);
const PUBLISHED: BgnbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

// Special functions

test('log-gamma matches known values to about 15 digits', () => {
  const table: [number, number][] = [
    [1, 0], [2, 0], [0.5, 0.5 * Math.log(Math.PI)], [3, Math.log(2)], [10, Math.log(362880)],
    [0.1, 2.252712651734206], [1.5, -0.1207822376352452], [20, 39.339884187199495], [100.5, 361.4355404677776], [1e-8, 18.420680738180209],
  ];
  for (const [x, v] of table) close(lgamma(x), v, 1e-13 * Math.max(1, Math.abs(v)), `lgamma(${x})`);
});

test('log-gamma agrees with the recurrence Γ(x+1) = xΓ(x) across the Lanczos/Stirling switch', () => {
  for (const x of [0.3, 4.7, 14.2, 14.99, 15.01, 37.5, 250]) close(lgamma(x + 1) - lgamma(x), Math.log(x), 1e-12 * Math.max(1, lgamma(x)), `x=${x}`);
});

test('log-gamma of zero or negative numbers is not a number to compute with', () => {
  assert.equal(lgamma(0), Infinity);
  assert.ok(Number.isNaN(lgamma(-1)));
  assert.ok(Number.isNaN(lgamma(NaN)));
});

test('log-beta is symmetric and matches B(2,3) = 1/12', () => {
  close(lbeta(2, 3), Math.log(1 / 12), 1e-14);
  close(lbeta(0.793, 2.426), lbeta(2.426, 0.793), 1e-14);
});

test('digamma matches known values', () => {
  const table: [number, number][] = [[1, -0.5772156649015329], [0.5, -1.9635100260214235], [10, 2.251752589066721], [2.5, 0.7031566406452432]];
  for (const [x, v] of table) close(digamma(x), v, 1e-12, `digamma(${x})`);
});

test('log-add-exp does not overflow and handles minus infinity', () => {
  close(logAddExp(1000, 1000), 1000 + Math.log(2), 1e-12);
  assert.equal(logAddExp(-Infinity, 3), 3);
  close(logAddExp(-800, -801), -800 + Math.log1p(Math.exp(-1)), 1e-12);
});

test('₂F₁ matches closed forms', () => {
  // ₂F₁(1,1;2;z) = −ln(1−z)/z and ₂F₁(a,b;b;z) = (1−z)^−a
  for (const z of [0.1, 0.5, 0.9, 0.99]) {
    close(hyp2f1(1, 1, 2, z), -Math.log(1 - z) / z, 1e-12, `log form z=${z}`);
    close(hyp2f1(0.7, 2.3, 2.3, z), Math.pow(1 - z, -0.7), 1e-11, `binomial z=${z}`);
  }
  close(hyp2f1(0.243, 2.426, 2.219, 32 / 36.414), 1.8327396946043224, 1e-12, "BG/NBD case (mpmath)");
});

test('₂F₁ reports non-convergence instead of a wrong number', () => {
  assert.equal(hyp2f1Series(1, 1, 2, 1).converged, false);
  assert.equal(hyp2f1Series(1, 1, 2, 0.999999, 50).converged, false);
  assert.ok(Number.isNaN(hyp2f1(1, 1, 2, 0.999999999)) || hyp2f1Series(1, 1, 2, 0.999999999).converged);
});

// Optimiser

test('Nelder–Mead finds the minimum of the Rosenbrock function', () => {
  const r = nelderMead((v) => 100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2, [-1.2, 1]);
  assert.equal(r.converged, true);
  close(r.x[0], 1, 1e-5);
  close(r.x[1], 1, 1e-5);
});

test('Nelder–Mead says when it ran out of evaluations', () => {
  const r = nelderMead((v) => 100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2, [-1.2, 1], { maxEvaluations: 20 });
  assert.equal(r.converged, false);
  assert.equal(r.reason, 'max_evaluations');
});

test('Nelder–Mead says when every value it sees is not finite', () => {
  const r = nelderMead(() => NaN, [0, 0], { maxEvaluations: 200 });
  assert.equal(r.converged, false);
  assert.equal(r.reason, 'non_finite');
});

test('Nelder–Mead steps around a region where the function is not finite', () => {
  const r = nelderMead((v) => (v[0] < 0.2 ? NaN : (v[0] - 1) ** 2 + (v[1] + 2) ** 2), [0.5, 0]);
  assert.equal(r.converged, true);
  close(r.x[0], 1, 1e-4);
  close(r.x[1], -2, 1e-4);
});

test('BFGS finds the minimum of the Rosenbrock function with its gradient', () => {
  const r = bfgs((v) => ({
    value: 100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2,
    gradient: [-400 * v[0] * (v[1] - v[0] ** 2) - 2 * (1 - v[0]), 200 * (v[1] - v[0] ** 2)],
  }), [-1.2, 1], { gradTolerance: 1e-9 });
  assert.equal(r.converged, true);
  close(r.x[0], 1, 1e-6);
  close(r.x[1], 1, 1e-6);
});

test('BFGS says when it ran out of iterations or met non-finite values', () => {
  const slow = bfgs((v) => ({ value: 100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2, gradient: [-400 * v[0] * (v[1] - v[0] ** 2) - 2 * (1 - v[0]), 200 * (v[1] - v[0] ** 2)] }), [-1.2, 1], { maxIterations: 3 });
  assert.deepEqual([slow.converged, slow.reason], [false, 'max_evaluations']);
  const nan = bfgs(() => ({ value: NaN, gradient: [NaN] }), [0]);
  assert.deepEqual([nan.converged, nan.reason], [false, 'non_finite']);
});

test('the analytic BG/NBD gradient matches central finite differences', () => {
  const d = compressRf(sample);
  const p = { r: 0.3, alpha: 5, a: 0.9, b: 2 };
  const { value, gradient } = bgnbdLogLikGradient(p, d);
  close(value, bgnbdTotalLogLik(p, d), 1e-8);
  const keys = ['r', 'alpha', 'a', 'b'] as const;
  keys.forEach((k, i) => {
    const h = 1e-6;
    const up = { ...p, [k]: p[k] * Math.exp(h) };
    const down = { ...p, [k]: p[k] * Math.exp(-h) };
    const numeric = (bgnbdTotalLogLik(up, d) - bgnbdTotalLogLik(down, d)) / (2 * h);
    close(gradient[i], numeric, 1e-4 * Math.max(1, Math.abs(numeric)), `d/d ln ${k}`);
  });
});

// Summary from raw lines

test('same-day purchases are one transaction and the first purchase is not a repeat', () => {
  const lines: PurchaseLine[] = [
    { customer: 'a', day: '2026-01-01', value: 10 },
    { customer: 'a', day: '2026-01-01', value: 5 },
    { customer: 'a', day: '2026-01-08', value: 20 },
    { customer: 'a', day: '2026-01-08', value: 4 },
    { customer: 'a', day: '2026-01-22', value: 30 },
    { customer: 'a', day: '2026-03-01', value: 99 },
    { customer: 'b', day: '2026-01-15', value: 7 },
  ];
  const s = summarise(lines, '2026-01-29');
  const a = s.find((c) => c.customer === 'a')!;
  assert.deepEqual({ x: a.x, tx: a.tx, T: a.T, meanSpend: a.meanSpend }, { x: 2, tx: 3, T: 4, meanSpend: 27 });
  const b = s.find((c) => c.customer === 'b')!;
  assert.deepEqual({ x: b.x, tx: b.tx, T: b.T, meanSpend: b.meanSpend }, { x: 0, tx: 0, T: 2, meanSpend: 0 });
});

test('time can be counted in days instead of weeks', () => {
  const s = summarise([{ customer: 'a', day: '2026-01-01', value: 1 }, { customer: 'a', day: '2026-01-04', value: 1 }], '2026-01-11', 1);
  assert.deepEqual([s[0].x, s[0].tx, s[0].T], [1, 3, 10]);
});

test('customers first seen after the calibration end are left out', () => {
  assert.equal(summarise([{ customer: 'late', day: '2026-02-01', value: 1 }], '2026-01-31').length, 0);
});

test('the CDNOW sample summarises to 2,357 customers, 946 of them repeat buyers', () => {
  assert.equal(sample.length, 2357);
  assert.equal(spenders.length, 946);
  const c1 = sample.find((c) => c.customer === '0001')!;
  assert.equal(c1.x, 2);
  close(c1.tx, 30.43, 0.005);
  close(c1.T, 38.86, 0.005);
});

// BG/NBD: external checks (the acceptance tests)

test('BG/NBD fitted on the CDNOW sample reproduces the published estimates and log-likelihood', () => {
  assert.equal(sampleFit.converged, true);
  assert.equal(sampleFit.method, 'bfgs');
  const { r, alpha, a, b } = sampleFit.params;
  close(r, 0.243, 0.0005, 'r');
  close(alpha, 4.414, 0.0005, 'alpha');
  close(a, 0.793, 0.0005, 'a');
  close(b, 2.426, 0.0005, 'b');
  close(sampleFit.logLik, -9582.4, 0.05, 'LL');
});

test('the BG/NBD log-likelihood matches pymc-marketing’s check values', () => {
  const p = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
  close(bgnbdLogLik(p, 0, 0, 40), -0.59947382, 1e-8);
  close(bgnbdLogLik(p, 200, 38, 40), 100.7957, 1e-4);
});

test('the compressed likelihood equals the per-customer sum', () => {
  const direct = sample.reduce((s, c) => s + bgnbdLogLik(PUBLISHED, c.x, c.tx, c.T), 0);
  close(bgnbdTotalLogLik(PUBLISHED, compressRf(sample)), direct, 1e-8);
});

test('conditional expected purchases and P(X(t)=0) match Hardie’s spreadsheet values', () => {
  close(expectedPurchasesConditional(PUBLISHED, 39, 2, 30.43, 38.86), 1.226, 0.0005, 'E[Y(39)] customer 1');
  close(probNoPurchases(PUBLISHED, 39), 0.5737864, 1e-7, 'P(X(39)=0)');
  close(probPurchases(PUBLISHED, 39, 0), 0.5737864, 1e-7, 'P(X(39)=0) from the general formula');
  assert.equal(pAlive(PUBLISHED, 0, 0, 38.86), 1);
});

test('unconditional expected purchases match the published values at the full-precision fit', () => {
  // lifetimes' figures come from the unrounded estimates: at exactly (0.243, 4.414, 0.793, 2.426) the
  // formula gives 1.0452 for t = 32 (checked against mpmath), at the full-precision fit 1.0437.
  const table: [number, number][] = [[1, 0.0532], [3, 0.1506], [32, 1.0437], [78, 1.8576]];
  for (const [t, v] of table) close(expectedPurchasesUnconditional(sampleFit.params, t), v, 5e-4, `E[X(${t})]`);
});

test('customer 1516 expects about 25.757 purchases in 52 weeks and is alive with probability 0.96885', () => {
  const c = sample.find((s) => s.customer === '1516')!;
  assert.deepEqual([c.x, Math.round(c.tx * 1000) / 1000, c.T], [26, 30.857, 31]);
  close(expectedPurchasesConditional(sampleFit.params, 52, c.x, c.tx, c.T), 25.757, 0.001);
  close(pAlive(sampleFit.params, c.x, c.tx, c.T), 0.96885, 0.00001);
});

test('P(X(t) = n) sums to one over n', () => {
  let total = 0;
  for (let n = 0; n < 400; n++) total += probPurchases(PUBLISHED, 39, n);
  close(total, 1, 1e-9);
});

test('E[X(t)] equals Σ n·P(X(t) = n)', () => {
  let mean = 0;
  for (let n = 0; n < 600; n++) mean += n * probPurchases(PUBLISHED, 20, n);
  close(expectedPurchasesUnconditional(PUBLISHED, 20), mean, 1e-8);
});

// Gamma-Gamma: external checks

test('Gamma-Gamma fitted on the CDNOW sample reproduces p, q, γ and the log-likelihood', () => {
  assert.equal(spendFit.converged, true);
  close(spendFit.params.p, 6.25, 0.005, 'p');
  close(spendFit.params.q, 3.74, 0.005, 'q');
  close(spendFit.params.gamma, 15.44, 0.005, 'gamma');
  close(spendFit.logLik, -4055.918, 0.0005, 'LL');
});

test('expected mean spend of sample customers 1–10 matches the published values', () => {
  const expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
  const firstTen = ['0001', '0002', '0003', '0004', '0005', '0006', '0007', '0008', '0009', '0010'].map((id) => sample.find((c) => c.customer === id)!);
  firstTen.forEach((c, i) => close(conditionalExpectedSpend(spendFit.params, c.x, c.meanSpend), expected[i], 0.005, `customer ${i + 1}`));
});

test('a customer with no repeat purchase gets the population mean pγ/(q − 1)', () => {
  const p = { p: 6.25, q: 3.74, gamma: 15.44 };
  close(conditionalExpectedSpend(p, 0, 0), (6.25 * 15.44) / 2.74, 1e-12);
  assert.equal(populationMeanSpend({ p: 1, q: 0.9, gamma: 1 }), Infinity);
});

// The method, not only the numbers

test('BG/NBD fitted on the full CDNOW master agrees with an independent coordinate search', () => {
  const master = summarise(cdnowLines('CDNOW_master.txt', false), '1997-09-30');
  assert.equal(master.length, 23570);
  const d = compressRf(master);
  const fit = fitBgnbd(d);
  assert.equal(fit.converged, true);
  // Independent check: no point in a small grid around the optimum is better, and a cyclic coordinate
  // search from a distant start (golden-section per coordinate) reaches the same log-likelihood.
  const v0 = [fit.params.r, fit.params.alpha, fit.params.a, fit.params.b];
  const ll = (v: number[]) => bgnbdTotalLogLik({ r: v[0], alpha: v[1], a: v[2], b: v[3] }, d);
  for (let i = 0; i < 4; i++) for (const f of [0.99, 1.01]) {
    const v = v0.slice();
    v[i] *= f;
    assert.ok(ll(v) < fit.logLik, `moving parameter ${i} by ${f} does not improve`);
  }
  let v = [1, 1, 1, 1];
  for (let sweep = 0; sweep < 200; sweep++) {
    for (let i = 0; i < 4; i++) {
      let lo = Math.log(v[i]) - 2, hi = Math.log(v[i]) + 2;
      for (let k = 0; k < 60; k++) {
        const m1 = lo + (hi - lo) * 0.382, m2 = lo + (hi - lo) * 0.618;
        const w1 = v.slice(), w2 = v.slice();
        w1[i] = Math.exp(m1);
        w2[i] = Math.exp(m2);
        if (ll(w1) > ll(w2)) hi = m2;
        else lo = m1;
      }
      v[i] = Math.exp((lo + hi) / 2);
    }
  }
  close(ll(v), fit.logLik, 0.05, 'coordinate search reaches the same maximum');
  const nm = nelderMead((w) => -ll(w.map(Math.exp)), [0, 0, 0, 0], { fTolerance: 1e-9 });
  close(-nm.value, fit.logLik, 0.01, 'Nelder–Mead without gradients reaches the same maximum');
  for (let i = 0; i < 4; i++) close(v[i] / v0[i], 1, 0.02, `parameter ${i}`);
});

test('BG/NBD fitted on data simulated from known parameters recovers them', () => {
  const truth = { r: 0.5, alpha: 6, a: 0.7, b: 2.5 };
  const u = mulberry32(7);
  const Ts = Array.from({ length: 20000 }, () => 30 + Math.floor(u() * 50));
  const sim = simulateBgnbd(truth, Ts, 11);
  const fit = fitBgnbd(compressRf(sim));
  assert.equal(fit.converged, true);
  assert.ok(fit.logLik >= bgnbdTotalLogLik(truth, compressRf(sim)), 'the maximum is at least the likelihood of the truth');
  close(fit.params.r / truth.r, 1, 0.1, 'r');
  close(fit.params.alpha / truth.alpha, 1, 0.15, 'alpha');
  close(fit.params.a / truth.a, 1, 0.25, 'a');
  close(fit.params.b / truth.b, 1, 0.3, 'b');
});

test('Gamma-Gamma fitted on simulated spend recovers its parameters', () => {
  const truth = { p: 4, q: 3, gamma: 20 };
  const u = mulberry32(3);
  const xs = Array.from({ length: 8000 }, () => 1 + Math.floor(u() * 8));
  const means = simulateSpend(truth, xs, 5);
  const rows = xs.map((x, i) => ({ x, meanSpend: means[i] }));
  const fit = fitGammaGamma(rows);
  assert.equal(fit.converged, true);
  assert.ok(fit.logLik >= gammaGammaTotalLogLik(truth, rows));
  close(fit.params.p / truth.p, 1, 0.1, 'p');
  close(fit.params.q / truth.q, 1, 0.15, 'q');
  close(fit.params.gamma / truth.gamma, 1, 0.2, 'gamma');
});

test('a fit on data with no repeat buyers at all does not claim convergence to finite b', () => {
  const fit = fitBgnbd(compressRf(Array.from({ length: 50 }, (_, i) => ({ x: 0, tx: 0, T: 10 + i }))));
  // With no repeats the likelihood increases without bound as λ → 0: parameters run away.
  assert.ok(!fit.converged || fit.params.r / fit.params.alpha < 1e-3);
});

// CLV

test('CLV with no discount is expected purchases in the horizon times expected spend', () => {
  const spend = 30;
  const months = 12;
  const value = clv(PUBLISHED, spend, 2, 30.43, 38.86, { months, monthlyDiscount: 0 });
  close(value, expectedPurchasesConditional(PUBLISHED, months * MONTH_WEEKS, 2, 30.43, 38.86) * spend, 1e-9);
});

test('discounting lowers CLV and a longer horizon raises it', () => {
  const base = clv(PUBLISHED, 30, 5, 30, 38, { months: 12, monthlyDiscount: 0.01 });
  assert.ok(base < clv(PUBLISHED, 30, 5, 30, 38, { months: 12, monthlyDiscount: 0 }));
  assert.ok(base < clv(PUBLISHED, 30, 5, 30, 38, { months: 24, monthlyDiscount: 0.01 }));
  assert.ok(base > 0);
});
