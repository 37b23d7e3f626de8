/**
 * From purchase lines to the models' per-customer summary, by the papers' rules: purchases on the same
 * day are one transaction (values added); the first transaction starts the clock and is not counted;
 * x = later transaction days up to the calibration end, t_x = time of the last of them, T = time from the
 * first purchase to the calibration end; m̄ = mean value of the repeat transactions.
 */

export interface PurchaseLine {
  customer: string;
  /** Calendar day, 'YYYY-MM-DD' (already in the business time zone). */
  day: string;
  value: number;
}

export interface CustomerSummary {
  customer: string;
  x: number;
  tx: number;
  T: number;
  /** Mean value of repeat transactions (0 when x = 0). */
  meanSpend: number;
  firstDay: string;
  lastDay: string;
}

const DAY_MS = 86400000;
export const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);

/**
 * `unitDays` is the model's time unit in days: 7 for weeks (CDNOW, and Patron's default, so fitted α
 * compares with published values), 1 for days. Lines after the calibration end are ignored; customers
 * whose first purchase is after it are left out.
 */
export function summarise(lines: Iterable<PurchaseLine>, calibrationEnd: string, unitDays = 7): CustomerSummary[] {
  const end = dayNumber(calibrationEnd);
  const byCustomer = new Map<string, Map<number, number>>();
  for (const l of lines) {
    const d = dayNumber(l.day);
    if (d > end) continue;
    let days = byCustomer.get(l.customer);
    if (!days) byCustomer.set(l.customer, (days = new Map()));
    days.set(d, (days.get(d) ?? 0) + l.value);
  }
  const out: CustomerSummary[] = [];
  for (const [customer, days] of byCustomer) {
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const first = sorted[0];
    const last = sorted[sorted.length - 1];
    let repeatValue = 0;
    for (let i = 1; i < sorted.length; i++) repeatValue += days.get(sorted[i])!;
    const x = sorted.length - 1;
    out.push({
      customer,
      x,
      tx: (last - first) / unitDays,
      T: (end - first) / unitDays,
      meanSpend: x > 0 ? repeatValue / x : 0,
      firstDay: new Date(first * DAY_MS).toISOString().slice(0, 10),
      lastDay: new Date(last * DAY_MS).toISOString().slice(0, 10),
    });
  }
  return out;
}
