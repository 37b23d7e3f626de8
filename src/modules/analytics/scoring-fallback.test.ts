import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../../../test/support.ts';
import type { Db } from '../../db/client.ts';
import { runScoring } from './scoring.ts';

let db: Db & { drop(): Promise<void> };
before(async () => {
  db = await openTestDb();
});
after(async () => {
  await db.drop();
});

test('with too few repeat buyers the fit is recorded as not converged and scores keep RFM without model values', async () => {
  const c = await db.query(`INSERT INTO customers (name) SELECT '顾客' || g FROM generate_series(1, 3) g RETURNING id`);
  const ids = c.rows.map((r) => r.id);
  await db.query(
    `INSERT INTO purchases (customer_id, channel, source, external_id, purchased_at, total_fen, paid_fen)
     SELECT id, 'store', 'test', 'p' || id || '-' || k, timestamptz '2026-03-01 10:00+08' + k * interval '9 days', 1000 * k, 1000 * k
       FROM unnest($1::bigint[]) id, generate_series(0, 2) k`,
    [ids],
  );
  const report = await runScoring(db, { timezone: 'Asia/Shanghai', asOf: '2026-06-30', trigger: 'manual' });
  assert.equal(report.bgnbd.converged, false);
  assert.equal(report.bgnbd.used, 'none');
  assert.equal(report.bgnbd.reason, 'too_few_repeat_buyers');
  const fits = await db.query(`SELECT model, converged, diagnostics->>'reason' AS reason FROM model_fits ORDER BY model`);
  assert.deepEqual(fits.rows.map((f) => [f.model, f.converged, f.reason]), [['bgnbd', false, 'too_few_repeat_buyers'], ['gamma_gamma', false, 'too_few_repeat_buyers']]);
  const scores = await db.query(`SELECT count(*)::int AS n, count(p_alive)::int AS alive, count(rfm_score)::int AS rfm FROM customer_scores`);
  assert.deepEqual(scores.rows[0], { n: 3, alive: 0, rfm: 3 });
});

test('a failed fit keeps the last good parameters for predictions', async () => {
  const good = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
  await db.query(`INSERT INTO model_fits (model, params, log_lik, n, converged) VALUES ('bgnbd', $1, -9582.4, 2357, true)`, [JSON.stringify(good)]);
  const report = await runScoring(db, { timezone: 'Asia/Shanghai', asOf: '2026-06-30', trigger: 'manual' });
  assert.equal(report.bgnbd.converged, false);
  assert.equal(report.bgnbd.used, 'previous');
  assert.deepEqual(report.bgnbd.params, good);
  const scores = await db.query(`SELECT count(p_alive)::int AS alive FROM customer_scores`);
  assert.equal(scores.rows[0].alive, 3);
});

test('a run that fails is marked failed and the next run can start', async () => {
  await db.query(`ALTER TABLE customer_scores ADD CONSTRAINT scores_break CHECK (recency_days < 0) NOT VALID`);
  await assert.rejects(runScoring(db, { timezone: 'Asia/Shanghai', asOf: '2026-06-30', trigger: 'manual' }));
  await db.query(`ALTER TABLE customer_scores DROP CONSTRAINT scores_break`);
  const last = await db.query(`SELECT status, error FROM scoring_runs ORDER BY id DESC LIMIT 1`);
  assert.equal(last.rows[0].status, 'failed');
  const again = await runScoring(db, { timezone: 'Asia/Shanghai', asOf: '2026-06-30', trigger: 'manual' });
  assert.equal(again.customers, 3);
});
