import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { binOf, cutPoints, quantileSorted, rfmCuts, rfmScore, rfmSegment, RFM_SEGMENTS } from './rfm.ts';
import { DEFAULT_VALUE_GRADE_RULE, valueGrade, valueGradeScore, type ValueGradeRule } from './valueGrade.ts';
import { churnRisk, DEFAULT_CHURN_RULE, overdueDays } from './churn.ts';
import { sharedDataFile } from './testdata.ts';

test('quantiles interpolate linearly between order statistics (R type 7)', () => {
  const s = [1, 2, 3, 4, 10];
  const table: [number, number][] = [[0, 1], [0.2, 1.8], [0.5, 3], [0.8, 5.2], [1, 10]];
  for (const [p, q] of table) assert.ok(Math.abs(quantileSorted(s, p) - q) < 1e-12, `p=${p}`);
});

test('cut points are the inner quantiles plus one, and bins are half-open', () => {
  assert.deepEqual(cutPoints([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).map((c) => Math.round(c * 1e9) / 1e9), [3.8, 5.6, 7.4, 9.2]);
  assert.deepEqual([1, 2.8, 3.8, 9.2, 10].map((v) => binOf(v, [3.8, 5.6, 7.4, 9.2])), [1, 1, 2, 5, 5]);
});

test('equal values always get the same score', () => {
  const values = [1, 1, 1, 1, 1, 1, 2, 2, 3, 9];
  const cuts = cutPoints(values);
  const bins = values.map((v) => binOf(v, cuts));
  assert.equal(new Set(bins.slice(0, 6)).size, 1);
  assert.equal(bins[6], bins[7]);
});

test('the first matching segment wins and scores outside every range are Others', () => {
  assert.equal(rfmSegment({ r: 5, f: 5, m: 5 }).code, 'champions');
  assert.equal(rfmSegment({ r: 5, f: 5, m: 4 }).code, 'potential_loyalist');
  assert.equal(rfmSegment({ r: 3, f: 3, m: 1 }).code, 'about_to_sleep');
  assert.equal(rfmSegment({ r: 1, f: 2, m: 4 }).code, 'at_risk');
  assert.equal(rfmSegment({ r: 5, f: 4, m: 1 }).code, 'others');
  for (const s of RFM_SEGMENTS) assert.ok(s.nameZh && s.nameEn, s.code);
});

test('the rfm package’s table for 2006-12-31 is reproduced exactly from its orders', () => {
  const orders = parse(sharedDataFile('rfm_orders.csv'), { columns: true }) as Record<string, string>[];
  const expected = parse(sharedDataFile('rfm_expected_2006-12-31.csv'), { columns: true }) as Record<string, string>[];
  const analysis = Date.parse('2006-12-31T00:00:00Z');
  const byCustomer = new Map<string, { last: number; count: number; amount: number }>();
  for (const o of orders) {
    const c = byCustomer.get(o.customer_id) ?? { last: -Infinity, count: 0, amount: 0 };
    c.last = Math.max(c.last, Date.parse(`${o.order_date}T00:00:00Z`));
    c.count++;
    c.amount += Number(o.revenue);
    byCustomer.set(o.customer_id, c);
  }
  const rows = [...byCustomer].map(([id, c]) => ({ id, recencyDays: Math.round((analysis - c.last) / 86400000), frequency: c.count, monetary: c.amount }));
  const cuts = rfmCuts(rows);
  const byId = new Map(rows.map((r) => [r.id, r]));
  assert.equal(expected.length, 995);
  assert.equal(rows.length, 995);
  for (const e of expected) {
    const row = byId.get(e.customer_id)!;
    const s = rfmScore(row, cuts);
    const got = [row.recencyDays, row.frequency, row.monetary, s.r, s.f, s.m, s.score, rfmSegment(s).nameEn];
    const want = [+e.recency_days, +e.transaction_count, +e.amount, +e.recency_score, +e.frequency_score, +e.monetary_score, +e.rfm_score, e.segment];
    assert.deepEqual(got, want, e.customer_id);
  }
});

test('value grade weighs RFM and tier and cuts at the thresholds', () => {
  const rule = DEFAULT_VALUE_GRADE_RULE;
  const table: [Parameters<typeof valueGrade>[0], string][] = [
    [{ r: 5, f: 5, m: 5, tierPosition: 1 }, 'high'],
    [{ r: 1, f: 1, m: 1, tierPosition: 0 }, 'low'],
    [{ r: 3, f: 3, m: 3, tierPosition: 0.5 }, 'medium'],
    [{ r: 5, f: 4, m: 4 }, 'high'],
    [{}, 'low'],
  ];
  for (const [inputs, grade] of table) assert.equal(valueGrade(inputs, rule), grade, JSON.stringify(inputs));
});

test('an absent input drops out with its weight', () => {
  const rule: ValueGradeRule = { weights: { recency: 1, frequency: 1, monetary: 1, tier: 1, satisfaction: 1 }, thresholds: { high: 0.7, medium: 0.4 } };
  assert.equal(valueGradeScore({ r: 5, f: 5, m: 5 }, rule), 1);
  assert.equal(valueGradeScore({ r: 5, f: 5, m: 5, tierPosition: 0 }, rule), 0.75);
  assert.equal(valueGradeScore({ r: 5, f: 5, m: 5, tierPosition: 0, satisfaction: 100 }, rule), 0.8);
});

test('a score exactly on a threshold takes the higher grade', () => {
  const rule: ValueGradeRule = { weights: { recency: 0, frequency: 0, monetary: 1, tier: 0, satisfaction: 0 }, thresholds: { high: 0.75, medium: 0.5 } };
  assert.equal(valueGrade({ m: 4 }, rule), 'high');
  assert.equal(valueGrade({ m: 3 }, rule), 'medium');
  assert.equal(valueGrade({ m: 2 }, rule), 'low');
});

test('overdue days count beyond the customer’s own usual interval times the factor', () => {
  assert.equal(overdueDays(100, 30, 2), 40);
  assert.equal(overdueDays(50, 30, 2), 0);
  assert.equal(overdueDays(60.4, 30, 2), 0);
});

test('churn risk combines P(alive) and being overdue', () => {
  const table: [number, number, string][] = [
    [0.95, 0, 'low'], [0.2, 0, 'high'], [0.5, 10, 'high'], [0.8, 10, 'medium'], [0.65, 0, 'medium'], [0.3, 0, 'medium'],
  ];
  for (const [p, o, risk] of table) assert.equal(churnRisk(p, o, DEFAULT_CHURN_RULE), risk, `p=${p} overdue=${o}`);
});
