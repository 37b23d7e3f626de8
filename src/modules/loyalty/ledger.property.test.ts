import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openTestDb } from '../../../test/support.ts';
import type { Db } from '../../db/client.ts';
import { AppError } from '../../http/errors.ts';
import '../registry.ts';
import { createCustomers, recordPurchases } from './fixtures.ts';
import { balances, bookPoints } from './ledger.ts';
import { expirePoints } from './expiry.ts';

let db: Db & { drop(): Promise<void> };
before(async () => {
  db = await openTestDb();
});
after(async () => {
  await db.drop();
});

const op = fc.oneof(
  fc.record({ kind: fc.constant('sale' as const), amountFen: fc.integer({ min: 0, max: 500_000 }), daysAgo: fc.constantFrom(0, 0, 400, 800) }),
  fc.record({ kind: fc.constant('return' as const), pick: fc.nat(), share: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('redeem' as const), points: fc.integer({ min: 1, max: 3_000 }) }),
  fc.record({ kind: fc.constant('adjust' as const), points: fc.integer({ min: -2_000, max: 2_000 }).filter((n) => n !== 0) }),
  fc.record({ kind: fc.constant('expire' as const) }),
);

test('any sequence of purchases, returns, redemptions, adjustments and expiries keeps balance = ledger sum = unspent lots, never negative', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
      const [c] = await createCustomers(db, 1, '王芳');
      const sales: { id: number; amountFen: number }[] = [];
      let redeemed = 0;
      for (const o of ops) {
        if (o.kind === 'sale') {
          const { ids } = await recordPurchases(db, [{ customerId: c!, purchasedAt: new Date(Date.now() - o.daysAgo * 86_400_000), lines: [{ category: '护肤', amountFen: o.amountFen }] }]);
          sales.push({ id: ids[0]!, amountFen: o.amountFen });
        } else if (o.kind === 'return' && sales.length) {
          const s = sales[o.pick % sales.length]!;
          await recordPurchases(db, [{ customerId: c!, kind: 'return', originalPurchaseId: s.id, lines: [{ category: '护肤', amountFen: Math.ceil((s.amountFen * o.share) / 100) }] }]);
        } else if (o.kind === 'redeem' || o.kind === 'adjust') {
          const before = (await balances(db, c!)).balance;
          const points = o.kind === 'redeem' ? -o.points : o.points;
          try {
            await db.tx((tx) => bookPoints(tx, [{ customerId: c!, kind: o.kind, points, reasonCode: 'TEST', expiresAt: null }], { entryTierCode: 'regular' }));
            if (o.kind === 'redeem') redeemed += o.points;
          } catch (e) {
            assert.ok(e instanceof AppError && e.code === 'INSUFFICIENT_POINTS', String(e));
            assert.ok(before + points < 0, 'refused only when the balance could not cover it');
          }
        } else if (o.kind === 'expire') {
          await expirePoints(db);
        }
        const b = await balances(db, c!);
        assert.equal(b.balance, b.ledger);
        assert.equal(b.lots, b.balance);
        assert.ok(b.balance >= 0);
      }
      const r = await db.query(`SELECT coalesce(-sum(points), 0)::bigint AS n FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'redeem'`, [c]);
      assert.equal(r.rows[0].n, redeemed, 'every successful redemption is in the ledger exactly once');
    }),
    { numRuns: 25, seed: 20261123 },
  );
});
