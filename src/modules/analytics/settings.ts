import type { Queryable } from '../../db/client.ts';
import { DEFAULT_VALUE_GRADE_RULE, type ValueGradeRule } from './models/valueGrade.ts';
import { DEFAULT_CHURN_RULE, type ChurnRule } from './models/churn.ts';

export const VALUE_GRADE_RULE_KEY = 'analytics.value_grade_rule';
export const SCORING_SETTINGS_KEY = 'analytics.scoring';

export interface ScoringSettings {
  /** RFM frequency and monetary count sales in this many days up to the calibration end. */
  rfmWindowDays: number;
  /** CLV horizon and monthly discount rate. */
  clvHorizonMonths: number;
  monthlyDiscount: number;
  /** Fit BG/NBD on at most this many customers, Gamma-Gamma on at most this many repeat buyers (repeatable samples by customer id). */
  maxModelFitCustomers: number;
  maxSpendFitCustomers: number;
  churn: ChurnRule;
}

export const DEFAULT_SCORING_SETTINGS: ScoringSettings = {
  rfmWindowDays: 365,
  clvHorizonMonths: 12,
  monthlyDiscount: 0.01,
  maxModelFitCustomers: 300000,
  maxSpendFitCustomers: 100000,
  churn: DEFAULT_CHURN_RULE,
};

async function readSetting<T>(q: Queryable, key: string): Promise<T | null> {
  const r = await q.query('SELECT value FROM settings WHERE key = $1', [key]);
  return r.rows.length ? (r.rows[0].value as T) : null;
}

export async function getValueGradeRule(q: Queryable): Promise<ValueGradeRule> {
  return (await readSetting<ValueGradeRule>(q, VALUE_GRADE_RULE_KEY)) ?? DEFAULT_VALUE_GRADE_RULE;
}

export async function saveValueGradeRule(q: Queryable, rule: ValueGradeRule): Promise<void> {
  await q.query(
    `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [VALUE_GRADE_RULE_KEY, JSON.stringify(rule)],
  );
}

export async function getScoringSettings(q: Queryable): Promise<ScoringSettings> {
  const stored = await readSetting<Partial<ScoringSettings>>(q, SCORING_SETTINGS_KEY);
  return { ...DEFAULT_SCORING_SETTINGS, ...(stored ?? {}), churn: { ...DEFAULT_CHURN_RULE, ...(stored?.churn ?? {}) } };
}
