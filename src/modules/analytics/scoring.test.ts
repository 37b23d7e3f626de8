import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { simulateBgnbd, mulberry32 } from './models/simulate.ts';
import { summarise, type PurchaseLine } from './models/summary.ts';
import { compressRf, fitBgnbd } from './models/bgnbd.ts';
import { SCORING_JOB } from './index.ts';
import { addCustomers, addPurchases, dayAfter } from './fixtures.ts';
import { MODULES } from '../registry.ts';

const AS_OF = '2026-06-30';
let t: TestApp;
let manager: string;
let lines: PurchaseLine[] = [];
const ids: number[] = [];

before(async () => {
  t = await startTestApp();
  manager = await t.loginAs('manager');
  // 1,500 customers drawn from a BG/NBD with known parameters, first purchases spread over a year.
  const n = 1500;
  ids.push(...(await addCustomers(t.db, n, '会员')));
  const u = mulberry32(42);
  const firstOffsets = ids.map(() => Math.floor(u() * 365));
  const Ts = firstOffsets.map((o) => (365 + 180 - o) / 7);
  const sim = simulateBgnbd({ r: 0.6, alpha: 5, a: 0.8, b: 3 }, Ts, 9);
  const start = '2025-01-01';
  const purchases: { customerId: number; day: string; fen: number }[] = [];
  sim.forEach((s, i) => {
    const first = dayAfter(start, firstOffsets[i]);
    const spend = 5000 + Math.floor(u() * 20000);
    purchases.push({ customerId: ids[i], day: first, fen: spend });
    // Repeat purchases: spread evenly up to t_x (times in weeks → days); the last one lands on t_x.
    for (let k = 1; k <= s.x; k++) purchases.push({ customerId: ids[i], day: dayAfter(first, Math.floor((s.tx * 7 * k) / s.x)), fen: spend + Math.floor(u() * 3000) });
  });
  await addPurchases(t.db, purchases, 'sim');
  lines = purchases.map((p) => ({ customer: String(p.customerId), day: p.day, value: p.fen }));
});
after(async () => {
  await t.close();
});

test('a manager runs scoring and every buyer gets scores and both models get a fit', async () => {
  const res = await t.request('POST', '/api/analytics/scoring/run', { cookie: manager, body: { asOf: AS_OF } });
  assert.equal(res.statusCode, 200, res.body);
  const report = res.json();
  assert.equal(report.customers, 1500);
  assert.equal(report.calibrationEnd, AS_OF);
  assert.equal(report.bgnbd.converged, true);
  assert.equal(report.gammaGamma.converged, true);
  const counts = await t.db.query(`SELECT count(*)::int AS n, count(p_alive)::int AS alive, count(clv_fen)::int AS clv, count(DISTINCT rfm_segment)::int AS segments FROM customer_scores`);
  assert.deepEqual(counts.rows[0].n, 1500);
  assert.equal(counts.rows[0].alive, 1500);
  assert.equal(counts.rows[0].clv, 1500);
  assert.ok(counts.rows[0].segments >= 5);
});

test('the SQL summary and fit agree with the pure summary function on the same purchases', async () => {
  const models = (await t.request('GET', '/api/analytics/models', { cookie: manager })).json();
  const bg = models.models.find((m: any) => m.model === 'bgnbd');
  const pure = fitBgnbd(compressRf(summarise(lines, AS_OF)));
  for (const k of ['r', 'alpha', 'a', 'b'] as const) assert.ok(Math.abs(bg.params[k] / pure.params[k] - 1) < 1e-4, `${k}: ${bg.params[k]} vs ${pure.params[k]}`);
  assert.ok(Math.abs(bg.logLik - pure.logLik) < 1e-3);
  assert.equal(bg.n, 1500);
  assert.equal(bg.converged, true);
});

test('the fit on simulated purchases lands near the parameters they were drawn from', async () => {
  const bg = (await t.request('GET', '/api/analytics/models', { cookie: manager })).json().models.find((m: any) => m.model === 'bgnbd');
  assert.ok(Math.abs(bg.params.r / 0.6 - 1) < 0.35, `r ${bg.params.r}`);
  assert.ok(Math.abs(bg.params.alpha / 5 - 1) < 0.5, `alpha ${bg.params.alpha}`);
});

