import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { createCustomers, recordPurchases } from './fixtures.ts';
import { balances, bookPoints } from './ledger.ts';
import { expirePoints } from './expiry.ts';
import { evaluateAllTiers } from './tiers.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => {
  await t.close();
});

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
const skincare = (amountFen: number) => ({ category: '护肤', amountFen });
const makeup = (amountFen: number) => ({ category: '彩妆', amountFen });

async function assertConsistent(customerId: number) {
  const b = await balances(t.db, customerId);
  assert.equal(b.balance, b.ledger, 'the cached balance equals the ledger sum');
  assert.equal(b.lots, b.balance, 'the unspent lots add up to the balance');
  assert.ok(b.balance >= 0);
  return b.balance;
}

async function give(customerId: number, points: number) {
  await t.db.tx((tx) => bookPoints(tx, [{ customerId, kind: 'adjust', points, reasonCode: 'CORRECTION', reason: 'test credit', expiresAt: null }], { entryTierCode: 'regular' }));
}

test('a sale earns 1 point per yuan, lazily opens the account and caches the balance', async () => {
  const [c] = await createCustomers(t.db, 1);
  const { ids, results } = await recordPurchases(t.db, [{ customerId: c!, lines: [makeup(12_345)] }]);
  const r = results.get(ids[0]!)!;
  assert.equal(r.pointsEarned, 123);
  assert.equal(r.balance, 123);
  assert.equal(r.tier.code, 'regular');
  assert.equal(r.tierChanged, false);
  assert.equal(r.rules[0].code, 'BASE');
  assert.equal(await assertConsistent(c!), 123);
});

test('a replayed purchase never earns twice', async () => {
  const [c] = await createCustomers(t.db, 1);
  const first = await recordPurchases(t.db, [{ customerId: c!, lines: [makeup(50_000)] }]);
  const again = await recordPurchases(t.db, [{ customerId: c!, purchaseId: first.ids[0], lines: [makeup(50_000)] }]);
  assert.equal(again.results.get(first.ids[0]!)!.pointsEarned, 500);
  assert.equal(await assertConsistent(c!), 500);
  const n = await t.db.query(`SELECT count(*)::int AS n FROM loyalty_ledger WHERE customer_id = $1`, [c]);
  assert.equal(n.rows[0].n, 1);
});

test('a partial return takes back its share and two returns never take back more than was earned', async () => {
  const [c] = await createCustomers(t.db, 1);
  const sale = await recordPurchases(t.db, [{ customerId: c!, lines: [makeup(30_000), makeup(10_000)] }]);
  const saleId = sale.ids[0]!;
  const r1 = await recordPurchases(t.db, [{ customerId: c!, kind: 'return', originalPurchaseId: saleId, lines: [makeup(10_000)] }]);
  assert.equal(r1.results.get(r1.ids[0]!)!.pointsEarned, -100);
  const r2 = await recordPurchases(t.db, [{ customerId: c!, kind: 'return', originalPurchaseId: saleId, lines: [makeup(30_000)] }]);
  assert.equal(r2.results.get(r2.ids[0]!)!.pointsEarned, -300);
  const r3 = await recordPurchases(t.db, [{ customerId: c!, kind: 'return', originalPurchaseId: saleId, lines: [makeup(30_000)] }]);
  assert.equal(r3.results.get(r3.ids[0]!)!.pointsEarned, 0);
  assert.equal(r3.results.get(r3.ids[0]!)!.rules[0].code, 'NOTHING_TO_REVERSE');
  assert.equal(await assertConsistent(c!), 0);
});

