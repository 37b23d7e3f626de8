import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { createCustomers, recordPurchases } from './fixtures.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => {
  await t.close();
});

async function current(cookie: string) {
  return (await t.request('GET', '/api/loyalty/programme', { cookie })).json();
}

test('the default programme is in force from the start: four tiers, 1 point per yuan', async () => {
  const cookie = await t.loginAs('analyst');
  const p = await current(cookie);
  assert.equal(p.version, 1);
  assert.deepEqual(p.programme.tiers.map((x: any) => x.nameZh), ['普通', '银卡', '金卡', '钻石']);
  assert.equal(p.programme.earn.fenPerPoint, 100);
});

test('only loyalty.configure may edit the programme', async () => {
  const staff = await t.loginAs('store_staff');
  const p = (await current(staff)).programme;
  const r = await t.request('POST', '/api/loyalty/programme/versions', { cookie: staff, body: { programme: p } });
  assert.equal(r.statusCode, 403);
});

test('a ladder that does not increase is a 400 naming the tier, and nothing is saved', async () => {
  const marketer = await t.loginAs('marketer');
  const p = (await current(marketer)).programme;
  p.tiers[2].minSpendFen = 100;
  p.tiers[2].minPurchases = 1;
  const r = await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: p } });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.code, 'TIER_LADDER_NOT_INCREASING');
  assert.equal(r.json().error.fields[0].path, 'tiers.2');
  assert.equal((await current(marketer)).version, 1);
});

test('overlapping promotions for the same target are a 400 PROMOTIONS_OVERLAP', async () => {
  const marketer = await t.loginAs('marketer');
  const p = (await current(marketer)).programme;
  p.promotions = [
    { code: 'double11', nameZh: '双十一双倍积分', nameEn: 'Double 11', from: '2026-11-01', to: '2026-11-11', multiplierPct: 200 },
    { code: 'week', nameZh: '周年庆', nameEn: 'Anniversary', from: '2026-11-10', to: '2026-11-20', multiplierPct: 150 },
  ];
  const r = await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: p } });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.code, 'PROMOTIONS_OVERLAP');
});

test('two earn rules for one category are a 400 EARN_RULES_DUPLICATE naming the rule in both languages, and nothing is saved', async () => {
  const marketer = await t.loginAs('marketer');
  const before = await current(marketer);
  const p = before.programme;
  p.earn.rules = [{ id: 'skincare', category: '护肤', multiplierPct: 200 }, { id: 'skincare2', category: '护肤', multiplierPct: 300 }];
  const r = await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: p } });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.code, 'EARN_RULES_DUPLICATE');
  assert.equal(r.json().error.fields[0].path, 'earn.rules.1.category');
  assert.equal(r.json().error.fields[0].message, 'rule skincare already covers this category');
  const zh = await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: p }, headers: { 'accept-language': 'zh-CN' } });
  assert.equal(zh.json().error.fields[0].message, '规则 skincare 已包含该品类');
  assert.equal((await current(marketer)).version, before.version);
});

test('negative or fractional points in the programme are a 400 naming the field', async () => {
  const marketer = await t.loginAs('marketer');
  const p = (await current(marketer)).programme;
  for (const bad of [-10, 2.5]) {
    const r = await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: { ...p, awards: { ...p.awards, review: bad } } } });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.fields[0].path, 'programme.awards.review');
  }
  const unknown = await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: { ...p, surprise: 1 } } });
  assert.equal(unknown.statusCode, 400);
});

test('a version cannot start in the past', async () => {
  const marketer = await t.loginAs('marketer');
  const p = (await current(marketer)).programme;
  const r = await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: p, validFrom: '2020-01-01T00:00:00Z' } });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.fields[0].path, 'validFrom');
});

