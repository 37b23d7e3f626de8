import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../http/errors.ts';
import { businessDay, expiryFor, mulDiv, pointsForBasket, programmeSchema, qualifyingTier, validateProgramme, zonedMidnight, type Programme } from './programme.ts';

export function sampleProgramme(overrides: Partial<Programme> = {}): Programme {
  return programmeSchema.parse({
    pointValueFen: 1,
    adjustLimit: 1000,
    qualification: { windowMonths: 12, match: 'any' },
    tierEvaluation: { schedule: 'nightly', downgradeGraceDays: 30 },
    tiers: [
      { code: 'regular', nameZh: '普通', nameEn: 'Regular', minSpendFen: 0, minPurchases: 0 },
      { code: 'silver', nameZh: '银卡', nameEn: 'Silver', minSpendFen: 200000, minPurchases: 6, benefits: { pointsMultiplierPct: 120 } },
      { code: 'gold', nameZh: '金卡', nameEn: 'Gold', minSpendFen: 800000, minPurchases: 15, benefits: { pointsMultiplierPct: 150 } },
    ],
    earn: { fenPerPoint: 100, minSpendFen: 0, rules: [{ id: 'skincare', category: '护肤', multiplierPct: 200 }, { id: 'giftcard', sku: 'GC-100', multiplierPct: 0 }] },
    promotions: [],
    awards: { signup: 100, review: 10, referral: 200 },
    expiry: { policy: 'end_of_next_year', months: null },
    ...overrides,
  });
}

const line = (category: string, amountFen: number, sku = `SKU-${category}`) => ({ sku, category, amountFen });
// 2026-11-23 is a Monday; 10:00 in Shanghai.
const monday = new Date('2026-11-23T02:00:00Z');

test('points for a basket follow the rules, table-driven', () => {
  const memberDay = { code: 'memberday', nameZh: '会员日', nameEn: 'Member day', from: '2026-11-01', to: '2026-11-30', weekdays: [1], multiplierPct: 200 };
  const cases: { name: string; basket: Parameters<typeof pointsForBasket>[0]; programme?: Programme; points: number; codes: string[] }[] = [
    { name: '1 point per ¥1, floored', basket: { lines: [line('彩妆', 12_345)], tierCode: 'regular' }, points: 123, codes: ['BASE'] },
    { name: 'skincare earns double', basket: { lines: [line('护肤', 10_000)], tierCode: 'regular' }, points: 200, codes: ['CATEGORY_RULE'] },
    { name: 'a sku rule beats its category', basket: { lines: [line('护肤', 10_000, 'GC-100')], tierCode: 'regular' }, points: 0, codes: ['SKU_RULE'] },
    { name: 'the tier multiplier applies to every line', basket: { lines: [line('彩妆', 10_000), line('护肤', 10_000)], tierCode: 'gold' }, points: 150 + 300, codes: ['BASE', 'CATEGORY_RULE'] },
    { name: 'below the minimum spend earns nothing', basket: { lines: [line('彩妆', 4_999)], tierCode: 'regular' }, programme: sampleProgramme({ earn: { fenPerPoint: 100, minSpendFen: 5_000, rules: [] } }), points: 0, codes: ['BELOW_MINIMUM_SPEND'] },
    { name: 'lines are scaled down to what was paid', basket: { lines: [line('彩妆', 10_000), line('彩妆', 10_000)], paidFen: 15_000, tierCode: 'regular' }, points: 150, codes: ['BASE'] },
    { name: 'member day doubles on Mondays', basket: { lines: [line('彩妆', 10_000)], tierCode: 'regular' }, programme: sampleProgramme({ promotions: [programmeSchema.shape.promotions.element.parse(memberDay)] }), points: 200, codes: ['BASE'] },
    { name: 'a promotion for other tiers does not apply', basket: { lines: [line('彩妆', 10_000)], tierCode: 'regular' }, programme: sampleProgramme({ promotions: [programmeSchema.shape.promotions.element.parse({ ...memberDay, tierCodes: ['gold'] })] }), points: 100, codes: ['BASE'] },
    { name: 'a segment promotion skips members outside the segment', basket: { lines: [line('彩妆', 10_000)], tierCode: 'regular', segmentIds: [3] }, programme: sampleProgramme({ promotions: [programmeSchema.shape.promotions.element.parse({ ...memberDay, segmentId: 7 })] }), points: 100, codes: ['BASE'] },
    { name: 'a segment promotion applies to its members', basket: { lines: [line('彩妆', 10_000)], tierCode: 'regular', segmentIds: [7] }, programme: sampleProgramme({ promotions: [programmeSchema.shape.promotions.element.parse({ ...memberDay, segmentId: 7 })] }), points: 200, codes: ['BASE'] },
    { name: 'a bonus promotion adds its points once', basket: { lines: [line('护肤', 10_000)], tierCode: 'regular' }, programme: sampleProgramme({ promotions: [programmeSchema.shape.promotions.element.parse({ ...memberDay, weekdays: [], multiplierPct: 100, bonusPoints: 50, category: '护肤' })] }), points: 250, codes: ['CATEGORY_RULE', 'PROMOTION_BONUS'] },
    { name: 'nothing paid earns nothing', basket: { lines: [line('彩妆', 10_000)], paidFen: 0, tierCode: 'regular' }, points: 0, codes: ['NOTHING_TO_EARN'] },
  ];
  for (const c of cases) {
    const r = pointsForBasket(c.basket, c.programme ?? sampleProgramme(), monday);
    assert.equal(r.points, c.points, c.name);
    assert.deepEqual(r.reasons.map((x) => x.code), c.codes, c.name);
    assert.equal(r.reasons.reduce((s, x) => s + x.points, 0), r.points, `${c.name}: the reasons add up`);
  }
});

