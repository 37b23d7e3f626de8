import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { createCustomers, recordPurchases } from './fixtures.ts';
import { balances, bookPoints } from './ledger.ts';
import { applyCoupon, CODE_ALPHABET, issueCoupons, newCode } from './coupons.ts';
import { runPerks } from './perks.ts';
import { settleReferrals } from './referrals.ts';

let t: TestApp;
let marketer: string;
let staff: string;
before(async () => {
  t = await startTestApp();
  marketer = await t.loginAs('marketer');
  staff = await t.loginAs('store_staff');
});
after(async () => {
  await t.close();
});

const amountTemplate = { nameZh: '满200减30', nameEn: '¥30 off ¥200', kind: 'amount', amountOffFen: 3000, minSpendFen: 20000, validDays: 30 };

async function template(body: Record<string, unknown> = amountTemplate) {
  const res = await t.request('POST', '/api/coupons/templates', { cookie: marketer, body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

async function give(customerId: number, points: number) {
  await t.db.tx((tx) => bookPoints(tx, [{ customerId, kind: 'adjust', points, reasonCode: 'CORRECTION', reason: 'test credit', expiresAt: null }], { entryTierCode: 'regular' }));
}

async function consistent(customerId: number) {
  const b = await balances(t.db, customerId);
  assert.equal(b.balance, b.ledger, 'the balance equals the ledger sum');
  assert.equal(b.lots, b.balance, 'the unspent lots add up to the balance');
  return b.balance;
}

async function couponFor(customerId: number, tpl = amountTemplate) {
  const tp = await template(tpl);
  const out = await t.db.tx((tx) => issueCoupons(tx, tp.id, [customerId], { reason: 'test', ref: { type: 'test', id: String(Math.random()) } }));
  return out.issued[0]!.code;
}

const redeem = (code: string, customerId: number, extra: Record<string, unknown> = {}, key?: string) =>
  t.request('POST', '/api/coupons/redeem', { cookie: staff, body: { code, customerId, amountFen: 25000, ...extra }, headers: key ? { 'idempotency-key': key } : {} });

test('codes are 12 characters from the unambiguous alphabet', () => {
  const codes = new Set(Array.from({ length: 2000 }, () => newCode()));
  assert.equal(codes.size, 2000);
  for (const c of codes) assert.match(c, new RegExp(`^[${CODE_ALPHABET}]{12}$`));
  assert.ok(!/[01OIL]/.test(CODE_ALPHABET));
});

test('coupon rules decide applicability and the discount, by table', () => {
  const base = { kind: 'amount', amountOffFen: 3000, percentOff: null, minSpendFen: 20000, categories: [], storeIds: [], channels: [], tierCodes: [] };
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string | null, unknown][] = [
    ['amount off above the minimum', {}, { amountFen: 25000, channel: 'store' }, null, 3000],
    ['below the minimum spend', {}, { amountFen: 19999, channel: 'store' }, null, 'MIN_SPEND'],
    ['percent off rounds down', { kind: 'percent', amountOffFen: null, percentOff: 15, minSpendFen: 0 }, { amountFen: 999, channel: 'store' }, null, 149],
    ['wrong channel', { channels: ['online'] }, { amountFen: 25000, channel: 'store' }, null, 'CHANNEL'],
    ['wrong store', { storeIds: [7] }, { amountFen: 25000, channel: 'store', storeId: 8 }, null, 'STORE'],
    ['tier not allowed', { tierCodes: ['gold'] }, { amountFen: 25000, channel: 'store' }, 'regular', 'TIER'],
    ['only the covered categories count', { categories: ['护肤'] }, { amountFen: 30000, channel: 'store', lines: [{ category: '护肤', amountFen: 15000 }, { category: '彩妆', amountFen: 15000 }] }, null, 'MIN_SPEND'],
    ['amount off never exceeds the goods', { minSpendFen: 0, amountOffFen: 5000 }, { amountFen: 1200, channel: 'store' }, null, 1200],
  ];
  for (const [name, rules, ctx, tier, want] of cases) {
    const r = applyCoupon({ ...base, ...rules } as any, ctx as any, tier);
    assert.deepEqual(r.ok ? r.discountFen : r.reason, want, name);
  }
});

test('a template with bad input is a 400 naming the field', async () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ ...amountTemplate, kind: 'percent', amountOffFen: undefined, percentOff: 120 }, 'percentOff'],
    [{ ...amountTemplate, amountOffFen: 12.5 }, 'amountOffFen'],
    [{ ...amountTemplate, minSpendFen: -1 }, 'minSpendFen'],
    [{ ...amountTemplate, validDays: undefined, validFrom: '2026-12-01T00:00:00+08:00', validTo: '2026-11-01T00:00:00+08:00' }, 'validTo'],
    [{ ...amountTemplate, kind: 'amount', amountOffFen: undefined }, 'amountOffFen'],
    [{ ...amountTemplate, validDays: undefined }, 'validDays'],
    [{ ...amountTemplate, surprise: 1 }, 'surprise'],
  ];
  for (const [body, field] of bad) {
    const res = await t.request('POST', '/api/coupons/templates', { cookie: marketer, body });
    assert.equal(res.statusCode, 400, field);
    assert.ok(res.json().error.fields.some((f: any) => f.path === field), `${field}: ${res.body}`);
  }
});

