import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { createCustomers, loadPurchases, recordPurchases, type PurchaseSpec } from './fixtures.ts';
import { balances } from './ledger.ts';
import { backfillPoints } from './backfill.ts';

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

/** A history step; a return names the step it gives back (by index). */
type Step = Omit<PurchaseSpec, 'customerId' | 'originalPurchaseId'> & { returns?: number };

/** Ten months of a member crossing into silver (¥2,000 in the window) midway, with a partial and a whole return. */
const HISTORY: Step[] = [
  { purchasedAt: daysAgo(290), lines: [skincare(30_000)] },
  { purchasedAt: daysAgo(250), lines: [skincare(50_000), makeup(20_000)] },
  { purchasedAt: daysAgo(200), lines: [skincare(80_000)] },
  { purchasedAt: daysAgo(190), kind: 'return', returns: 1, lines: [makeup(-20_000)], paidFen: -20_000 },
  { purchasedAt: daysAgo(150), lines: [makeup(60_000)] },
  { purchasedAt: daysAgo(100), lines: [skincare(100_000)] },
  { purchasedAt: daysAgo(60), lines: [makeup(45_678)] },
  { purchasedAt: daysAgo(30), kind: 'return', returns: 5, lines: [skincare(-100_000)], paidFen: -100_000 },
  { purchasedAt: daysAgo(10), lines: [skincare(50_000)], paidFen: 45_000 },
];

/** Writes a history step by step, through `write` (the booking hook, or a bulk load), resolving returns to ids. */
async function play(customerId: number, steps: Step[], write: (s: PurchaseSpec) => Promise<number>): Promise<number[]> {
  const ids: number[] = [];
  for (const { returns, ...s } of steps) ids.push(await write({ ...s, customerId, originalPurchaseId: returns != null ? ids[returns] : undefined }));
  return ids;
}
const book = async (s: PurchaseSpec) => (await recordPurchases(t.db, [s])).ids[0]!;
const load = async (s: PurchaseSpec) => (await loadPurchases(t.db, [s]))[0]!;

async function entryFor(customerId: number, purchaseId: number, kind: 'earn' | 'reverse') {
  const r = await t.db.query(
    `SELECT points, expires_at, programme_version, details FROM loyalty_ledger WHERE customer_id = $1 AND kind = $2 AND ref_type = 'purchase' AND ref_id = $3`,
    [customerId, kind, String(purchaseId)],
  );
  return r.rows[0] ?? null;
}

async function assertConsistent(customerId: number) {
  const b = await balances(t.db, customerId);
  assert.equal(b.balance, b.ledger, 'the cached balance equals the ledger sum');
  assert.equal(b.lots, b.balance, 'the unspent lots add up to the balance');
  return b.balance;
}

const tierOf = async (customerId: number) =>
  (await t.db.query(`SELECT t.code FROM loyalty_accounts a JOIN loyalty_tiers t ON t.id = a.tier_id WHERE a.customer_id = $1`, [customerId])).rows[0]?.code;

test('a loaded history earns exactly what booking the same purchases one by one through the sales hook earns', async () => {
  const [booked, loaded] = await createCustomers(t.db, 2);
  const bookedIds = await play(booked!, HISTORY, book);
  const loadedIds = await play(loaded!, HISTORY, load);
  assert.equal(await entryFor(loaded!, loadedIds[0]!, 'earn'), null, 'a bulk load books nothing by itself');

  const r = await backfillPoints(t.db);
  assert.ok(r.sales >= 7 && r.returns >= 2);

  for (const [i, step] of HISTORY.entries()) {
    const kind = step.kind === 'return' ? 'reverse' : 'earn';
    const a = await entryFor(booked!, bookedIds[i]!, kind);
    const b = await entryFor(loaded!, loadedIds[i]!, kind);
    assert.equal(b.points, a.points, `step ${i}: the same points`);
    assert.equal(new Date(b.expires_at ?? 0).getTime(), new Date(a.expires_at ?? 0).getTime(), `step ${i}: the same expiry`);
    assert.equal(b.programme_version, a.programme_version);
    assert.equal(b.details.tier, a.details.tier, `step ${i}: valued at the same tier`);
    assert.deepEqual(b.details.reasons, a.details.reasons);
  }
  const earned = await entryFor(loaded!, loadedIds[5]!, 'earn');
  assert.equal(earned.details.tier, 'silver', 'sales after crossing ¥2,000 in the window earn the silver multiplier');
  assert.equal(earned.points, 1200);
  assert.equal(await assertConsistent(loaded!), await assertConsistent(booked!));
  assert.equal(await tierOf(loaded!), await tierOf(booked!));
});

test('a second run books nothing', async () => {
  const [c] = await createCustomers(t.db, 1);
  await play(c!, HISTORY, load);
  await backfillPoints(t.db);
  const count = async () => (await t.db.query(`SELECT count(*)::int AS n FROM loyalty_ledger`)).rows[0].n;
  const before = await count();
  const again = await backfillPoints(t.db);
  assert.deepEqual([again.sales, again.returns, again.pointsEarned, again.pointsReversed, again.members], [0, 0, 0, 0, 0]);
  assert.equal(await count(), before);
});