test('a promotion outside its dates or weekdays does not apply', () => {
  const p = sampleProgramme({ promotions: [programmeSchema.shape.promotions.element.parse({ code: 'd', nameZh: '双倍', nameEn: 'Double', from: '2026-12-01', to: '2026-12-31', multiplierPct: 200 })] });
  assert.equal(pointsForBasket({ lines: [line('彩妆', 10_000)], tierCode: null }, p, monday).points, 100);
  assert.equal(pointsForBasket({ lines: [line('彩妆', 10_000)], tierCode: null }, p, new Date('2026-12-05T02:00:00Z')).points, 200);
});

test('the promotion date is the business day in Shanghai, not the UTC day', () => {
  const p = sampleProgramme({ promotions: [programmeSchema.shape.promotions.element.parse({ code: 'd', nameZh: '双倍', nameEn: 'Double', from: '2026-12-01', to: '2026-12-01', multiplierPct: 200 })] });
  // 2026-11-30T17:00Z is 01:00 on 1 December in Shanghai.
  assert.equal(pointsForBasket({ lines: [line('彩妆', 10_000)], tierCode: null }, p, new Date('2026-11-30T17:00:00Z')).points, 200);
});

test('business days and local midnights follow the zone across daylight-saving changes, table-driven', () => {
  const days: [string, string, string][] = [
    ['2026-11-01T03:30:00Z', 'America/New_York', '2026-10-31'],
    ['2026-11-01T04:30:00Z', 'America/New_York', '2026-11-01'],
    ['2026-11-02T04:30:00Z', 'America/New_York', '2026-11-01'],
    ['2026-03-28T23:30:00Z', 'Europe/Berlin', '2026-03-29'],
    ['2026-10-24T22:30:00Z', 'Europe/Berlin', '2026-10-25'],
    ['2026-10-25T22:30:00Z', 'Europe/Berlin', '2026-10-25'],
    ['2026-06-30T16:00:00Z', 'Asia/Shanghai', '2026-07-01'],
  ];
  for (const [at, zone, date] of days) assert.equal(businessDay(new Date(at), zone).date, date, `${at} in ${zone}`);
  assert.equal(zonedMidnight(2026, 3, 29, 'Europe/Berlin').toISOString(), '2026-03-28T23:00:00.000Z');
  assert.equal(zonedMidnight(2026, 3, 30, 'Europe/Berlin').toISOString(), '2026-03-29T22:00:00.000Z');
  assert.equal(zonedMidnight(2026, 11, 2, 'America/New_York').toISOString(), '2026-11-02T05:00:00.000Z');
  assert.equal(zonedMidnight(2027, 1, 1, 'Asia/Shanghai').toISOString(), '2026-12-31T16:00:00.000Z');
});