test('a return after the points were spent takes the balance to zero and records the shortfall', async () => {
  const [c] = await createCustomers(t.db, 1);
  const sale = await recordPurchases(t.db, [{ customerId: c!, lines: [makeup(100_000)] }]);
  const cookie = await t.loginAs('store_staff');
  const pay = await t.request('POST', `/api/loyalty/members/${c}/redemptions`, { cookie, body: { points: 800 } });
  assert.equal(pay.statusCode, 201);
  const ret = await recordPurchases(t.db, [{ customerId: c!, kind: 'return', originalPurchaseId: sale.ids[0], lines: [makeup(100_000)] }]);
  const r = ret.results.get(ret.ids[0]!)!;
  assert.equal(r.pointsEarned, -200);
  assert.equal(r.balance, 0);
  assert.equal(r.rules.at(-1).code, 'POINTS_ALREADY_SPENT');
  assert.equal(r.rules.at(-1).shortfall, 800);
  const entry = await t.db.query(`SELECT details FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'reverse'`, [c]);
  assert.equal(entry.rows[0].details.shortfall, 800);
  assert.equal(await assertConsistent(c!), 0);
});

test('a return against a purchase that earned nothing books nothing and says why', async () => {
  const [c] = await createCustomers(t.db, 1);
  const sale = await recordPurchases(t.db, [{ customerId: c!, lines: [makeup(50)] }]);
  assert.equal(sale.results.get(sale.ids[0]!)!.pointsEarned, 0);
  const ret = await recordPurchases(t.db, [{ customerId: c!, kind: 'return', originalPurchaseId: sale.ids[0], lines: [makeup(50)] }]);
  assert.equal(ret.results.get(ret.ids[0]!)!.pointsEarned, 0);
  assert.equal(ret.results.get(ret.ids[0]!)!.rules[0].code, 'NOTHING_TO_REVERSE');
  const n = await t.db.query(`SELECT count(*)::int AS n FROM loyalty_ledger WHERE customer_id = $1`, [c]);
  assert.equal(n.rows[0].n, 0);
});

test('a batch of 1,000 purchases over 100 members books every member right (the default programme has no category rules)', async () => {
  const customers = await createCustomers(t.db, 100, '李娜');
  const specs = Array.from({ length: 1000 }, (_, i) => ({ customerId: customers[i % 100]!, lines: [skincare(1_000 + i), makeup(500)] }));
  const { ids, results } = await recordPurchases(t.db, specs);
  assert.equal(results.size, 1000);
  const expected = new Map<number, number>();
  specs.forEach((s, i) => expected.set(s.customerId, (expected.get(s.customerId) ?? 0) + Math.floor((1_000 + i) / 100) + 5));
  for (const c of customers.slice(0, 5)) assert.equal(await assertConsistent(c), expected.get(c));
  const sum = ids.reduce((s, id) => s + results.get(id)!.pointsEarned, 0);
  assert.equal(sum, [...expected.values()].reduce((a, b) => a + b, 0));
});

test('a member who reaches a tier is upgraded at the purchase and the history records it', async () => {
  const [c] = await createCustomers(t.db, 1);
  const { ids, results } = await recordPurchases(t.db, [{ customerId: c!, lines: [makeup(250_000)] }]);
  const r = results.get(ids[0]!)!;
  assert.equal(r.tier.code, 'silver');
  assert.equal(r.tierChanged, true);
  assert.equal(r.pointsEarned, 2500, 'the purchase that qualifies earns at the tier the member had');
  const h = await t.db.query(`SELECT direction, reason, spend_fen FROM loyalty_tier_changes WHERE customer_id = $1`, [c]);
  assert.deepEqual(h.rows, [{ direction: 'up', reason: 'qualified', spend_fen: 250_000 }]);
  const next = await recordPurchases(t.db, [{ customerId: c!, lines: [makeup(10_000)] }]);
  assert.equal(next.results.get(next.ids[0]!)!.pointsEarned, 120, 'silver earns ×1.2');
});

