/**
 * Customer lifetime value over a horizon, discounted monthly:
 *   CLV = Σ_{m=1..H} (E[Y(m·τ) | x, t_x, T] − E[Y((m−1)·τ) | x, t_x, T]) · E[Z | x, m̄] / (1 + d)^m
 * where τ is one month in the model's time unit, d the monthly discount rate and E[Z] the Gamma-Gamma
 * expected spend per transaction. Purchases in month m are discounted as if paid at its end.
 */
import { expectedPurchasesConditional, type BgnbdParams } from './bgnbd.ts';

export const MONTH_WEEKS = 365.25 / 12 / 7;

export function clv(p: BgnbdParams, spend: number, x: number, tx: number, T: number, opts: { months: number; monthlyDiscount: number; monthLength?: number }): number {
  const tau = opts.monthLength ?? MONTH_WEEKS;
  let total = 0;
  let prev = 0;
  for (let m = 1; m <= opts.months; m++) {
    const cum = expectedPurchasesConditional(p, m * tau, x, tx, T);
    total += ((cum - prev) * spend) / Math.pow(1 + opts.monthlyDiscount, m);
    prev = cum;
  }
  return total;
}