test('a ladder that does not increase is refused with TIER_LADDER_NOT_INCREASING', () => {
  const p = sampleProgramme();
  p.tiers[2] = { ...p.tiers[2]!, minSpendFen: 100000, minPurchases: 20 };
  assert.throws(() => validateProgramme(p), (e: AppError) => e.statusCode === 400 && e.code === 'TIER_LADDER_NOT_INCREASING' && e.fields![0]!.path === 'tiers.2');
});

test('two promotions for the same target with overlapping dates are refused with PROMOTIONS_OVERLAP', () => {
  const promo = (code: string, from: string, to: string, weekdays: number[] = []) => programmeSchema.shape.promotions.element.parse({ code, nameZh: code, nameEn: code, from, to, weekdays, multiplierPct: 200 });
  assert.throws(() => validateProgramme(sampleProgramme({ promotions: [promo('a', '2026-11-01', '2026-11-30'), promo('b', '2026-11-30', '2026-12-31')] })),
    (e: AppError) => e.statusCode === 400 && e.code === 'PROMOTIONS_OVERLAP' && e.fields![0]!.path === 'promotions.1');
  assert.doesNotThrow(() => validateProgramme(sampleProgramme({ promotions: [promo('a', '2026-11-01', '2026-11-30', [1]), promo('b', '2026-11-01', '2026-11-30', [3])] })));
  assert.doesNotThrow(() => validateProgramme(sampleProgramme({ promotions: [promo('a', '2026-11-01', '2026-11-15'), promo('b', '2026-11-16', '2026-11-30')] })));
});

test('two earn rules for the same product or category are refused with EARN_RULES_DUPLICATE naming the field, table-driven', () => {
  const rule = (id: string, target: { sku?: string; category?: string }) => programmeSchema.shape.earn.shape.rules.element.parse({ id, ...target, multiplierPct: 200 });
  const cases: { name: string; rules: ReturnType<typeof rule>[]; path: string | null }[] = [
    { name: 'the same category twice', rules: [rule('a', { category: '护肤' }), rule('b', { category: '护肤' })], path: 'earn.rules.1.category' },
    { name: 'the same sku twice', rules: [rule('a', { sku: 'GC-100' }), rule('b', { category: '彩妆' }), rule('c', { sku: 'GC-100' })], path: 'earn.rules.2.sku' },
    { name: 'the same sku after trimming', rules: [rule('a', { sku: 'GC-100' }), rule('b', { sku: ' GC-100 ' })], path: 'earn.rules.1.sku' },
    { name: 'a sku named like a category is a different target', rules: [rule('a', { sku: '护肤' }), rule('b', { category: '护肤' })], path: null },
    { name: 'different categories', rules: [rule('a', { category: '护肤' }), rule('b', { category: '彩妆' })], path: null },
  ];
  for (const c of cases) {
    const p = sampleProgramme({ earn: { fenPerPoint: 100, minSpendFen: 0, rules: c.rules } });
    if (c.path == null) {
      assert.doesNotThrow(() => validateProgramme(p), c.name);
      continue;
    }
    assert.throws(() => validateProgramme(p), (e: AppError) => {
      assert.equal(e.statusCode, 400, c.name);
      assert.equal(e.code, 'EARN_RULES_DUPLICATE', c.name);
      assert.deepEqual(e.fields!.map((f) => f.path), [c.path], c.name);
      assert.match(e.fields![0]!.zh, /规则 a 已包含该/, c.name);
      assert.match(e.fields![0]!.en, /rule a already covers/, c.name);
      return true;
    }, c.name);
  }
});

