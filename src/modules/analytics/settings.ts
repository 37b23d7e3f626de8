import type { Queryable } from '../../db/client.ts';
import type { BilingualFieldProblem } from '../../http/errors.ts';
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

/** The stored settings over the defaults; keys the code does not know are dropped so a read can be written back. */
export async function getScoringSettings(q: Queryable): Promise<ScoringSettings> {
  return (await readScoringSettings(q)).settings;
}

export async function readScoringSettings(q: Queryable): Promise<{ settings: ScoringSettings; updatedAt: string | null }> {
  const r = await q.query('SELECT value, updated_at FROM settings WHERE key = $1', [SCORING_SETTINGS_KEY]);
  const stored: Partial<ScoringSettings> = r.rows[0]?.value ?? {};
  const d = DEFAULT_SCORING_SETTINGS;
  const pick = <T extends object>(defaults: T, from: Partial<T> | undefined): T =>
    Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, (from as any)?.[k] ?? v])) as T;
  const { churn, ...top } = d;
  const settings = { ...pick(top, stored), churn: pick(churn, stored.churn) };
  const at = r.rows[0]?.updated_at;
  return { settings, updatedAt: at == null ? null : new Date(at).toISOString() };
}

export async function saveScoringSettings(q: Queryable, s: ScoringSettings): Promise<void> {
  await q.query(
    `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [SCORING_SETTINGS_KEY, JSON.stringify(s)],
  );
}

export interface Bound {
  min: number;
  max: number;
  integer: boolean;
  unit: { en: string; zh: string };
}

const none = { en: '', zh: '' };
/** What each setting may be, by field path; the API checks against it and the console shows it. */
export const SCORING_SETTING_BOUNDS: Record<string, Bound> = {
  rfmWindowDays: { min: 30, max: 1095, integer: true, unit: { en: 'days', zh: '天' } },
  clvHorizonMonths: { min: 1, max: 60, integer: true, unit: { en: 'months', zh: '个月' } },
  monthlyDiscount: { min: 0, max: 0.2, integer: false, unit: none },
  // Below a thousand customers a fit is mostly noise; above a few million it only costs time.
  maxModelFitCustomers: { min: 1000, max: 5_000_000, integer: true, unit: { en: 'customers', zh: '位客户' } },
  maxSpendFitCustomers: { min: 1000, max: 5_000_000, integer: true, unit: { en: 'customers', zh: '位客户' } },
  'churn.overdueFactor': { min: 1, max: 10, integer: false, unit: { en: 'usual intervals', zh: '个平时间隔' } },
  'churn.highBelowPAlive': { min: 0, max: 1, integer: false, unit: none },
  'churn.highOverdueBelowPAlive': { min: 0, max: 1, integer: false, unit: none },
  'churn.mediumBelowPAlive': { min: 0, max: 1, integer: false, unit: none },
};

const fmt = (n: number) => n.toLocaleString('en-US');

/** Every field outside its bounds, and churn thresholds out of order; paths as in the settings object. */
export function scoringSettingsProblems(s: ScoringSettings): BilingualFieldProblem[] {
  const out: BilingualFieldProblem[] = [];
  const value = (path: string) => path.split('.').reduce<any>((o, k) => o?.[k], s);
  for (const [path, b] of Object.entries(SCORING_SETTING_BOUNDS)) {
    const v = value(path);
    if (typeof v === 'number' && Number.isFinite(v) && v >= b.min && v <= b.max && (!b.integer || Number.isInteger(v))) continue;
    const en = `must be ${b.integer ? 'a whole number' : 'a number'} from ${fmt(b.min)} to ${fmt(b.max)}${b.unit.en ? ` ${b.unit.en}` : ''}`;
    const zh = `必须是 ${fmt(b.min)} 到 ${fmt(b.max)} 之间的${b.integer ? '整数' : '数'}${b.unit.zh ? `（${b.unit.zh}）` : ''}`;
    out.push({ path, en, zh });
  }
  if (out.length) return out;
  const c = s.churn;
  if (c.highOverdueBelowPAlive < c.highBelowPAlive) {
    out.push({ path: 'churn.highOverdueBelowPAlive', en: 'must not be below the high-risk P(alive) threshold', zh: '不能低于高风险的活跃概率阈值' });
  }
  if (c.mediumBelowPAlive < c.highBelowPAlive) {
    out.push({ path: 'churn.mediumBelowPAlive', en: 'must not be below the high-risk P(alive) threshold', zh: '不能低于高风险的活跃概率阈值' });
  }
  return out;
}