test('same-day purchases count once, returns lower monetary, and the explanation shows the model inputs', async () => {
  const [id] = await addCustomers(t.db, 1, '王芳');
  await addPurchases(t.db, [
    { customerId: id, day: '2026-06-01', fen: 10000 },
    { customerId: id, day: '2026-06-01', fen: 5000 },
    { customerId: id, day: '2026-06-15', fen: 20000 },
    { customerId: id, day: '2026-06-16', fen: 4000, kind: 'return' },
    { customerId: id, day: '2026-06-22', fen: 30000 },
    { customerId: id, day: '2026-07-05', fen: 99900 },
  ], `wang-${id}`);
  const run = await t.request('POST', '/api/analytics/scoring/run', { cookie: manager, body: { asOf: AS_OF } });
  assert.equal(run.statusCode, 200, run.body);
  const res = await t.request('GET', `/api/customers/${id}/scores`, { cookie: manager });
  assert.equal(res.statusCode, 200);
  const { scores, explanation } = res.json();
  assert.equal(scores.frequency, 4, 'four sales in the window (same day still two sales)');
  assert.equal(scores.monetaryFen, 10000 + 5000 + 20000 - 4000 + 30000);
  assert.equal(scores.recencyDays, 8);
  assert.deepEqual(explanation.model.inputs, { repeatTransactions: 2, txWeeks: 3, TWeeks: 29 / 7, usualIntervalDays: 10.5 });
  assert.ok(scores.pAlive > 0 && scores.pAlive <= 1);
  assert.ok(scores.clvFen > 0);
  assert.equal(typeof scores.rfmSegmentName.zh, 'string');
});

test('customers who were merged away are not scored', async () => {
  const [id] = await addCustomers(t.db, 1, '李娜');
  await addPurchases(t.db, [{ customerId: id, day: '2026-05-01', fen: 1000 }], `li-${id}`);
  await t.db.query(`UPDATE customers SET status = 'merged', merged_into = $2 WHERE id = $1`, [id, ids[0]]);
  await t.request('POST', '/api/analytics/scoring/run', { cookie: manager, body: { asOf: AS_OF } });
  const r = await t.db.query('SELECT 1 FROM customer_scores WHERE customer_id = $1', [id]);
  assert.equal(r.rows.length, 0);
});

test('a second run while one is in progress is a conflict', async () => {
  await t.db.query(`INSERT INTO scoring_runs (status, trigger, calibration_end) VALUES ('running', 'manual', $1)`, [AS_OF]);
  try {
    const res = await t.request('POST', '/api/analytics/scoring/run', { cookie: manager, body: {} });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'SCORING_RUNNING');
  } finally {
    await t.db.query(`DELETE FROM scoring_runs WHERE status = 'running'`);
  }
});

test('only roles that manage segments may start a run; analysts may read the models', async () => {
  const analyst = await t.loginAs('analyst');
  assert.equal((await t.request('POST', '/api/analytics/scoring/run', { cookie: analyst, body: {} })).statusCode, 403);
  assert.equal((await t.request('GET', '/api/analytics/models', { cookie: analyst })).statusCode, 200);
  const staff = await t.loginAs('store_staff');
  assert.equal((await t.request('GET', '/api/analytics/models', { cookie: staff })).statusCode, 403);
  assert.equal((await t.request('GET', '/api/analytics/models')).statusCode, 401);
});

test('a malformed run request names the bad field', async () => {
  const res = await t.request('POST', '/api/analytics/scoring/run', { cookie: manager, body: { asOf: "2026-13-45'; DROP TABLE purchases;--" } });
  assert.equal(res.statusCode, 400);
  assert.ok(res.json().error.fields.some((f: any) => f.path.includes('asOf')));
  const extra = await t.request('POST', '/api/analytics/scoring/run', { cookie: manager, body: { asOf: AS_OF, force: true } });
  assert.equal(extra.statusCode, 400);
});

test('customer scores: unknown customer is 404, a non-numeric id is 400, store staff may read', async () => {
  assert.equal((await t.request('GET', '/api/customers/999999999/scores', { cookie: manager })).statusCode, 404);
  assert.equal((await t.request('GET', `/api/customers/1'%20OR%201=1/scores`, { cookie: manager })).statusCode, 400);
  const staff = await t.loginAs('store_staff');
  assert.equal((await t.request('GET', `/api/customers/${ids[0]}/scores`, { cookie: staff })).statusCode, 200);
});

test('a customer without purchases has no scores yet', async () => {
  const [id] = await addCustomers(t.db, 1, '赵敏');
  const res = await t.request('GET', `/api/customers/${id}/scores`, { cookie: manager });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().scores, null);
});