test('store staff cannot create templates', async () => {
  const res = await t.request('POST', '/api/coupons/templates', { cookie: staff, body: amountTemplate });
  assert.equal(res.statusCode, 403);
});

test('a coupon is redeemed once: the second try is 409 COUPON_USED', async () => {
  const [c] = await createCustomers(t.db, 1);
  const code = await couponFor(c!);
  const first = await redeem(code.toLowerCase().replace(/(.{4})/g, '$1-').replace(/-$/, ''), c!);
  assert.equal(first.statusCode, 200, first.body);
  assert.equal(first.json().discountFen, 3000);
  const again = await redeem(code, c!);
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().error.code, 'COUPON_USED');
});

test('50 concurrent redemptions of one code: exactly one wins, 49 get 409', async () => {
  const [c] = await createCustomers(t.db, 1);
  const code = await couponFor(c!);
  const all = await Promise.all(Array.from({ length: 50 }, (_, i) => redeem(code, c!, {}, `race-${code}-${i}`)));
  assert.equal(all.filter((r) => r.statusCode === 200).length, 1);
  assert.equal(all.filter((r) => r.statusCode === 409 && r.json().error.code === 'COUPON_USED').length, 49);
});

test('a retried redemption with the same Idempotency-Key answers the first result and redeems nothing more', async () => {
  const [c] = await createCustomers(t.db, 1);
  const code = await couponFor(c!);
  const a = await redeem(code, c!, {}, `retry-${code}`);
  const b = await redeem(code, c!, {}, `retry-${code}`);
  assert.equal(a.statusCode, 200);
  assert.equal(b.statusCode, 200);
  assert.equal(b.headers['idempotent-replayed'], 'true');
  assert.deepEqual(b.json(), a.json());
});

test('someone else’s coupon is 409 COUPON_NOT_YOURS and an unknown code 404', async () => {
  const [owner, other] = await createCustomers(t.db, 2);
  const code = await couponFor(owner!);
  const res = await redeem(code, other!);
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().error.code, 'COUPON_NOT_YOURS');
  assert.equal((await redeem('ZZZZZZZZZZZZ', owner!)).statusCode, 404);
  assert.equal((await redeem("'; DROP TABLE coupons; --", owner!)).statusCode, 400);
});

