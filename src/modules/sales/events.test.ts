import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '../../db/client.ts';
import { notifyPurchasesRecorded, onPurchasesRecorded, readAheadForNewSales } from './events.ts';

const failingTx = { query: () => Promise.reject(new Error('current transaction is aborted')) } as unknown as Queryable;

// A listener that reads ahead: one query, then what it read.
onPurchasesRecorded<string>(
  'reader',
  async (_tx, purchases, ahead) => {
    const read = ahead ? await ahead : null;
    return new Map(purchases.map((p) => [p.purchaseId, { ahead: read }]));
  },
  async (tx) => {
    await tx.query('SELECT 1');
    return 'read';
  },
);

test('a read-ahead left behind by a batch that failed before its listeners ran raises no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const aheads = readAheadForNewSales(failingTx, [1, 2]);
    assert.equal(aheads.size, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('a listener gets its read-ahead only when the batch comes with one', async () => {
  const sale = { customerId: 1, purchaseId: 7, kind: 'sale' as const, originalPurchaseId: null, storeId: null, channel: 'store', purchasedAt: new Date(), totalFen: 100, paidFen: 100, lines: [] };
  const okTx = { query: () => Promise.resolve({ rows: [], rowCount: 0 }) } as unknown as Queryable;
  assert.deepEqual((await notifyPurchasesRecorded(okTx, [sale], readAheadForNewSales(okTx, [1]))).get(7), { reader: { ahead: 'read' } });
  assert.deepEqual((await notifyPurchasesRecorded(okTx, [sale])).get(7), { reader: { ahead: null } });
});
