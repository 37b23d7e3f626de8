import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { addCustomers, addPurchases, dayAfter } from './fixtures.ts';
import { DEFAULT_SCORING_SETTINGS, SCORING_SETTINGS_KEY, type ScoringSettings } from './settings.ts';

const AS_OF = '2026-06-30';
const URL = '/api/analytics/scoring-settings';
let t: TestApp;
let manager: string;
let analyst: string;

const valid = (): ScoringSettings => structuredClone(DEFAULT_SCORING_SETTINGS);
const changed: ScoringSettings = {
  rfmWindowDays: 180, clvHorizonMonths: 24, monthlyDiscount: 0.015, maxModelFitCustomers: 200000, maxSpendFitCustomers: 50000,
  churn: { overdueFactor: 2.5, highBelowPAlive: 0.25, highOverdueBelowPAlive: 0.5, mediumBelowPAlive: 0.75 },
};
const stored = async () => (await t.db.query(`SELECT value FROM settings WHERE key = $1`, [SCORING_SETTINGS_KEY])).rows[0]?.value ?? null;
const audits = async () => (await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'analytics.scoring_settings.update'`)).rows[0].n;

before(async () => {
  t = await startTestApp();
  manager = await t.loginAs('manager');
  analyst = await t.loginAs('analyst');
});
after(async () => t.close());

test('an analyst reads the defaults and the bounds before anything is saved', async () => {
  const res = await t.request('GET', URL, { cookie: analyst });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(body.settings, DEFAULT_SCORING_SETTINGS);
  assert.deepEqual(body.defaults, DEFAULT_SCORING_SETTINGS);
  assert.equal(body.updatedAt, null);
  assert.deepEqual(body.bounds.rfmWindowDays, { min: 30, max: 1095, integer: true, unit: { en: 'days', zh: '天' } });
  assert.equal(body.bounds['churn.mediumBelowPAlive'].max, 1);
});

test('store staff may not read the scoring settings, and without a session the answer is 401', async () => {
  assert.equal((await t.request('GET', URL, { cookie: await t.loginAs('store_staff') })).statusCode, 403);
  assert.equal((await t.request('GET', URL)).statusCode, 401);
});

// Each case: how to spoil a valid body, and the field path the 400 must name.
const BAD: [string, (b: any) => void, string][] = [
  ['window below 30 days', (b) => { b.settings.rfmWindowDays = 29; }, 'settings.rfmWindowDays'],
  ['window above three years', (b) => { b.settings.rfmWindowDays = 1096; }, 'settings.rfmWindowDays'],
  ['window not whole days', (b) => { b.settings.rfmWindowDays = 90.5; }, 'settings.rfmWindowDays'],
  ['window as text', (b) => { b.settings.rfmWindowDays = '365'; }, 'settings.rfmWindowDays'],
  ['window missing', (b) => { delete b.settings.rfmWindowDays; }, 'settings.rfmWindowDays'],
  ['horizon of 0 months', (b) => { b.settings.clvHorizonMonths = 0; }, 'settings.clvHorizonMonths'],
  ['horizon above 60 months', (b) => { b.settings.clvHorizonMonths = 61; }, 'settings.clvHorizonMonths'],
  ['horizon not whole months', (b) => { b.settings.clvHorizonMonths = 1.5; }, 'settings.clvHorizonMonths'],
  ['negative discount', (b) => { b.settings.monthlyDiscount = -0.01; }, 'settings.monthlyDiscount'],
  ['discount above 20 %', (b) => { b.settings.monthlyDiscount = 0.21; }, 'settings.monthlyDiscount'],
  ['BG/NBD sample too small', (b) => { b.settings.maxModelFitCustomers = 999; }, 'settings.maxModelFitCustomers'],
  ['BG/NBD sample too large', (b) => { b.settings.maxModelFitCustomers = 5_000_001; }, 'settings.maxModelFitCustomers'],
  ['Gamma-Gamma sample not whole', (b) => { b.settings.maxSpendFitCustomers = 1000.5; }, 'settings.maxSpendFitCustomers'],
  ['overdue factor below 1', (b) => { b.settings.churn.overdueFactor = 0.5; }, 'settings.churn.overdueFactor'],
  ['overdue factor above 10', (b) => { b.settings.churn.overdueFactor = 11; }, 'settings.churn.overdueFactor'],
  ['high-risk P(alive) above 1', (b) => { b.settings.churn.highBelowPAlive = 1.1; }, 'settings.churn.highBelowPAlive'],
  ['overdue high-risk P(alive) negative', (b) => { b.settings.churn.highOverdueBelowPAlive = -0.1; }, 'settings.churn.highOverdueBelowPAlive'],
  ['medium-risk P(alive) above 1', (b) => { b.settings.churn.mediumBelowPAlive = 2; }, 'settings.churn.mediumBelowPAlive'],
  ['overdue high-risk below plain high-risk', (b) => { b.settings.churn.highOverdueBelowPAlive = 0.2; }, 'settings.churn.highOverdueBelowPAlive'],
  ['medium-risk below high-risk', (b) => { b.settings.churn.mediumBelowPAlive = 0.2; }, 'settings.churn.mediumBelowPAlive'],
  ['churn rule missing', (b) => { delete b.settings.churn; }, 'settings.churn'],
  ['unknown setting', (b) => { b.settings.rfmWindowWeeks = 52; }, 'settings.rfmWindowWeeks'],
  ['unknown churn field', (b) => { b.settings.churn.lowAbovePAlive = 0.9; }, 'settings.churn.lowAbovePAlive'],
  ['unknown top-level field', (b) => { b.force = true; }, 'force'],
];

test('each bad field is refused with a 400 naming it, and nothing is written', async () => {
  for (const [name, spoil, path] of BAD) {
    const body: any = { settings: valid() };
    spoil(body);
    const res = await t.request('PUT', URL, { cookie: manager, body });
    assert.equal(res.statusCode, 400, `${name}: ${res.body}`);
    const error = res.json().error;
    assert.equal(error.code, 'VALIDATION_FAILED', name);
    assert.deepEqual(error.fields.map((f: any) => f.path), [path], name);
  }
  assert.equal(await stored(), null);
  assert.equal(await audits(), 0);
});

test('a bound error states the bound in the caller’s language', async () => {
  const body = { settings: { ...valid(), rfmWindowDays: 20 } };
  const en = (await t.request('PUT', URL, { cookie: manager, body })).json().error;
  assert.equal(en.fields[0].message, 'must be a whole number from 30 to 1,095 days');
  const zh = (await t.request('PUT', URL, { cookie: manager, body, headers: { 'accept-language': 'zh-CN' } })).json().error;
  assert.equal(zh.fields[0].message, '必须是 30 到 1,095 之间的整数（天）');
  assert.equal(zh.message, '输入无效：settings.rfmWindowDays');
});

test('an analyst may read but not change the scoring settings', async () => {
  const res = await t.request('PUT', URL, { cookie: analyst, body: { settings: changed } });
  assert.equal(res.statusCode, 403);
  assert.equal(await stored(), null);
  assert.equal(await audits(), 0);
});

test('a manager saves the settings, reads them back, and is told scores change at the next run', async () => {
  const res = await t.request('PUT', URL, { cookie: manager, body: { settings: changed } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().settings, changed);
  assert.equal(res.json().appliesFrom, 'next_scoring_run');
  assert.match(res.json().message, /next scoring run/);
  const read = (await t.request('GET', URL, { cookie: analyst })).json();
  assert.deepEqual(read.settings, changed);
  assert.deepEqual(read.defaults, DEFAULT_SCORING_SETTINGS);
  assert.ok(read.updatedAt);
});

test('the save is audited with who, the settings before and after', async () => {
  const r = await t.db.query(`SELECT actor_name, entity, entity_id, details FROM audit_log WHERE action = 'analytics.scoring_settings.update'`);
  assert.equal(r.rows.length, 1);
  assert.equal(r.rows[0].actor_name, 'manager_all');
  assert.equal(r.rows[0].entity_id, SCORING_SETTINGS_KEY);
  assert.deepEqual(r.rows[0].details, { before: DEFAULT_SCORING_SETTINGS, after: changed });
});

test('the next scoring run counts frequency and monetary over the changed RFM window', async () => {
  const [id] = await addCustomers(t.db, 1, '陈静');
  // Sales 10, 50, 100 and 200 days before the calibration end: four in a year, two in 60 days.
  await addPurchases(t.db, [-10, -50, -100, -200].map((d, i) => ({ customerId: id!, day: dayAfter(AS_OF, d), fen: 1000 * (i + 1) })), `chen-${id}`);
  const scoreWith = async (rfmWindowDays: number) => {
    const put = await t.request('PUT', URL, { cookie: manager, body: { settings: { ...valid(), rfmWindowDays } } });
    assert.equal(put.statusCode, 200, put.body);
    const run = await t.request('POST', '/api/analytics/scoring/run', { cookie: manager, body: { asOf: AS_OF } });
    assert.equal(run.statusCode, 200, run.body);
    return (await t.request('GET', `/api/customers/${id}/scores`, { cookie: manager })).json();
  };
  const year = await scoreWith(365);
  assert.equal(year.scores.frequency, 4);
  assert.equal(year.scores.monetaryFen, 10_000);
  const twoMonths = await scoreWith(60);
  assert.equal(twoMonths.scores.frequency, 2);
  assert.equal(twoMonths.scores.monetaryFen, 3_000);
  assert.equal(twoMonths.explanation.rfm.windowDays, 60);
});

test('settings stored by hand keep their known fields, fall back to defaults for the rest, and drop unknown keys', async () => {
  await t.db.query(`UPDATE settings SET value = $2 WHERE key = $1`, [SCORING_SETTINGS_KEY, JSON.stringify({ rfmWindowDays: 90, legacy: true, churn: { overdueFactor: 3 } })]);
  const read = (await t.request('GET', URL, { cookie: analyst })).json();
  assert.deepEqual(read.settings, { ...DEFAULT_SCORING_SETTINGS, rfmWindowDays: 90, churn: { ...DEFAULT_SCORING_SETTINGS.churn, overdueFactor: 3 } });
  const put = await t.request('PUT', URL, { cookie: manager, body: { settings: read.settings } });
  assert.equal(put.statusCode, 200, 'what GET returns can be sent back as it is');
});
