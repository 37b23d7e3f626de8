import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fastPurchase, priceBasket, priceReturn, purchaseInput } from './basket.ts';

const sale = (over: Record<string, unknown> = {}) =>
  purchaseInput.parse({
    source: 'pos', externalId: 'A1', customerId: 1, storeCode: 'SH001', channel: 'store', purchasedAt: '2026-03-01T10:00:00+08:00',
    lines: [{ sku: 'S1', quantity: 2, unitPriceFen: 1500 }, { sku: 'S2', quantity: 1, unitPriceFen: 990, amountFen: 900 }],
    ...over,
  });

test('line amounts default to quantity times unit price and the payment to total minus discount', () => {
  const { basket, problems } = priceBasket(sale({ discountFen: 400 }));
  assert.deepEqual(problems, []);
  assert.deepEqual(basket!.lines.map((l) => l.amountFen), [3000, 900]);
  assert.equal(basket!.totalFen, 3900);
  assert.equal(basket!.paidFen, 3500);
  assert.equal(basket!.itemCount, 3);
});

test('basket rules name the offending field', () => {
  const table: [Record<string, unknown>, string][] = [
    [{ totalFen: 3901 }, 'totalFen'],
    [{ discountFen: 4000 }, 'discountFen'],
    [{ paidFen: 3901 }, 'paidFen'],
    [{ customerId: undefined }, 'customerId'],
    [{ mobile: '13800138000' }, 'customerId'],
    [{ storeCode: undefined }, 'storeCode'],
    [{ storeId: 3 }, 'storeCode'],
    [{ purchasedAt: '2999-01-01T00:00:00Z' }, 'purchasedAt'],
  ];
  for (const [over, path] of table) {
    const { problems } = priceBasket(sale(over));
    assert.deepEqual(problems.map((p) => p.path), [path], JSON.stringify(over));
  }
});

test('an online purchase needs no store', () => {
  assert.deepEqual(priceBasket(sale({ channel: 'online', storeCode: undefined })).problems, []);
});

test('the schema refuses fractional and negative fen and non-integer quantities', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ discountFen: 1.5 }, 'discountFen'],
    [{ paidFen: -1 }, 'paidFen'],
    [{ lines: [{ sku: 'S1', quantity: 1, unitPriceFen: 99.9 }] }, 'lines.0.unitPriceFen'],
    [{ lines: [{ sku: 'S1', quantity: 0.5, unitPriceFen: 99 }] }, 'lines.0.quantity'],
    [{ lines: [{ sku: 'S1', quantity: -1, unitPriceFen: 99 }] }, 'lines.0.quantity'],
    [{ lines: [] }, 'lines'],
    [{ purchasedAt: '2026-03-01 10:00' }, 'purchasedAt'],
  ];
  for (const [over, path] of bad) {
    const r = purchaseInput.safeParse({ source: 'pos', externalId: 'x', customerId: 1, channel: 'online', purchasedAt: '2026-03-01T10:00:00Z', lines: [{ sku: 'S', quantity: 1, unitPriceFen: 1 }], ...over });
    assert.equal(r.success, false, JSON.stringify(over));
    assert.equal(r.error!.issues[0]!.path.join('.'), path);
  }
});

const original = {
  totalFen: 10000, paidFen: 9000, refundedFen: 0,
  lines: [
    { lineNo: 1, quantity: 3, amountFen: 1000, returnedQuantity: 0, returnedAmountFen: 0 },
    { lineNo: 2, quantity: 1, amountFen: 9000, returnedQuantity: 0, returnedAmountFen: 0 },
  ],
};

test('a part return gives back its share rounded down, and the paid share as refund', () => {
  const r = priceReturn(original, [{ lineNo: 1, quantity: 1 }]);
  assert.deepEqual(r, { ok: true, lines: [{ lineNo: 1, quantity: 1, amountFen: 333 }], refundFen: 299 });
});

test('returning what is left of a line gives back the rest of its amount', () => {
  const after = { ...original, refundedFen: 299, lines: [{ ...original.lines[0]!, returnedQuantity: 1, returnedAmountFen: 333 }, original.lines[1]!] };
  const r = priceReturn(after, [{ lineNo: 1, quantity: 2 }]);
  assert.ok(r.ok);
  assert.equal(r.lines[0]!.amountFen, 667);
});

test('returning everything refunds all that is left of the payment', () => {
  const r = priceReturn({ ...original, refundedFen: 100 }, [{ lineNo: 1, quantity: 3 }, { lineNo: 2, quantity: 1 }]);
  assert.ok(r.ok);
  assert.equal(r.refundFen, 8900);
});