test('a manager changes the value-grade rule, it is audited and the next run uses it', async () => {
  const rule = { weights: { recency: 0, frequency: 0, monetary: 1, tier: 0, satisfaction: 0 }, thresholds: { high: 1, medium: 1 } };
  const put = await t.request('PUT', '/api/analytics/value-grade-rule', { cookie: manager, body: { rule } });
  assert.equal(put.statusCode, 200, put.body);
  assert.deepEqual((await t.request('GET', '/api/analytics/value-grade-rule', { cookie: manager })).json().rule, rule);
  const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'analytics.value_grade_rule.update'`);
  assert.equal(audit.rows[0].n, 1);
  await t.request('POST', '/api/analytics/scoring/run', { cookie: manager, body: { asOf: AS_OF } });
  const grades = await t.db.query(`SELECT value_grade, bool_and(m_score = 5) AS all_top, count(*)::int AS n FROM customer_scores GROUP BY 1`);
  const high = grades.rows.find((g) => g.value_grade === 'high');
  assert.ok(high && high.all_top, 'only monetary 5 reaches a threshold of 1');
  assert.ok(grades.rows.some((g) => g.value_grade === 'low'));
});

test('a value-grade rule with medium above high or unknown fields is refused, and analysts cannot change it', async () => {
  const bad = await t.request('PUT', '/api/analytics/value-grade-rule', {
    cookie: manager, body: { rule: { weights: { recency: 1, frequency: 1, monetary: 1, tier: 1, satisfaction: 0 }, thresholds: { high: 0.3, medium: 0.6 } } },
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.fields[0].path, 'rule.thresholds.medium');
  const zero = await t.request('PUT', '/api/analytics/value-grade-rule', {
    cookie: manager, body: { rule: { weights: { recency: 0, frequency: 0, monetary: 0, tier: 0, satisfaction: 0 }, thresholds: { high: 0.7, medium: 0.4 } } },
  });
  assert.equal(zero.statusCode, 400);
  const unknown = await t.request('PUT', '/api/analytics/value-grade-rule', {
    cookie: manager, body: { rule: { weights: { recency: 1, frequency: 1, monetary: 1, tier: 1, satisfaction: 0, loyalty: 3 }, thresholds: { high: 0.7, medium: 0.4 } } },
  });
  assert.equal(unknown.statusCode, 400);
  const analyst = await t.loginAs('analyst');
  const forbidden = await t.request('PUT', '/api/analytics/value-grade-rule', {
    cookie: analyst, body: { rule: { weights: { recency: 1, frequency: 1, monetary: 1, tier: 1, satisfaction: 0 }, thresholds: { high: 0.7, medium: 0.4 } } },
  });
  assert.equal(forbidden.statusCode, 403);
});

test('the nightly job is registered with a cron and runs the same pass', async () => {
  const defs = MODULES.find((m) => m.name === 'analytics')!.jobs!({ db: t.db, config: t.ctx.config });
  const job = defs.find((d) => d.name === SCORING_JOB)!;
  assert.equal(job.cron, '30 2 * * *');
  const before = await t.db.query(`SELECT count(*)::int AS n FROM scoring_runs WHERE trigger = 'schedule'`);
  await t.ctx.jobs.send(SCORING_JOB, {});
  const afterRuns = await t.db.query(`SELECT count(*)::int AS n, bool_and(status = 'succeeded') AS ok FROM scoring_runs WHERE trigger = 'schedule'`);
  assert.equal(afterRuns.rows[0].n, before.rows[0].n + 1);
  assert.equal(afterRuns.rows[0].ok, true);
});

test('each run records the day’s snapshot for the trend charts', async () => {
  const r = await t.db.query(`SELECT customers FROM analytics_score_snapshots WHERE day = $1`, [AS_OF]);
  const scored = await t.db.query(`SELECT count(*)::int AS n FROM customer_scores`);
  assert.equal(r.rows.length, 1);
  assert.equal(r.rows[0].customers, scored.rows[0].n);
});

test('the loyalty tier counts in the value grade and the explanation shows its position', async () => {
  // Whatever ladder the programme seeded, the top rung is position 1.
  await t.db.query(`INSERT INTO loyalty_tiers (code, name_zh, name_en, rank) VALUES ('silver', '银卡', 'Silver', 1), ('gold', '金卡', 'Gold', 2) ON CONFLICT DO NOTHING`);
  const top = (await t.db.query(`SELECT id FROM loyalty_tiers ORDER BY rank DESC LIMIT 1`)).rows[0].id;
  await t.db.query(`INSERT INTO loyalty_accounts (customer_id, tier_id) VALUES ($1, $2)`, [ids[1], top]);
  const rule = { weights: { recency: 0, frequency: 0, monetary: 0, tier: 1, satisfaction: 0 }, thresholds: { high: 1, medium: 0.5 } };
  await t.request('PUT', '/api/analytics/value-grade-rule', { cookie: manager, body: { rule } });
  await t.request('POST', '/api/analytics/scoring/run', { cookie: manager, body: { asOf: AS_OF } });
  const res = (await t.request('GET', `/api/customers/${ids[1]}/scores`, { cookie: manager })).json();
  assert.equal(res.scores.valueGrade, 'high');
  assert.equal(res.explanation.valueGrade.inputs.tierPosition, 1);
  assert.equal(res.explanation.valueGrade.score, 1);
  const other = (await t.request('GET', `/api/customers/${ids[2]}/scores`, { cookie: manager })).json();
  assert.equal(other.scores.valueGrade, 'low', 'no tier and no other weighted input');
});