test('an expired coupon is 409 COUPON_EXPIRED and shows as expired', async () => {
  const [c] = await createCustomers(t.db, 1);
  const code = await couponFor(c!);
  await t.db.query(`UPDATE coupons SET valid_from = now() - interval '40 days', valid_to = now() - interval '1 day' WHERE code = $1`, [code]);
  const res = await redeem(code, c!);
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().error.code, 'COUPON_EXPIRED');
  const list = await t.request('GET', `/api/loyalty/members/${c}/coupons?state=expired`, { cookie: staff });
  assert.deepEqual(list.json().items.map((x: any) => x.code), [code]);
});

test('a purchase below the minimum spend is 409 COUPON_NOT_APPLICABLE with the reason', async () => {
  const [c] = await createCustomers(t.db, 1);
  const code = await couponFor(c!);
  const res = await redeem(code, c!, { amountFen: 10000 });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().error.code, 'COUPON_NOT_APPLICABLE');
  assert.equal(res.json().error.reason, 'MIN_SPEND');
});

test('a voided coupon cannot be redeemed', async () => {
  const [c] = await createCustomers(t.db, 1);
  const code = await couponFor(c!);
  const manager = await t.loginAs('manager');
  assert.equal((await t.request('POST', `/api/coupons/${code}/void`, { cookie: manager, body: { reason: '顾客要求作废' } })).statusCode, 200);
  assert.equal((await redeem(code, c!)).json().error.code, 'COUPON_VOID');
});

test('issuing by hand respects the per-member and total limits and a retried issue issues nothing more', async () => {
  const cs = await createCustomers(t.db, 3);
  const tp = await template({ ...amountTemplate, totalLimit: 4, perMemberLimit: 1 });
  const issue = (ids: number[], key: string) => t.request('POST', `/api/coupons/templates/${tp.id}/issue`, { cookie: marketer, body: { customerIds: ids }, headers: { 'idempotency-key': key } });
  const first = await issue(cs, `issue-${tp.id}-a`);
  assert.equal(first.statusCode, 201, first.body);
  assert.equal(first.json().issued.length, 3);
  assert.equal((await issue(cs, `issue-${tp.id}-a`)).headers['idempotent-replayed'], 'true');
  const again = await issue(cs, `issue-${tp.id}-b`);
  assert.deepEqual(again.json().overLimit, cs);
  const n = await t.db.query(`SELECT issued_count FROM coupon_templates WHERE id = $1`, [tp.id]);
  assert.equal(n.rows[0].issued_count, 3);
  const more = await createCustomers(t.db, 2);
  const over = await issue(more, `issue-${tp.id}-c`);
  assert.equal(over.statusCode, 409);
  assert.equal(over.json().error.code, 'COUPON_LIMIT_REACHED');
});

test('a marketer issues a coupon to every member of a segment once; a retry and a second issue add nothing past the per-member limit', async () => {
  const city = `测试城${Math.floor(Math.random() * 1e6)}`;
  const members = (await t.db.query(`INSERT INTO customers (name, city) VALUES ('赵敏', $1), ('钱琳', $1), ('孙悦', $1) RETURNING id`, [city])).rows.map((r) => Number(r.id));
  const seg = await t.request('POST', '/api/segments', { cookie: marketer, body: { name: `${city}会员`, filter: { field: 'city', op: 'eq', value: city } } });
  assert.equal(seg.statusCode, 201, seg.body);
  const tp = await template({ ...amountTemplate, perMemberLimit: 1 });
  const issue = (body: unknown, key?: string) =>
    t.request('POST', `/api/coupons/templates/${tp.id}/issue-to-segment`, { cookie: marketer, body, headers: key ? { 'idempotency-key': key } : {} });
  const first = await issue({ segmentId: seg.json().id, note: '会员日' }, `seg-${tp.id}-a`);
  assert.equal(first.statusCode, 201, first.body);
  assert.deepEqual(first.json(), { templateId: tp.id, segmentId: seg.json().id, members: 3, issued: 3, replayed: 0, overLimit: 0 });
  const retried = await issue({ segmentId: seg.json().id, note: '会员日' }, `seg-${tp.id}-a`);
  assert.equal(retried.headers['idempotent-replayed'], 'true');
  assert.deepEqual((await issue({ segmentId: seg.json().id }, `seg-${tp.id}-b`)).json().overLimit, 3);
  const held = await t.db.query(`SELECT customer_id, ref_type FROM coupons WHERE template_id = $1 ORDER BY customer_id`, [tp.id]);
  assert.deepEqual(held.rows, members.sort((a, b) => a - b).map((id) => ({ customer_id: id, ref_type: 'segment' })));
});