test('a return beyond what was bought, an unknown line or a refund beyond what was paid is refused', () => {
  assert.deepEqual(priceReturn(original, [{ lineNo: 1, quantity: 4 }]), { ok: false, code: 'RETURN_EXCEEDS_PURCHASE', index: 0 });
  assert.deepEqual(priceReturn(original, [{ lineNo: 9, quantity: 1 }]), { ok: false, code: 'UNKNOWN_LINE', index: 0 });
  assert.deepEqual(priceReturn({ ...original, refundedFen: 8000 }, [{ lineNo: 2, quantity: 1 }], 1001), { ok: false, code: 'REFUND_EXCEEDS_PAID' });
});

const cleanPurchase = fc.record({
  source: fc.constantFrom('pos', 'shop'), externalId: fc.constantFrom('T-1', '单号-1'), cardNo: fc.constantFrom('C0001'), storeCode: fc.constantFrom('SH001'),
  channel: fc.constantFrom('store', 'online'), purchasedAt: fc.constantFrom('2026-03-01T10:00:00+08:00', '2026-03-01T02:00:00.5Z'),
  lines: fc.array(fc.record({ sku: fc.constantFrom('LIP-001', 'CRM-002'), quantity: fc.integer({ min: 1, max: 9 }), unitPriceFen: fc.integer({ min: 0, max: 99_999 }) }), { minLength: 1, maxLength: 4 }),
  paidFen: fc.integer({ min: 0, max: 99_999 }),
}, { requiredKeys: ['source', 'externalId', 'channel', 'purchasedAt', 'lines'] });
const PURCHASE_FIELDS = ['source', 'externalId', 'customerId', 'mobile', 'cardNo', 'storeId', 'storeCode', 'channel', 'purchasedAt', 'lines', 'discountFen', 'paidFen', 'totalFen', 'unknown'];
const LINE_FIELDS = ['sku', 'quantity', 'unitPriceFen', 'amountFen', 'category', 'unknown'];
// Values at every edge the schema draws: padding, control characters, length and amount limits, fractions, negatives, wrong types, odd times.
const EDGES: unknown[] = [
  '', ' ', 'SH001', ' SH001', 'SH001 ', '\u3000门店', 'a\u0001b', 'a\tb', 'a\nb', '\u007f', '护肤', "' OR 1=1 --", 'STORE', 'store', 'Pos', '-pos',
  'p'.repeat(32), 'p'.repeat(33), 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129),
  0, -0, 1, -1, 0.5, 1e6, 1e6 + 1, 1e12, 1e12 + 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity,
  undefined, null, true, [], {}, Array(500).fill({ sku: 'LIP-001', quantity: 1, unitPriceFen: 100 }), Array(501).fill({ sku: 'LIP-001', quantity: 1, unitPriceFen: 100 }),
  '2026-03-01T10:00:00.123456789Z', '2026-02-29T10:00:00Z', '2024-02-29T10:00:00Z', '2026-03-01T10:00:00', '2026-13-01T10:00:00Z',
  '2026-03-01 10:00:00Z', '2026-03-01T24:00:00+08:00', '2026-03-01T10:00+08:00',
];
const values = fc.oneof({ arbitrary: fc.constantFrom(...EDGES), weight: 4 }, fc.string({ maxLength: 70 }), fc.integer({ min: -10, max: 100_000 }));
/** A clean purchase with one to three fields (of the purchase or of a line) set to an edge value, deleted or added. */
const nearlyCleanPurchase = fc.tuple(cleanPurchase, fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.oneof({ arbitrary: values, weight: 5 }, fc.constant('(delete)'))), { minLength: 1, maxLength: 3 }))
  .map(([clean, changes]) => {
    const p: Record<string, any> = structuredClone(clean);
    for (const [inLine, at, value] of changes) {
      const lines = p.lines as Record<string, unknown>[] | undefined;
      const target = inLine && Array.isArray(lines) && lines.length ? lines[at % lines.length]! : p;
      const field = (target === p ? PURCHASE_FIELDS : LINE_FIELDS)[at % (target === p ? PURCHASE_FIELDS : LINE_FIELDS).length]!;
      if (value === '(delete)') delete target[field];
      else target[field] = structuredClone(value);
    }
    return p;
  });

test('the fast path accepts only what the schema accepts, and gives what the schema gives, to the key order', () => {
  fc.assert(fc.property(fc.oneof(nearlyCleanPurchase, cleanPurchase), (raw) => {
    const fast = fastPurchase(raw);
    if (fast === undefined) return;
    const zod = purchaseInput.safeParse(raw);
    assert.ok(zod.success, JSON.stringify(raw));
    assert.deepEqual(fast, zod.data);
    assert.equal(JSON.stringify(fast), JSON.stringify(zod.data));
  }), { numRuns: 30_000 });
});

test('the fast path takes every purchase a till sends as it is', () => {
  fc.assert(fc.property(cleanPurchase, (raw) => {
    assert.ok(fastPurchase(raw), JSON.stringify(raw));
  }));
  assert.equal(fastPurchase({ ...sale(), externalId: ' T-1 ' }), undefined, 'padding is left to the schema to trim');
});