test('negative or fractional points are refused by the schema', () => {
  const base = sampleProgramme();
  assert.equal(programmeSchema.safeParse({ ...base, awards: { ...base.awards, review: -5 } }).success, false);
  assert.equal(programmeSchema.safeParse({ ...base, awards: { ...base.awards, review: 2.5 } }).success, false);
  assert.equal(programmeSchema.safeParse({ ...base, earn: { ...base.earn, rules: [{ id: 'x', category: '护肤', multiplierPct: 1.5 }] } }).success, false);
});

test('the qualifying tier is the highest whose thresholds are met', () => {
  const p = sampleProgramme();
  const table: [number, number, string][] = [[0, 0, 'regular'], [199_999, 5, 'regular'], [200_000, 0, 'silver'], [0, 6, 'silver'], [800_000, 1, 'gold'], [0, 15, 'gold']];
  for (const [spend, n, code] of table) assert.equal(qualifyingTier(p, spend, n).code, code, `${spend} fen, ${n} purchases`);
  const all = sampleProgramme({ qualification: { windowMonths: 12, match: 'all' } });
  assert.equal(qualifyingTier(all, 900_000, 3).code, 'regular');
  assert.equal(qualifyingTier(all, 900_000, 15).code, 'gold');
});

test('floor(a × b ÷ c) is exact in doubles and beyond them, table-driven', () => {
  const cases: [number, number, number][] = [
    [0, 5, 3], [7, 3, 2], [10_000, 30_000, 40_000], [2 ** 26, 2 ** 26, 3], [94_906_265, 94_906_265, 7],
    [9_007_199_254_740_991, 1, 10], [9_000_000_000, 3_000_000_000, 7], [123_456_789_012, 98_765_432, 1_000_000],
  ];
  for (const [a, b, c] of cases) assert.equal(mulDiv(a, b, c), Number((BigInt(a) * BigInt(b)) / BigInt(c)), `${a} × ${b} ÷ ${c}`);
});

test('points on a basket too large for exact doubles are still exact', () => {
  const p = sampleProgramme();
  const lines = [line('护肤', 7_000_000_000_001), line('彩妆', 3_000_000_000_003)];
  const r = pointsForBasket({ lines, paidFen: 9_999_999_999_999, tierCode: 'gold' }, p, monday);
  const scaled = (BigInt(7_000_000_000_001) * 9_999_999_999_999n) / 10_000_000_000_004n;
  // rule × tier × promotion (none: ×100%) over fenPerPoint × 1,000,000
  const expected = (scaled * 200n * 150n * 100n) / 100_000_000n + ((9_999_999_999_999n - scaled) * 100n * 150n * 100n) / 100_000_000n;
  assert.equal(r.points, Number(expected));
  assert.equal(r.basisFen, 9_999_999_999_999);
});

test('points earned in the first minutes of a new year expire at the end of the next one, in the zone', () => {
  const p = sampleProgramme();
  assert.equal(expiryFor(p, new Date('2026-12-31T15:59:00Z'), 'Asia/Shanghai')!.toISOString(), '2027-12-31T16:00:00.000Z');
  assert.equal(expiryFor(p, new Date('2026-12-31T16:01:00Z'), 'Asia/Shanghai')!.toISOString(), '2028-12-31T16:00:00.000Z');
  assert.equal(expiryFor(p, new Date('2026-12-31T16:01:00Z'), 'Europe/Berlin')!.toISOString(), '2027-12-31T23:00:00.000Z');
});

test('points expire at the end of the year after earning, or after N months', () => {
  assert.equal(expiryFor(sampleProgramme(), monday, 'Asia/Shanghai')!.toISOString(), '2027-12-31T16:00:00.000Z');
  assert.equal(expiryFor(sampleProgramme({ expiry: { policy: 'months', months: 6 } }), monday, 'Asia/Shanghai')!.toISOString(), '2027-05-23T02:00:00.000Z');
  assert.equal(expiryFor(sampleProgramme({ expiry: { policy: 'never', months: null } }), monday, 'Asia/Shanghai'), null);
});
