/**
 * Churn risk from the model and from the customer's own rhythm (SPEC §8: "no purchase for longer than
 * usual for that customer"). The usual interval is the mean gap between transaction days, t_x / x; a
 * customer with one purchase day has none, so the population's median usual interval stands in.
 * overdue_days = max(0, days since last purchase − factor × usual interval).
 */

export interface ChurnRule {
  /** How many usual intervals may pass before a customer is overdue. */
  overdueFactor: number;
  /** P(alive) below this is high risk whatever the rhythm. */
  highBelowPAlive: number;
  /** Overdue and P(alive) below this is high risk. */
  highOverdueBelowPAlive: number;
  /** P(alive) below this, or overdue at all, is medium risk. */
  mediumBelowPAlive: number;
}

export const DEFAULT_CHURN_RULE: ChurnRule = { overdueFactor: 2, highBelowPAlive: 0.3, highOverdueBelowPAlive: 0.6, mediumBelowPAlive: 0.7 };

export type ChurnRisk = 'high' | 'medium' | 'low';

export function overdueDays(recencyDays: number, usualIntervalDays: number, factor: number): number {
  return Math.max(0, Math.round(recencyDays - factor * usualIntervalDays));
}

export function churnRisk(pAlive: number, overdue: number, rule: ChurnRule = DEFAULT_CHURN_RULE): ChurnRisk {
  if (pAlive < rule.highBelowPAlive) return 'high';
  if (overdue > 0 && pAlive < rule.highOverdueBelowPAlive) return 'high';
  if (overdue > 0 || pAlive < rule.mediumBelowPAlive) return 'medium';
  return 'low';
}
