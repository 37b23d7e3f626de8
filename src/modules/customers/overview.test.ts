import { test } from 'node:test';
import assert from 'node:assert/strict';
import { favouriteStoreOf, figuresFromRollup, type PurchaseRollupRow } from './overview.ts';

const row = (dimension: string, key: string, purchases: number, spendFen: number, lastAt = '2026-03-01T00:00:00Z', firstAt = '2026-01-01T00:00:00Z'): PurchaseRollupRow =>
  ({ dimension, key, purchases, spendFen, firstAt: new Date(firstAt), lastAt: new Date(lastAt) });

test('the favourite store has the most sales, a tie goes to the one bought at last, and a store with only returns never wins', () => {
  const cases: [string, PurchaseRollupRow[], { id: number; orders: number } | null][] = [
    ['no stores', [row('all', '', 3, 9000)], null],
    ['most sales', [row('store', '7', 2, 100), row('store', '9', 5, 50)], { id: 9, orders: 5 }],
    ['tie: latest', [row('store', '7', 3, 100, '2026-05-01T00:00:00Z'), row('store', '9', 3, 900, '2026-04-01T00:00:00Z')], { id: 7, orders: 3 }],
    ['returns only', [row('store', '7', 0, -500)], null],
  ];
  for (const [name, rows, want] of cases) assert.deepEqual(favouriteStoreOf(rows), want, name);
});

test('figures from the roll-up: net spend, basket per sale, top five categories by positive net amount', () => {
  const rows = [
    row('all', '', 4, 10001, '2026-06-01T10:00:00Z', '2026-01-10T10:00:00Z'),
    row('channel', 'store', 4, 10001),
    ...['a', 'b', 'c', 'd', 'e', 'f'].map((k, i) => row('category', k, 1, 1000 * (i + 1))),
    row('category', 'returned', 1, 0),
    row('category', 'tie', 1, 6000),
  ];
  const f = figuresFromRollup(rows, 2, { id: 3, name: '淮海路店', orders: 4 });
  assert.equal(f.firstPurchaseAt, '2026-01-10T10:00:00.000Z');
  assert.equal(f.lastPurchaseAt, '2026-06-01T10:00:00.000Z');
  assert.equal(f.orderCount, 4);
  assert.equal(f.returnCount, 2);
  assert.equal(f.totalSpendFen, 10001);
  assert.equal(f.averageBasketFen, 2500);
  assert.deepEqual(f.favouriteCategories.map((c) => [c.category, c.amountFen]), [['f', 6000], ['tie', 6000], ['e', 5000], ['d', 4000], ['c', 3000]]);
});

test('a roll-up that only a return touched, or none at all, gives no purchase dates and no basket', () => {
  for (const rows of [[], [row('all', '', 0, -3000, '2026-02-03T00:00:00Z', '2026-02-03T00:00:00Z')]]) {
    const f = figuresFromRollup(rows, rows.length, null);
    assert.equal(f.firstPurchaseAt, null);
    assert.equal(f.lastPurchaseAt, null);
    assert.equal(f.orderCount, 0);
    assert.equal(f.averageBasketFen, 0);
    assert.deepEqual(f.favouriteCategories, []);
  }
});
