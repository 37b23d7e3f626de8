import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { createCustomers, recordPurchases } from './fixtures.ts';
import { zonedMidnight } from './programme.ts';
import { evaluateAllTiers } from './tiers.ts';

let t: TestApp;
let analyst: string;
before(async () => {
  t = await startTestApp();
  analyst = await t.loginAs('analyst');
});
after(async () => {
  await t.close();
});

const SHANGHAI_HOURS = 8;
const makeup = (amountFen: number) => ({ category: '彩妆', amountFen });
const monthOf = (d: Date) => new Date(d.getTime() + SHANGHAI_HOURS * 3_600_000).toISOString().slice(0, 7);
/** Midnight starting the first of the month after `d`'s month, in Shanghai. */
function nextMonthStart(d: Date): Date {
  const [y, m] = monthOf(d).split('-').map(Number) as [number, number];
  return m === 12 ? zonedMidnight(y + 1, 1, 1, 'Asia/Shanghai') : zonedMidnight(y, m + 1, 1, 'Asia/Shanghai');
}

async function report(from = '2020-01-01', to = '2035-12-31') {
  const r = await t.request('GET', `/api/loyalty/reports?from=${from}&to=${to}`, { cookie: analyst });
  assert.equal(r.statusCode, 200, r.body);
  return r.json();
}
const total = (body: any, key: string, list: 'months' | 'movements' = 'months') => body[list].reduce((s: number, m: any) => s + Number(m[key]), 0);

async function setTier(customerId: number, code: string) {
  await t.db.query(`UPDATE loyalty_accounts SET tier_id = (SELECT id FROM loyalty_tiers WHERE code = $2), tier_downgrade_at = NULL WHERE customer_id = $1`, [customerId, code]);
}
const tierOf = async (customerId: number) =>
  (await t.db.query(`SELECT t.code, a.tier_downgrade_at FROM loyalty_accounts a JOIN loyalty_tiers t ON t.id = a.tier_id WHERE a.customer_id = $1`, [customerId])).rows[0];

test('a cancelled catalogue redemption nets off redeemed instead of counting as issued', async () => {
  const [c] = await createCustomers(t.db, 1);
  const before = await report();
  await recordPurchases(t.db, [{ customerId: c!, lines: [makeup(100_000)] }]);
  const marketer = await t.loginAs('marketer');
  const staff = await t.loginAs('store_staff');
  const item = await t.request('POST', '/api/loyalty/catalogue', { cookie: marketer, body: { kind: 'gift', nameZh: '保温杯', nameEn: 'Thermos', points: 300, stock: 10 } });
  assert.equal(item.statusCode, 201, item.body);
  const redeem = () => t.request('POST', '/api/loyalty/redemptions', { cookie: staff, body: { customerId: c, itemId: item.json().id, quantity: 1 } });
  const first = await redeem();
  assert.equal(first.statusCode, 201, first.body);
  const cancel = await t.request('POST', `/api/loyalty/members/${c}/redemptions/${first.json().redemptionId}/cancel`, { cookie: staff, body: { reason: '顾客取消' } });
  assert.equal(cancel.statusCode, 200, cancel.body);
  assert.equal((await redeem()).statusCode, 201);
  const after = await report();
  assert.equal(total(after, 'issued') - total(before, 'issued'), 1000, 'only the sale issued points; the refund did not');
  assert.equal(total(after, 'redeemed') - total(before, 'redeemed'), 300, 'two redemptions of 300 less one cancelled');
  assert.equal(after.outstanding.points - before.outstanding.points, 700);
  const out = ['redeemed', 'expired', 'reversed', 'adjustedDown'].reduce((s, k) => s + total(after, k), 0);
  assert.equal(total(after, 'issued') - out, after.outstanding.points, 'what was issued minus what left is what is outstanding');
});