test('an edit creates a new version, and an old purchase is still valued with the old rules', async () => {
  const marketer = await t.loginAs('marketer');
  const p = (await current(marketer)).programme;
  p.earn.rules = [{ id: 'skincare', category: '护肤', multiplierPct: 300 }];
  p.tiers[1].nameZh = '银卡会员';
  const saved = await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: p, note: '护肤三倍积分' } });
  assert.equal(saved.statusCode, 201);
  assert.equal(saved.json().version, 2);
  const versions = (await t.request('GET', '/api/loyalty/programme/versions', { cookie: marketer })).json().items;
  assert.equal(versions.length, 2);
  assert.ok(versions[1].validTo, 'the first version now ends');
  const tier = await t.db.query(`SELECT name_zh FROM loyalty_tiers WHERE code = 'silver'`);
  assert.equal(tier.rows[0].name_zh, '银卡会员', 'the shared tier table follows the programme');

  const [c] = await createCustomers(t.db, 1);
  const old = await recordPurchases(t.db, [{ customerId: c!, purchasedAt: new Date(Date.now() - 86_400_000), lines: [{ category: '护肤', amountFen: 10_000 }] }]);
  const now = await recordPurchases(t.db, [{ customerId: c!, lines: [{ category: '护肤', amountFen: 10_000 }] }]);
  assert.equal(old.results.get(old.ids[0]!)!.pointsEarned, 100, 'yesterday: version 1, no skincare rule');
  assert.equal(now.results.get(now.ids[0]!)!.pointsEarned, 300, 'today: version 2, skincare ×3');
  const v = await t.db.query(`SELECT programme_version FROM loyalty_ledger WHERE customer_id = $1 ORDER BY id`, [c]);
  assert.deepEqual(v.rows.map((x) => x.programme_version), [1, 2]);
});

test('a tier the programme drops is kept, and tiers are never deleted, so accounts and tier history still name theirs', async () => {
  const marketer = await t.loginAs('marketer');
  const p = (await current(marketer)).programme;
  p.tiers = p.tiers.filter((tier: { code: string }) => tier.code !== 'diamond');
  const saved = await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: p, note: '取消钻石卡' } });
  assert.equal(saved.statusCode, 201);
  const kept = await t.db.query(`SELECT count(*)::int AS n FROM loyalty_tiers WHERE code = 'diamond'`);
  assert.equal(kept.rows[0].n, 1);
  await assert.rejects(t.db.query(`DELETE FROM loyalty_tiers WHERE code = 'diamond'`), /never deleted/);
});

test('a quote shows the points and reasons without booking anything', async () => {
  const staff = await t.loginAs('store_staff');
  const r = await t.request('POST', '/api/loyalty/quote', { cookie: staff, body: { lines: [{ sku: 'A1', category: '护肤', amountFen: 20_000 }], tierCode: 'gold' } });
  assert.equal(r.statusCode, 200);
  assert.equal(r.json().points, 900);
  assert.equal(r.json().reasons[0].code, 'CATEGORY_RULE');
});

test('a promotion limited to a segment doubles points for its members only', async () => {
  const marketer = await t.loginAs('marketer');
  const seg = await t.db.query(`INSERT INTO segments (name, filter) VALUES ('高价值会员', '{}') RETURNING id`);
  const [inSeg, outSeg] = await createCustomers(t.db, 2, '赵敏');
  await t.db.query(`INSERT INTO segment_members (customer_id, segment_id) VALUES ($1, $2)`, [inSeg, seg.rows[0].id]);
  const p = (await current(marketer)).programme;
  p.promotions = [{ code: 'vip', nameZh: '高价值会员双倍', nameEn: 'VIP double', from: '2000-01-01', to: '2099-12-31', segmentId: seg.rows[0].id, multiplierPct: 200 }];
  assert.equal((await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: p } })).statusCode, 201);
  const r = await recordPurchases(t.db, [{ customerId: inSeg!, lines: [{ category: '彩妆', amountFen: 10_000 }] }, { customerId: outSeg!, lines: [{ category: '彩妆', amountFen: 10_000 }] }]);
  assert.equal(r.results.get(r.ids[0]!)!.pointsEarned, 200);
  assert.equal(r.results.get(r.ids[1]!)!.pointsEarned, 100);
});
