import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../../../test/support.ts';
import type { Db } from '../../db/client.ts';
import '../registry.ts';
import { createCustomers, recordPurchases } from './fixtures.ts';
import { balances, lockAccounts } from './ledger.ts';

let db: Db & { drop(): Promise<void> };
before(async () => {
  db = await openTestDb();
});
after(async () => {
  await db.drop();
});

/** Deterministic picks, so a failure repeats. */
function picker(seed: number) {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
}

test('concurrent batches over the same new and existing members all commit, and each member gets one account', async () => {
  const rand = picker(7);
  const everyone: number[] = [];
  for (let round = 0; round < 15; round++) {
    const customers = await createCustomers(db, 40, '陈静');
    everyone.push(...customers);
    // Half of this round's members already have an account, half are new: batches create some and lock others.
    await db.tx((tx) => lockAccounts(tx, customers.filter((_, i) => i % 2 === 0), 'regular'));
    const batches = Array.from({ length: 6 }, () => customers.filter(() => rand() < 0.6));
    const outcomes = await Promise.allSettled(batches.map((members) => db.tx(async (tx) => {
      const accounts = await lockAccounts(tx, members, 'regular');
      // Holding the locks a moment, as a booking does while it writes, lets the batches overlap.
      await new Promise((r) => setTimeout(r, 3));
      return accounts;
    })));
    const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
    assert.deepEqual(failed, [], `round ${round}: every batch commits`);
    outcomes.forEach((o, i) => assert.equal((o as PromiseFulfilledResult<Map<number, unknown>>).value.size, new Set(batches[i]).size, 'every member of the batch is locked'));
  }
  const r = await db.query('SELECT count(*)::int AS n, count(DISTINCT customer_id)::int AS d FROM loyalty_accounts WHERE customer_id = ANY($1::bigint[])', [everyone]);
  assert.equal(r.rows[0].n, r.rows[0].d, 'no member has two accounts');
});

test('two batches booked at once that together reach a tier upgrade the member, and the balance is the ledger sum', async () => {
  const [c] = await createCustomers(db, 1, '刘洋');
  const half = { customerId: c!, lines: [{ category: '护肤', amountFen: 130_000 }] };
  let first!: () => void;
  const firstBooked = new Promise<void>((r) => (first = r));
  // The first batch holds its account lock while the second books: the second's tier check must wait and see both purchases.
  const a = recordPurchases(db, [half], { beforeCommit: async () => { first(); await new Promise((r) => setTimeout(r, 100)); } });
  await (db.kind === 'postgres' ? firstBooked : a);
  const b = await recordPurchases(db, [half]);
  const answerA = (await a).results;
  assert.equal([...answerA.values()][0]!.tierChanged, false, 'the first alone does not qualify');
  const second = [...b.results.values()][0]!;
  assert.equal(second.tier.code, 'silver', '¥1,300 twice qualifies for silver (¥2,500)');
  assert.equal(second.tierChanged, true);
  assert.equal(second.balance, 1_300 + 1_300, 'the second answer counts both purchases');
  const x = await balances(db, c!);
  assert.equal(x.balance, x.ledger);
  assert.equal(x.lots, x.balance);
});
