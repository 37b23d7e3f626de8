/** Draws from the models with known parameters, to test that fitting recovers them. Seeded, so repeatable. */
import type { BgnbdParams, RfSummary } from './bgnbd.ts';
import type { GammaGammaParams } from './gammagamma.ts';

export function mulberry32(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Gamma(shape, rate) by Marsaglia & Tsang (2000), with the u^(1/k) boost for shape < 1. */
export function gammaDraw(u: () => number, shape: number, rate: number): number {
  if (shape < 1) return gammaDraw(u, shape + 1, rate) * Math.pow(1 - u(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = normal(u);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const w = 1 - u();
    if (Math.log(w) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

/** One customer per T: purchases Poisson(λ) while alive, drop out after each purchase with probability p. */
export function simulateBgnbd(p: BgnbdParams, Ts: number[], seed: number): RfSummary[] {
  const u = mulberry32(seed);
  return Ts.map((T) => {
    const lambda = gammaDraw(u, p.r, p.alpha);
    const ga = gammaDraw(u, p.a, 1);
    const dropout = ga / (ga + gammaDraw(u, p.b, 1));
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(1 - u()) / lambda;
      if (t > T) break;
      x++;
      tx = t;
      if (u() < dropout) break;
    }
    return { x, tx, T };
  });
}

/** Mean spend of x transactions per customer: z ~ Gamma(p, ν), ν ~ Gamma(q, γ). */
export function simulateSpend(p: GammaGammaParams, xs: number[], seed: number): number[] {
  const u = mulberry32(seed);
  return xs.map((x) => {
    const nu = gammaDraw(u, p.q, p.gamma);
    let sum = 0;
    for (let i = 0; i < x; i++) sum += gammaDraw(u, p.p, nu);
    return sum / x;
  });
}