test('issuing to a segment needs an idempotency key, a segment that exists and the marketer role', async () => {
  const tp = await template();
  const noKey = await t.request('POST', `/api/coupons/templates/${tp.id}/issue-to-segment`, { cookie: marketer, body: { segmentId: 1 } });
  assert.deepEqual([noKey.statusCode, noKey.json().error.code], [400, 'IDEMPOTENCY_KEY_REQUIRED']);
  const unknown = await t.request('POST', `/api/coupons/templates/${tp.id}/issue-to-segment`, { cookie: marketer, body: { segmentId: 987654 }, headers: { 'idempotency-key': 'seg-unknown' } });
  assert.equal(unknown.statusCode, 404);
  const bad = await t.request('POST', `/api/coupons/templates/${tp.id}/issue-to-segment`, { cookie: marketer, body: { segmentId: 'all' }, headers: { 'idempotency-key': 'seg-bad' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.fields[0].path, 'segmentId');
  const byStaff = await t.request('POST', `/api/coupons/templates/${tp.id}/issue-to-segment`, { cookie: staff, body: { segmentId: 1 }, headers: { 'idempotency-key': 'seg-staff' } });
  assert.equal(byStaff.statusCode, 403);
  assert.equal(Number((await t.db.query(`SELECT count(*) FROM coupons WHERE template_id = $1`, [tp.id])).rows[0].count), 0);
});

async function item(body: Record<string, unknown>) {
  const res = await t.request('POST', '/api/loyalty/catalogue', { cookie: marketer, body: { kind: 'gift', nameZh: '保温杯', nameEn: 'Thermos', points: 100, stock: 10, ...body } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

const redeemItem = (customerId: number, itemId: number, key?: string, quantity = 1) =>
  t.request('POST', '/api/loyalty/redemptions', { cookie: staff, body: { customerId, itemId, quantity }, headers: key ? { 'idempotency-key': key } : {} });

test('a catalogue item with negative stock or fractional points is a 400 naming the field', async () => {
  for (const [body, field] of [[{ stock: -1 }, 'stock'], [{ points: 1.5 }, 'points'], [{ kind: 'coupon' }, 'templateId']] as const) {
    const res = await t.request('POST', '/api/loyalty/catalogue', { cookie: marketer, body: { kind: 'gift', nameZh: '保温杯', points: 100, ...{ stock: 10 }, ...body } });
    assert.equal(res.statusCode, 400);
    assert.ok(res.json().error.fields.some((f: any) => f.path === field), res.body);
  }
});

test('50 concurrent redemptions of an item with stock 10: exactly 10 succeed and stock ends at 0', async () => {
  const cs = await createCustomers(t.db, 50);
  for (const c of cs) await give(c, 500);
  const it = await item({ stock: 10 });
  const all = await Promise.all(cs.map((c) => redeemItem(c, it.id)));
  assert.equal(all.filter((r) => r.statusCode === 201).length, 10);
  assert.equal(all.filter((r) => r.statusCode === 409 && r.json().error.code === 'OUT_OF_STOCK').length, 40);
  const s = await t.db.query(`SELECT stock FROM loyalty_catalogue_items WHERE id = $1`, [it.id]);
  assert.equal(s.rows[0].stock, 0);
  const spent = await t.db.query(`SELECT count(*)::int AS n FROM loyalty_ledger WHERE kind = 'redeem' AND customer_id = ANY($1::bigint[])`, [cs]);
  assert.equal(spent.rows[0].n, 10);
});

test('a coupon reward debits points exactly, issues the coupon, and cancelling refunds points, restores stock and voids it', async () => {
  const [c] = await createCustomers(t.db, 1);
  await give(c!, 1000);
  const tp = await template();
  const it = await item({ kind: 'coupon', templateId: tp.id, points: 300, stock: 5 });
  const res = await redeemItem(c!, it.id, `cat-${c}`, 2);
  assert.equal(res.statusCode, 201, res.body);
  const r = res.json();
  assert.equal(r.points, 600);
  assert.equal(r.balance, 400);
  assert.equal(r.coupons.length, 2);
  assert.equal(r.stockLeft, 3);
  const replay = await redeemItem(c!, it.id, `cat-${c}`, 2);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(await consistent(c!), 400);
  const cancel = await t.request('POST', `/api/loyalty/members/${c}/redemptions/${r.redemptionId}/cancel`, { cookie: staff, body: { reason: '顾客取消' } });
  assert.equal(cancel.statusCode, 200, cancel.body);
  assert.equal(cancel.json().balance, 1000);
  assert.equal(await consistent(c!), 1000);
  const s = await t.db.query(`SELECT stock FROM loyalty_catalogue_items WHERE id = $1`, [it.id]);
  assert.equal(s.rows[0].stock, 5);
  assert.equal((await redeem(r.coupons[0].code, c!)).json().error.code, 'COUPON_VOID');
  const twice = await t.request('POST', `/api/loyalty/members/${c}/redemptions/${r.redemptionId}/cancel`, { cookie: staff, body: { reason: '顾客取消' } });
  assert.equal(twice.json().error.code, 'REDEMPTION_CANCELLED');
  assert.equal(await consistent(c!), 1000);
});

test('a redemption the balance cannot cover is 409 INSUFFICIENT_POINTS and takes no stock', async () => {
  const [c] = await createCustomers(t.db, 1);
  await give(c!, 50);
  const it = await item({ stock: 3 });
  const res = await redeemItem(c!, it.id);
  assert.equal(res.json().error.code, 'INSUFFICIENT_POINTS');
  assert.equal((await t.db.query(`SELECT stock FROM loyalty_catalogue_items WHERE id = $1`, [it.id])).rows[0].stock, 3);
});

test('the per-member limit holds', async () => {
  const [c] = await createCustomers(t.db, 1);
  await give(c!, 1000);
  const it = await item({ perMemberLimit: 1 });
  assert.equal((await redeemItem(c!, it.id)).statusCode, 201);
  assert.equal((await redeemItem(c!, it.id)).json().error.code, 'REDEMPTION_LIMIT_REACHED');
});

test('property: after any redemptions and cancellations the balance equals the ledger sum', async () => {
  const [c] = await createCustomers(t.db, 1);
  await give(c!, 2000);
  const it = await item({ stock: 1000, points: 70 });
  const done: number[] = [];
  await fc.assert(fc.asyncProperty(fc.array(fc.oneof(fc.constant('redeem'), fc.constant('cancel')), { minLength: 1, maxLength: 8 }), async (ops) => {
    for (const op of ops) {
      if (op === 'redeem') {
        const r = await redeemItem(c!, it.id);
        if (r.statusCode === 201) done.push(r.json().redemptionId);
        else assert.equal(r.json().error.code, 'INSUFFICIENT_POINTS');
      } else if (done.length) {
        const id = done.pop()!;
        assert.equal((await t.request('POST', `/api/loyalty/members/${c}/redemptions/${id}/cancel`, { cookie: staff, body: { reason: 'x' } })).statusCode, 200);
      }
    }
    const bal = await consistent(c!);
    assert.equal(bal, 2000 - done.length * 70);
  }), { numRuns: 15 });
});

test('the perks job run twice grants the birthday and holiday perks once', async () => {
  const cs = await createCustomers(t.db, 4);
  await t.db.query(`UPDATE customers SET birthday = '1990-03-15' WHERE id = ANY($1::bigint[])`, [cs.slice(0, 2)]);
  await t.db.query(`UPDATE customers SET birthday = '1992-02-29' WHERE id = $1`, [cs[2]]);
  const tp = await template({ ...amountTemplate, nameZh: '生日券' });
  const set = await t.request('PUT', '/api/loyalty/perks/birthday', { cookie: marketer, body: { tiers: [{ tierCode: 'regular', points: 88, templateId: tp.id }] } });
  assert.equal(set.statusCode, 200, set.body);
  const h = await t.request('POST', '/api/loyalty/perks/holidays', { cookie: marketer, body: { code: 'double11', nameZh: '双十一', nameEn: 'Singles Day', day: '2031-11-11', points: 11 } });
  assert.equal(h.statusCode, 201, h.body);
  for (let i = 0; i < 2; i++) await runPerks(t.db, { day: '2031-03-15', timeZone: 'Asia/Shanghai' });
  for (const c of cs.slice(0, 2)) assert.equal(await consistent(c), 88);
  assert.equal(await consistent(cs[3]!), 0, 'no birthday, no perk');
  const coupons = await t.db.query(`SELECT count(*)::int AS n FROM coupons WHERE customer_id = ANY($1::bigint[])`, [cs]);
  assert.equal(coupons.rows[0].n, 2);
  for (let i = 0; i < 2; i++) await runPerks(t.db, { day: '2031-02-28', timeZone: 'Asia/Shanghai' });
  assert.equal(await consistent(cs[2]!), 88, '29 February birthdays are celebrated on 28 February in other years');
  for (let i = 0; i < 2; i++) await runPerks(t.db, { day: '2031-11-11', timeZone: 'Asia/Shanghai' });
  for (const c of cs) assert.ok((await consistent(c)) % 88 === 11, 'every member got the holiday points once');
});

test('a holiday perk without points or coupon is a 400', async () => {
  const res = await t.request('POST', '/api/loyalty/perks/holidays', { cookie: marketer, body: { code: 'cny', nameZh: '春节', day: '2031-01-23' } });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error.fields[0].path, 'points');
});

test('referral: rewards only after the return window, once, and never for a fully returned purchase', async () => {
  const [referrer, referee, refunder] = await createCustomers(t.db, 3);
  const codeRes = await t.request('GET', `/api/loyalty/members/${referrer}/referral`, { cookie: staff });
  const code = codeRes.json().code;
  assert.match(code, /^[A-Z2-9]{8}$/);
  assert.equal((await t.request('GET', `/api/loyalty/members/${referrer}/referral`, { cookie: staff })).json().code, code, 'the code is stable');
  const link = (customerId: number, c = code) => t.request('POST', '/api/loyalty/referrals', { cookie: staff, body: { customerId, code: c } });
  assert.equal((await link(referee!)).statusCode, 201);
  assert.equal((await link(refunder!)).statusCode, 201);
  assert.equal((await link(referee!)).json().error.code, 'ALREADY_REFERRED');
  assert.equal((await link(referrer!)).json().error.code, 'SELF_REFERRAL');
  const unknown = await link(referee!, 'ZZZZ2222');
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.json().error.code, 'REFERRAL_CODE_UNKNOWN');
  const before = (id: number) => consistent(id);
  const b0 = { referrer: await before(referrer!), referee: await before(referee!) };
  const sale = await recordPurchases(t.db, [{ customerId: referee!, lines: [{ category: '护肤', amountFen: 100 }], purchasedAt: new Date(Date.now() - 5 * 86_400_000) }]);
  const sale2 = await recordPurchases(t.db, [{ customerId: refunder!, lines: [{ category: '护肤', amountFen: 100 }], purchasedAt: new Date(Date.now() - 40 * 86_400_000) }]);
  await recordPurchases(t.db, [{ customerId: refunder!, kind: 'return', originalPurchaseId: sale2.ids[0], lines: [{ category: '护肤', amountFen: 100 }] }]);
  void sale;
  await settleReferrals(t.db, { timeZone: 'Asia/Shanghai' });
  assert.equal(await consistent(referrer!), b0.referrer, 'inside the 15-day window nothing is paid');
  await t.db.query(`UPDATE purchases SET purchased_at = now() - interval '20 days' WHERE customer_id = $1`, [referee]);
  await settleReferrals(t.db, { timeZone: 'Asia/Shanghai' });
  await settleReferrals(t.db, { timeZone: 'Asia/Shanghai' });
  assert.equal(await consistent(referrer!), b0.referrer + 200, 'the referrer is paid once, for the referee who kept the purchase');
  assert.equal(await consistent(referee!), b0.referee + 1 + 200);
  const st = await t.db.query(`SELECT customer_id, status FROM loyalty_referrals WHERE referrer_id = $1 ORDER BY customer_id`, [referrer]);
  assert.deepEqual(st.rows.map((x) => x.status), ['rewarded', 'pending']);
  const mine = (await t.request('GET', `/api/loyalty/members/${referrer}/referral`, { cookie: staff })).json();
  const rewardOf = (id: number) => mine.referred.find((x: any) => x.customerId === id);
  assert.deepEqual([rewardOf(referee!).rewardPoints, rewardOf(refunder!).rewardPoints], [200, 0], 'each referee shows what the referrer got for them');
  assert.deepEqual(rewardOf(refunder!).rewardCoupons, []);
  const rep = await t.request('GET', '/api/loyalty/referrals/report?from=2020-01-01&to=2099-12-31', { cookie: staff });
  assert.equal(rep.statusCode, 200);
  assert.ok(rep.json().referrers >= 1);
  assert.ok(rep.json().referrerShare > 0);
});

test('a member who already bought cannot be referred', async () => {
  const [referrer, old] = await createCustomers(t.db, 2);
  const code = (await t.request('GET', `/api/loyalty/members/${referrer}/referral`, { cookie: staff })).json().code;
  await recordPurchases(t.db, [{ customerId: old!, lines: [{ category: '护肤', amountFen: 100 }] }]);
  const res = await t.request('POST', '/api/loyalty/referrals', { cookie: staff, body: { customerId: old, code } });
  assert.equal(res.json().error.code, 'REFEREE_NOT_NEW');
});

test('merging members moves their coupons to the survivor, who can redeem them', async () => {
  const [survivor, dup] = await createCustomers(t.db, 2);
  const code = await couponFor(dup!);
  const { rewardsLifecycle } = await import('./referrals.ts');
  await t.db.tx((tx) => rewardsLifecycle.onMerged(tx, survivor!, [dup!]));
  const res = await redeem(code, survivor!);
  assert.equal(res.statusCode, 200, res.body);
});

test('ten concurrent retries of one catalogue redemption with the same Idempotency-Key redeem once', async () => {
  const [c] = await createCustomers(t.db, 1);
  await give(c!, 1000);
  const it = await item({ stock: 10, points: 100 });
  const all = await Promise.all(Array.from({ length: 10 }, () => redeemItem(c!, it.id, `same-${c}`)));
  assert.ok(all.every((r) => r.statusCode === 201));
  assert.equal(new Set(all.map((r) => r.json().redemptionId)).size, 1);
  assert.equal(await consistent(c!), 900);
  assert.equal((await t.db.query(`SELECT stock FROM loyalty_catalogue_items WHERE id = $1`, [it.id])).rows[0].stock, 9);
});