test('a member who no longer qualifies keeps the tier through the grace period, then drops', async () => {
  const [c] = await createCustomers(t.db, 1);
  await recordPurchases(t.db, [{ customerId: c!, purchasedAt: daysAgo(300), lines: [makeup(900_000)] }]);
  const tierOf = async () => (await t.db.query(`SELECT t.code, a.tier_downgrade_at FROM loyalty_accounts a JOIN loyalty_tiers t ON t.id = a.tier_id WHERE a.customer_id = $1`, [c])).rows[0];
  assert.equal((await tierOf()).code, 'gold');
  const later = new Date(Date.now() + 70 * 86_400_000); // the purchase has left the 12-month window
  const first = await evaluateAllTiers(t.db, { now: later });
  assert.ok(first.pending >= 1);
  assert.equal((await tierOf()).code, 'gold', 'still gold during the grace period');
  assert.ok((await tierOf()).tier_downgrade_at);
  await evaluateAllTiers(t.db, { now: new Date(later.getTime() + 10 * 86_400_000) });
  assert.equal((await tierOf()).code, 'gold');
  const done = await evaluateAllTiers(t.db, { now: new Date(later.getTime() + 31 * 86_400_000) });
  assert.ok(done.downgraded >= 1);
  assert.equal((await tierOf()).code, 'regular');
  const h = await t.db.query(`SELECT direction FROM loyalty_tier_changes WHERE customer_id = $1 ORDER BY id`, [c]);
  assert.deepEqual(h.rows.map((x) => x.direction), ['up', 'down']);
});

test('expiry takes the oldest points first, never the spent ones, and books each lot once', async () => {
  const [c] = await createCustomers(t.db, 1);
  await recordPurchases(t.db, [{ customerId: c!, purchasedAt: new Date('2024-03-01T02:00:00Z'), lines: [makeup(50_000)] }]); // expires 2026-01-01
  await recordPurchases(t.db, [{ customerId: c!, purchasedAt: new Date('2025-03-01T02:00:00Z'), lines: [makeup(30_000)] }]); // expires 2027-01-01
  const cookie = await t.loginAs('store_staff');
  const pay = await t.request('POST', `/api/loyalty/members/${c}/redemptions`, { cookie, body: { points: 200 } });
  assert.equal(pay.statusCode, 201);
  assert.equal(pay.json().balance, 600);
  const lots = await t.db.query(`SELECT points, remaining FROM loyalty_lots WHERE customer_id = $1 ORDER BY id`, [c]);
  assert.deepEqual(lots.rows, [{ points: 500, remaining: 300 }, { points: 300, remaining: 300 }], 'the redemption took the oldest lot first');
  const now = new Date('2026-06-01T00:00:00Z');
  await expirePoints(t.db, { now });
  await expirePoints(t.db, { now });
  const entries = await t.db.query(`SELECT points FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'expire'`, [c]);
  assert.deepEqual(entries.rows, [{ points: -300 }], 'only the unspent 300 of the old lot expired, once');
  assert.equal(await assertConsistent(c!), 300);
});

test('points as payment refuses more than the balance with 409 INSUFFICIENT_POINTS and books nothing', async () => {
  const [c] = await createCustomers(t.db, 1);
  await give(c!, 100);
  const cookie = await t.loginAs('store_staff');
  const r = await t.request('POST', `/api/loyalty/members/${c}/redemptions`, { cookie, body: { points: 101 } });
  assert.equal(r.statusCode, 409);
  assert.equal(r.json().error.code, 'INSUFFICIENT_POINTS');
  assert.equal(r.json().error.balance, 100);
  assert.equal(await assertConsistent(c!), 100);
});

test('fractional, zero or negative points to redeem are a 400 naming the field', async () => {
  const [c] = await createCustomers(t.db, 1);
  const cookie = await t.loginAs('store_staff');
  for (const points of [1.5, 0, -10, '10']) {
    const r = await t.request('POST', `/api/loyalty/members/${c}/redemptions`, { cookie, body: { points } });
    assert.equal(r.statusCode, 400, `points ${points}`);
    assert.equal(r.json().error.fields[0].path, 'points');
  }
  const unknown = await t.request('POST', `/api/loyalty/members/${c}/redemptions`, { cookie, body: { points: 1, extra: true } });
  assert.equal(unknown.statusCode, 400);
});

test('a retried redemption with the same Idempotency-Key pays once', async () => {
  const [c] = await createCustomers(t.db, 1);
  await give(c!, 1000);
  const cookie = await t.loginAs('store_staff');
  const send = () => t.request('POST', `/api/loyalty/members/${c}/redemptions`, { cookie, body: { points: 300, reference: 'POS-8841' }, headers: { 'idempotency-key': `redeem-${c}` } });
  const [a, b] = await Promise.all([send(), send()]);
  const c3 = await send();
  assert.deepEqual([a.statusCode, b.statusCode, c3.statusCode], [201, 201, 201]);
  assert.equal(c3.headers['idempotent-replayed'], 'true');
  assert.equal(c3.json().ledgerId, a.json().ledgerId);
  assert.equal(await assertConsistent(c!), 700);
});