test('the report counts an upgrade at purchase time in its month', async () => {
  const [a] = await createCustomers(t.db, 1, '升级');
  const before = await report();
  const r = await recordPurchases(t.db, [{ customerId: a!, lines: [makeup(250_000)] }]);
  assert.equal(r.results.get(r.ids[0]!)!.tier.code, 'silver');
  const after = await report();
  assert.equal(total(after, 'upgrades', 'movements') - total(before, 'upgrades', 'movements'), 1);
  assert.equal(total(after, 'downgrades', 'movements') - total(before, 'downgrades', 'movements'), 0);
  const thisMonth = monthOf(new Date());
  const moved = (b: any) => b.movements.find((m: any) => m.month === thisMonth);
  assert.equal(Number(moved(after).upgrades) - Number(moved(before).upgrades), 1);
  assert.equal(after.tiers.find((x: any) => x.code === 'silver').members, before.tiers.find((x: any) => x.code === 'silver').members + 1);
});

test("the report counts a downgrade in the business month it happened, not the UTC one", async () => {
  const [b] = await createCustomers(t.db, 1, '降级');
  await recordPurchases(t.db, [{ customerId: b!, lines: [makeup(1_000)] }]);
  await setTier(b!, 'gold');
  const pend = await evaluateAllTiers(t.db, { now: new Date(Date.now() + 86_400_000) });
  assert.equal(pend.pending, 1);
  // Half past midnight on the 1st in Shanghai is still the last day of the month before in UTC.
  const at = new Date(nextMonthStart(new Date(Date.now() + 40 * 86_400_000)).getTime() + 30 * 60_000);
  const down = await evaluateAllTiers(t.db, { now: at });
  assert.equal(down.downgraded, 1);
  assert.equal((await tierOf(b!)).code, 'regular');
  const month = monthOf(at);
  const utcMonth = at.toISOString().slice(0, 7);
  assert.notEqual(month, utcMonth);
  const body = await report(`${utcMonth}-01`, `${month}-28`);
  assert.deepEqual(body.movements.map((m: any) => [m.month, Number(m.upgrades), Number(m.downgrades)]), [[utcMonth, 0, 0], [month, 0, 1]]);
});

test('a monthly tier evaluation runs only on the 1st in the business time zone, unless forced', async () => {
  const marketer = await t.loginAs('marketer');
  const p = (await t.request('GET', '/api/loyalty/programme', { cookie: marketer })).json().programme;
  p.tierEvaluation.schedule = 'monthly';
  const saved = await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: p } });
  assert.equal(saved.statusCode, 201, saved.body);
  const [d] = await createCustomers(t.db, 1, '月度');
  await recordPurchases(t.db, [{ customerId: d!, lines: [makeup(1_000)] }]);
  await setTier(d!, 'gold');
  const first = nextMonthStart(new Date(Date.now() + 5 * 86_400_000));
  // 1 a.m. on the 2nd in Shanghai is still the 1st in UTC: skipped.
  const second = await evaluateAllTiers(t.db, { now: new Date(first.getTime() + 25 * 3_600_000) });
  assert.deepEqual(second, { upgraded: 0, downgraded: 0, pending: 0, cleared: 0, skipped: true });
  assert.equal((await tierOf(d!)).tier_downgrade_at, null, 'a skipped run changes nothing');
  // Half past midnight on the 1st in Shanghai (the last day of the month before in UTC): runs.
  const onFirst = await evaluateAllTiers(t.db, { now: new Date(first.getTime() + 30 * 60_000) });
  assert.equal(onFirst.skipped, undefined);
  assert.equal(onFirst.pending, 1);
  assert.notEqual((await tierOf(d!)).tier_downgrade_at, null);
  await setTier(d!, 'gold');
  const forced = await evaluateAllTiers(t.db, { now: new Date(first.getTime() + 10 * 86_400_000), force: true });
  assert.equal(forced.skipped, undefined);
  assert.equal(forced.pending, 1);
});
