import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { createCustomers, recordPurchases } from './fixtures.ts';
import { balances } from './ledger.ts';

let t: TestApp;
let admin: string;
before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
});
after(async () => {
  await t.close();
});

const refused = (e: any) => e.code === '23001' && /loyalty_ledger is append-only/.test(e.message);
const makeup = (amountFen: number) => ({ category: '彩妆', amountFen });

async function memberWithPoints(fen: number) {
  const [c] = await createCustomers(t.db, 1);
  await recordPurchases(t.db, [{ customerId: c!, lines: [makeup(fen)] }]);
  return c!;
}
const entries = async (customerId: number) =>
  (await t.db.query(`SELECT id, kind, points, reason, ref_type AS "refType", ref_id AS "refId" FROM loyalty_ledger WHERE customer_id = $1 ORDER BY id`, [customerId])).rows;

test('changing the points of a ledger entry is refused by the database and changes nothing', async () => {
  const c = await memberWithPoints(10_000);
  const before = await entries(c);
  await assert.rejects(t.db.query(`UPDATE loyalty_ledger SET points = points + 1000 WHERE customer_id = $1`, [c]), refused);
  assert.deepEqual(await entries(c), before);
  assert.deepEqual(await balances(t.db, c), { balance: 100, ledger: 100, lots: 100 });
});

test('deleting a ledger entry is refused by the database and changes nothing', async () => {
  const c = await memberWithPoints(20_000);
  const before = await entries(c);
  await assert.rejects(t.db.query(`DELETE FROM loyalty_ledger WHERE customer_id = $1`, [c]), refused);
  assert.deepEqual(await entries(c), before);
});

test('moving entries to another member outside a merge is refused', async () => {
  const c = await memberWithPoints(30_000);
  const [other] = await createCustomers(t.db, 1, '李娜');
  await assert.rejects(t.db.query(`UPDATE loyalty_ledger SET customer_id = $2 WHERE customer_id = $1`, [c, other]), refused);
  assert.equal((await entries(c)).length, 1);
});

test('re-homing a merged member\'s entry to the survivor may change its owner only', async () => {
  const [survivor] = await createCustomers(t.db, 1, '刘洋');
  const merged = await memberWithPoints(40_000);
  await t.db.query(`UPDATE customers SET status = 'merged', merged_into = $2 WHERE id = $1`, [merged, survivor]);
  const before = await entries(merged);
  await assert.rejects(t.db.query(`UPDATE loyalty_ledger SET customer_id = $2, reason = 'rewritten' WHERE customer_id = $1`, [merged, survivor]), refused);
  await assert.rejects(t.db.query(`UPDATE loyalty_ledger SET customer_id = $2, ref_id = 'other' WHERE customer_id = $1`, [merged, survivor]), refused);
  assert.deepEqual(await entries(merged), before);
  await t.db.query(`UPDATE loyalty_ledger SET customer_id = $2 WHERE customer_id = $1`, [merged, survivor]);
  assert.deepEqual(await entries(survivor!), before);
});

test('a merge still moves the merged member\'s entries, sign-up award included, to the survivor', async () => {
  const [survivor, merged] = await createCustomers(t.db, 2, '王芳');
  await recordPurchases(t.db, [{ customerId: survivor!, lines: [makeup(10_000)] }, { customerId: merged!, lines: [makeup(50_000)] }]);
  for (const c of [survivor, merged]) {
    const r = await t.request('POST', `/api/loyalty/members/${c}/awards`, { cookie: admin, body: { kind: 'signup', reference: `welcome-${c}` } });
    assert.equal(r.statusCode, 201, r.body);
  }
  const m = await t.request('POST', '/api/customers/merge', { cookie: admin, body: { survivorId: survivor, mergedIds: [merged] } });
  assert.equal(m.statusCode, 201, m.body);
  assert.deepEqual(await entries(merged!), []);
  const moved = await entries(survivor!);
  assert.deepEqual(moved.filter((e: any) => e.kind === 'award').map((e: any) => e.refId).sort(), ['signup', `signup:${merged}`]);
  assert.equal(moved.length, 4);
  assert.deepEqual(await balances(t.db, survivor!), { balance: 100 + 500 + 2 * 100, ledger: 800, lots: 800 });
});