test('50 parallel redemptions against a balance that covers 10 leave exactly 10 paid and 40 refused', async () => {
  const [c] = await createCustomers(t.db, 1);
  await give(c!, 1000);
  const cookie = await t.loginAs('store_staff');
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    t.request('POST', `/api/loyalty/members/${c}/redemptions`, { cookie, body: { points: 100 }, headers: { 'idempotency-key': `par-${c}-${i}` } })));
  const codes = results.map((r) => r.statusCode);
  assert.equal(codes.filter((s) => s === 201).length, 10);
  assert.equal(codes.filter((s) => s === 409).length, 40);
  assert.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().error.code === 'INSUFFICIENT_POINTS'));
  assert.equal(await assertConsistent(c!), 0);
});

test('an adjustment over the limit needs a manager: 403 for store staff, 201 for a manager', async () => {
  const [c] = await createCustomers(t.db, 1);
  const staff = await t.loginAs('store_staff');
  const manager = await t.loginAs('manager');
  const body = { points: 5000, reasonCode: 'COMPLAINT', reason: '投诉补偿：商品破损' };
  const no = await t.request('POST', `/api/loyalty/members/${c}/adjustments`, { cookie: staff, body });
  assert.equal(no.statusCode, 403);
  assert.equal(no.json().error.code, 'ADJUSTMENT_OVER_LIMIT');
  const small = await t.request('POST', `/api/loyalty/members/${c}/adjustments`, { cookie: staff, body: { ...body, points: 50 } });
  assert.equal(small.statusCode, 201);
  const yes = await t.request('POST', `/api/loyalty/members/${c}/adjustments`, { cookie: manager, body, headers: { 'idempotency-key': `adj-${c}` } });
  assert.equal(yes.statusCode, 201);
  const replay = await t.request('POST', `/api/loyalty/members/${c}/adjustments`, { cookie: manager, body, headers: { 'idempotency-key': `adj-${c}` } });
  assert.equal(replay.statusCode, 201);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(await assertConsistent(c!), 5050);
  const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'loyalty.adjust' AND customer_id = $1`, [c]);
  assert.equal(audit.rows[0].n, 2);
});

test('an adjustment that would overdraw is a 409, and a fractional one a 400', async () => {
  const [c] = await createCustomers(t.db, 1);
  await give(c!, 10);
  const staff = await t.loginAs('store_staff');
  const over = await t.request('POST', `/api/loyalty/members/${c}/adjustments`, { cookie: staff, body: { points: -11, reasonCode: 'CORRECTION', reason: '录入错误' } });
  assert.equal(over.statusCode, 409);
  assert.equal(over.json().error.code, 'INSUFFICIENT_POINTS');
  const frac = await t.request('POST', `/api/loyalty/members/${c}/adjustments`, { cookie: staff, body: { points: 2.5, reasonCode: 'CORRECTION', reason: 'x' } });
  assert.equal(frac.statusCode, 400);
  const noReason = await t.request('POST', `/api/loyalty/members/${c}/adjustments`, { cookie: staff, body: { points: 5, reasonCode: 'CORRECTION', reason: '' } });
  assert.equal(noReason.statusCode, 400);
  assert.equal(await assertConsistent(c!), 10);
});

test('an analyst may read loyalty but not pay with points or adjust', async () => {
  const [c] = await createCustomers(t.db, 1);
  const analyst = await t.loginAs('analyst');
  assert.equal((await t.request('GET', `/api/loyalty/members/${c}`, { cookie: analyst })).statusCode, 200);
  assert.equal((await t.request('POST', `/api/loyalty/members/${c}/redemptions`, { cookie: analyst, body: { points: 1 } })).statusCode, 403);
  assert.equal((await t.request('POST', `/api/loyalty/members/${c}/adjustments`, { cookie: analyst, body: { points: 1, reasonCode: 'OTHER', reason: 'x' } })).statusCode, 403);
  assert.equal((await t.request('GET', `/api/loyalty/members/999999999`, { cookie: analyst })).statusCode, 404);
});

test('the member summary shows tier progress, expiring points and the ledger with reasons', async () => {
  const [c] = await createCustomers(t.db, 1);
  await recordPurchases(t.db, [{ customerId: c!, lines: [makeup(168_000)] }]);
  const staff = await t.loginAs('store_staff');
  const s = (await t.request('GET', `/api/loyalty/members/${c}`, { cookie: staff })).json();
  assert.equal(s.balance, 1680);
  assert.equal(s.tier.code, 'regular');
  assert.equal(s.progress.nextTier.code, 'silver');
  assert.equal(s.progress.spendNeededFen, 32_000);
  assert.equal(s.progress.zh, '还差 ¥320 升级银卡');
  assert.equal(s.expiring[0].points, 1680);
  assert.equal(s.recent[0].kind, 'earn');
  assert.equal(s.recent[0].details.reasons[0].code, 'BASE');
});

test('awards for sign-up, reviews and referrals are booked once per reference', async () => {
  const [c] = await createCustomers(t.db, 1);
  const staff = await t.loginAs('store_staff');
  const a = await t.request('POST', `/api/loyalty/members/${c}/awards`, { cookie: staff, body: { kind: 'review', reference: 'R-1' } });
  const b = await t.request('POST', `/api/loyalty/members/${c}/awards`, { cookie: staff, body: { kind: 'review', reference: 'R-1' } });
  const s = await t.request('POST', `/api/loyalty/members/${c}/awards`, { cookie: staff, body: { kind: 'signup', reference: "x'); DROP TABLE loyalty_ledger;--" } });
  assert.deepEqual([a.statusCode, b.statusCode, s.statusCode], [201, 200, 201]);
  assert.equal(await assertConsistent(c!), 110);
});

test('the report shows points issued, redeemed and expired per month and the liability in yuan', async () => {
  const analyst = await t.loginAs('analyst');
  const r = await t.request('GET', '/api/loyalty/reports?from=2020-01-01&to=2030-12-31', { cookie: analyst });
  assert.equal(r.statusCode, 200);
  const body = r.json();
  assert.ok(body.months.length >= 1);
  const issued = body.months.reduce((s: number, m: any) => s + m.issued, 0);
  const out = body.months.reduce((s: number, m: any) => s + m.redeemed + m.expired + m.reversed + m.adjustedDown, 0);
  assert.equal(issued - out, body.outstanding.points, 'what was issued minus what left is what is outstanding');
  assert.equal(body.outstanding.valueFen, body.outstanding.points * body.pointValueFen);
  assert.ok(body.tiers.some((x: any) => x.code === 'silver' && x.members >= 1));
  const bad = await t.request('GET', '/api/loyalty/reports?from=2020-13-01&to=2030-12-31', { cookie: analyst });
  assert.equal(bad.statusCode, 400);
});

test('merging duplicates moves their points and lots to the survivor, who keeps the higher tier', async () => {
  const [a, b] = await createCustomers(t.db, 2, '刘洋');
  await recordPurchases(t.db, [{ customerId: a!, lines: [makeup(10_000)] }, { customerId: b!, lines: [makeup(300_000)] }]);
  const merge = await t.request('POST', '/api/customers/merge', { cookie: await t.loginAs('admin'), body: { survivorId: a, mergedIds: [b] } });
  assert.equal(merge.statusCode, 201, merge.body);
  assert.equal(await assertConsistent(a!), 3100);
  const acct = await t.db.query(`SELECT t.code FROM loyalty_accounts a JOIN loyalty_tiers t ON t.id = a.tier_id WHERE a.customer_id = $1`, [a]);
  assert.equal(acct.rows[0].code, 'silver');
  const gone = await t.db.query(`SELECT count(*)::int AS n FROM loyalty_accounts WHERE customer_id = $1`, [b]);
  assert.equal(gone.rows[0].n, 0);
});