test('returns in a loaded history take back their share and never more than was earned', async () => {
  const [c] = await createCustomers(t.db, 1);
  const ids = await play(c!, [
    { purchasedAt: daysAgo(40), lines: [skincare(100_000)] },
    { purchasedAt: daysAgo(35), kind: 'return', returns: 0, lines: [skincare(-40_000)], paidFen: -40_000 },
    { purchasedAt: daysAgo(30), kind: 'return', returns: 0, lines: [skincare(-80_000)], paidFen: -80_000 },
  ], load);
  await backfillPoints(t.db);
  assert.equal((await entryFor(c!, ids[0]!, 'earn')).points, 1000);
  assert.equal((await entryFor(c!, ids[1]!, 'reverse')).points, -400);
  assert.equal((await entryFor(c!, ids[2]!, 'reverse')).points, -600);
  assert.equal(await assertConsistent(c!), 0);
});

test('two loaded returns of a sale already partly returned each take back their own share', async () => {
  const [c] = await createCustomers(t.db, 1);
  const sale = await book({ customerId: c!, purchasedAt: daysAgo(40), lines: [skincare(100_000)] });
  const first = await book({ customerId: c!, purchasedAt: daysAgo(35), kind: 'return', originalPurchaseId: sale, lines: [skincare(-40_000)], paidFen: -40_000 });
  const second = await load({ customerId: c!, purchasedAt: daysAgo(30), kind: 'return', originalPurchaseId: sale, lines: [skincare(-20_000)], paidFen: -20_000 });
  const third = await load({ customerId: c!, purchasedAt: daysAgo(25), kind: 'return', originalPurchaseId: sale, lines: [skincare(-20_000)], paidFen: -20_000 });
  await backfillPoints(t.db);
  assert.equal((await entryFor(c!, sale, 'earn')).points, 1000);
  assert.equal((await entryFor(c!, first, 'reverse')).points, -400);
  assert.equal((await entryFor(c!, second, 'reverse')).points, -200);
  assert.equal((await entryFor(c!, third, 'reverse')).points, -200, 'the booked reversal is counted once, not once per loaded return');
  assert.equal(await assertConsistent(c!), 200);
});

test('every member the backfill touched has a balance equal to their ledger sum and unspent lots', async () => {
  const members = await createCustomers(t.db, 5);
  for (const [i, c] of members.entries()) await play(c, HISTORY.slice(0, 3 + i), load);
  await backfillPoints(t.db);
  const r = await t.db.query(
    `SELECT a.customer_id FROM loyalty_accounts a
      WHERE a.points_balance <> (SELECT coalesce(sum(points), 0) FROM loyalty_ledger l WHERE l.customer_id = a.customer_id)
         OR a.points_balance <> (SELECT coalesce(sum(remaining), 0) FROM loyalty_lots l WHERE l.customer_id = a.customer_id)`,
  );
  assert.deepEqual(r.rows, []);
});

test('points that expired before today are expired by the run, as the nightly job does', async () => {
  const [c] = await createCustomers(t.db, 1);
  const [old, recent] = await play(c!, [
    { purchasedAt: daysAgo(1200), lines: [skincare(70_000)] },
    { purchasedAt: daysAgo(10), lines: [skincare(30_000)] },
  ], load);
  const r = await backfillPoints(t.db);
  assert.ok(r.expiry!.points >= 700);
  assert.equal((await entryFor(c!, old!, 'earn')).points, 700);
  assert.equal((await entryFor(c!, recent!, 'earn')).points, 300);
  const x = await t.db.query(`SELECT points FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'expire'`, [c]);
  assert.deepEqual(x.rows.map((e) => e.points), [-700]);
  assert.equal(await assertConsistent(c!), 300);
});

test('a return after older points expired takes back from the points still there, not from the expired ones', async () => {
  const [c] = await createCustomers(t.db, 1);
  await play(c!, [
    { purchasedAt: daysAgo(1200), lines: [skincare(70_000)] },
    { purchasedAt: daysAgo(20), lines: [skincare(30_000)] },
    { purchasedAt: daysAgo(10), kind: 'return', returns: 1, lines: [skincare(-30_000)], paidFen: -30_000 },
  ], load);
  const r = await backfillPoints(t.db);
  assert.ok(r.expiredBeforeReturns.points >= 700);
  const x = await t.db.query(`SELECT points FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'expire'`, [c]);
  assert.deepEqual(x.rows.map((e) => e.points), [-700], 'all of the old points expired, none went to the return');
  assert.equal(await assertConsistent(c!), 0);
});

test('an admin starts the backfill from the API; other roles may not', async () => {
  const [c] = await createCustomers(t.db, 1);
  const [id] = await play(c!, [{ purchasedAt: daysAgo(5), lines: [makeup(12_300)] }], load);
  const manager = await t.loginAs('manager');
  assert.equal((await t.request('POST', '/api/loyalty/backfill', { cookie: manager })).statusCode, 403);
  const admin = await t.loginAs('admin');
  const res = await t.request('POST', '/api/loyalty/backfill', { cookie: admin });
  assert.equal(res.statusCode, 202, res.body);
  assert.equal(res.json().queued, true);
  assert.equal((await entryFor(c!, id!, 'earn')).points, 123, 'the test app runs jobs inline');
  const audit = await t.db.query(`SELECT details FROM audit_log WHERE action = 'loyalty.backfill' ORDER BY id DESC LIMIT 1`);
  assert.equal(audit.rows[0].details.sales, 1);
});
