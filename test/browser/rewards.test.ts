import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../support.ts';
import { createCustomers, recordPurchases } from '../../src/modules/loyalty/fixtures.ts';
import { bookPoints } from '../../src/modules/loyalty/ledger.ts';
import { issueCoupons } from '../../src/modules/loyalty/coupons.ts';

let t: TestApp;
let browser: Browser;
let base: string;
let cookie: string;
const shots = process.env.PATRON_SCREENSHOTS;

before(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: process.env.PATRON_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  cookie = await t.loginAs('manager', { username: 'rewards_manager' });
});
after(async () => {
  await browser?.close();
  await t.close();
});

async function login(username = 'rewards_manager'): Promise<Page> {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(20_000);
  await page.goto(base);
  const inputs = page.locator('input');
  await inputs.nth(0).fill(username);
  await inputs.nth(1).fill(TEST_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=nav]');
  return page;
}

test('at the till a coupon code is redeemed from the member panel, and the same code again shows why it is refused', async () => {
  const tpl = (await t.request('POST', '/api/coupons/templates', { cookie, body: { nameZh: '满200减30', nameEn: '¥30 off ¥200', kind: 'amount', amountOffFen: 3000, minSpendFen: 20000, validDays: 30 } })).json();
  const [c] = await createCustomers(t.db, 1, '李娜');
  const issued = await t.db.tx((tx) => issueCoupons(tx, tpl.id, [c!], { reason: 'test', ref: { type: 'test', id: 'b1' } }));
  const code = issued.issued[0]!.code;
  const page = await login();
  await page.goto(`${base}/loyalty/member?customerId=${c}`);
  await page.click('[data-testid=rewards-redeem-open]');
  await page.fill('[data-testid=redeem-code]', code.toLowerCase());
  await page.fill('[data-testid=redeem-amount]', '258');
  if (shots) await page.screenshot({ path: `${shots}/redeem-dialog.png` });
  await page.click('[data-testid=redeem-coupon-submit]');
  await page.waitForSelector('[data-testid=redeem-result]');
  assert.match((await page.textContent('[data-testid=redeem-result]'))!, /优惠 ¥30\.00/);
  await page.locator('[data-testid=redeem-result] button').click();
  await page.fill('[data-testid=redeem-code]', code);
  await page.fill('[data-testid=redeem-amount]', '258');
  await page.click('[data-testid=redeem-coupon-submit]');
  await page.waitForSelector('[data-testid=redeem-error]');
  assert.match((await page.textContent('[data-testid=redeem-error]'))!, /已使用/);
  await page.close();
});

test('a catalogue reward is exchanged for points from the dialog and the pages list templates, items and perks', async () => {
  const [c] = await createCustomers(t.db, 1, '陈静');
  await t.db.tx((tx) => bookPoints(tx, [{ customerId: c!, kind: 'adjust', points: 1000, reasonCode: 'CORRECTION', reason: 'test' }], { entryTierCode: 'regular' }));
  await t.request('POST', '/api/loyalty/catalogue', { cookie, body: { kind: 'gift', nameZh: '品牌保温杯', nameEn: 'Thermos cup', points: 600, stock: 5 } });
  const page = await login();
  await page.goto(`${base}/loyalty/member?customerId=${c}`);
  await page.click('[data-testid=rewards-redeem-open]');
  await page.getByRole('tab', { name: '积分兑换' }).click();
  await page.locator('.ant-modal .ant-radio-input').first().check();
  await page.click('[data-testid=redeem-item-submit]');
  await page.waitForSelector('[data-testid=redeem-result]');
  assert.match((await page.textContent('[data-testid=redeem-result]'))!, /剩余积分 400/);
  for (const [path, sel, text] of [['/loyalty/coupons', 'coupon-templates', /满200减30/], ['/loyalty/catalogue', 'catalogue-items', /品牌保温杯/], ['/loyalty/perks', 'referral-rate-card', /推荐率/]] as const) {
    await page.goto(`${base}${path}`);
    await page.waitForSelector(`[data-testid=${sel}]`);
    await page.waitForFunction(([s, re]) => new RegExp(re).test(document.querySelector(`[data-testid=${s}]`)?.textContent ?? ''), [sel, text.source] as const);
    if (shots) await page.screenshot({ path: `${shots}/${path.slice(1).replace(/\//g, '-')}.png`, fullPage: true });
  }
  await page.close();
});

/** Waits until the element's text matches, and returns it. */
async function textMatching(page: Page, selector: string, re: RegExp) {
  await page.waitForFunction(([s, src]) => new RegExp(src).test(document.querySelector(s)?.textContent ?? ''), [selector, re.source] as const);
  return (await page.textContent(selector))!;
}

async function couponTemplate(nameZh: string, body: Record<string, unknown>) {
  return (await t.request('POST', '/api/coupons/templates', { cookie, body: { nameZh, validDays: 30, ...body } })).json();
}

test('store staff see a member\'s coupons with their state on the till page and redeem an active one from its row', async () => {
  const amount = await couponTemplate('满100减20', { nameEn: '¥20 off ¥100', kind: 'amount', amountOffFen: 2000, minSpendFen: 10000 });
  const gift = await couponTemplate('精华小样', { kind: 'gift', giftName: '精华小样 7ml' });
  const [c] = await createCustomers(t.db, 1, '周敏');
  const active = (await t.db.tx((tx) => issueCoupons(tx, amount.id, [c!], { reason: 'test', ref: { type: 'test', id: 'till-a' } }))).issued[0]!.code;
  const voided = (await t.db.tx((tx) => issueCoupons(tx, gift.id, [c!], { reason: 'test', ref: { type: 'test', id: 'till-g' } }))).issued[0]!.code;
  assert.equal((await t.request('POST', `/api/coupons/${voided}/void`, { cookie, body: { reason: '重复发放' } })).statusCode, 200);
  await t.loginAs('store_staff', { username: 'till_staff' });
  const page = await login('till_staff');
  await page.goto(`${base}/loyalty/member?customerId=${c}`);
  assert.match(await textMatching(page, `[data-testid=coupon-row-${active}]`, /可用/), /满100减20.*¥20\.00 \/ ≥¥100\.00/);
  assert.match(await textMatching(page, `[data-testid=coupon-row-${voided}]`, /已作废/), /精华小样 7ml/);
  assert.equal(await page.locator(`[data-testid=coupon-redeem-${voided}]`).count(), 0, 'a voided coupon offers no redeem');
  await page.click(`[data-testid=coupon-redeem-${active}]`);
  await page.fill('[data-testid=coupon-redeem-amount]', '128');
  if (shots) await page.screenshot({ path: `${shots}/member-coupons-redeem.png`, fullPage: true });
  await page.click('[data-testid=coupon-redeem-submit]');
  assert.match(await textMatching(page, `[data-testid=coupon-row-${active}]`, /已使用/), /优惠 ¥20\.00/);
  const row = await t.db.query(`SELECT status, discount_fen FROM coupons WHERE code = $1`, [active]);
  assert.deepEqual([row.rows[0].status, row.rows[0].discount_fen], ['used', 2000]);
  await page.close();
});

test('a coupon that does not apply is refused in the redeem dialog with the reason and stays active', async () => {
  const tpl = await couponTemplate('满500减50', { kind: 'amount', amountOffFen: 5000, minSpendFen: 50000 });
  const [c] = await createCustomers(t.db, 1, '吴磊');
  const code = (await t.db.tx((tx) => issueCoupons(tx, tpl.id, [c!], { reason: 'test', ref: { type: 'test', id: 'min' } }))).issued[0]!.code;
  await t.loginAs('store_staff', { username: 'till_staff' });
  const page = await login('till_staff');
  await page.goto(`${base}/loyalty/member?customerId=${c}`);
  await page.click(`[data-testid=coupon-redeem-${code}]`);
  await page.fill('[data-testid=coupon-redeem-amount]', '100');
  await page.click('[data-testid=coupon-redeem-submit]');
  assert.match(await textMatching(page, '[data-testid=coupon-redeem-error]', /不适用/), /未达到最低消费/);
  const row = await t.db.query(`SELECT status FROM coupons WHERE code = $1`, [code]);
  assert.equal(row.rows[0].status, 'active');
  await page.close();
});

test('staff with loyalty.adjust void an active coupon with a reason, and an analyst sees the coupons without any action', async () => {
  const tpl = await couponTemplate('九折券', { kind: 'percent', percentOff: 10 });
  const [c] = await createCustomers(t.db, 1, '郑洁');
  const code = (await t.db.tx((tx) => issueCoupons(tx, tpl.id, [c!], { reason: 'test', ref: { type: 'test', id: 'void' } }))).issued[0]!.code;
  await t.loginAs('store_staff', { username: 'till_staff' });
  const page = await login('till_staff');
  await page.goto(`${base}/loyalty/member?customerId=${c}`);
  await page.click(`[data-testid=coupon-void-${code}]`);
  await page.fill('[data-testid=coupon-void-reason]', '顾客要求换券');
  await page.click('[data-testid=coupon-void-submit]');
  await textMatching(page, `[data-testid=coupon-row-${code}]`, /已作废/);
  const row = await t.db.query(`SELECT status, void_reason FROM coupons WHERE code = $1`, [code]);
  assert.deepEqual([row.rows[0].status, row.rows[0].void_reason], ['void', '顾客要求换券']);
  await page.close();

  const second = (await t.db.tx((tx) => issueCoupons(tx, tpl.id, [c!], { reason: 'test', ref: { type: 'test', id: 'void-2' } }))).issued[0]!.code;
  await t.loginAs('analyst', { username: 'rewards_analyst' });
  const ro = await login('rewards_analyst');
  await ro.goto(`${base}/loyalty/member?customerId=${c}`);
  // The active coupon's row has loaded, so a missing action is the role's doing, not a list still on its way.
  await textMatching(ro, `[data-testid=coupon-row-${second}]`, /可用/);
  assert.equal(await ro.locator('[data-testid^=coupon-redeem-], [data-testid^=coupon-void-]').count(), 0);
  await ro.close();
});

test('on the customer 360 loyalty tab the referral code shows, a wrong code is refused and the right one links the new member', async () => {
  const [referrer, newcomer] = await createCustomers(t.db, 2, '推荐');
  const page = await login();
  await page.goto(`${base}/customers/${referrer}`);
  await page.getByRole('tab', { name: '会员积分' }).click();
  const code = (await textMatching(page, '[data-testid=referral-code]', /^[2-9A-Z]{8}$/)).trim();
  await page.goto(`${base}/customers/${newcomer}`);
  await page.getByRole('tab', { name: '会员积分' }).click();
  await page.fill('[data-testid=referral-link-code]', 'ZZZZ2222');
  await page.click('[data-testid=referral-link-submit]');
  assert.match(await textMatching(page, '[data-testid=referral-link-error]', /推荐码/), /推荐码不存在/);
  await page.fill('[data-testid=referral-link-code]', code.toLowerCase());
  await page.click('[data-testid=referral-link-submit]');
  assert.match(await textMatching(page, '[data-testid=referred-by]', /会员 #/), new RegExp(`会员 #${referrer}.*待首单过退货期`));
  assert.equal(await page.locator('[data-testid=referral-link-code]').count(), 0, 'a referred member offers no second link');
  const link = await t.db.query(`SELECT referrer_id, status FROM loyalty_referrals WHERE customer_id = $1`, [newcomer]);
  assert.deepEqual([link.rows[0].referrer_id, link.rows[0].status], [referrer, 'pending']);

  await recordPurchases(t.db, [{ customerId: newcomer!, purchasedAt: new Date(Date.now() - 60 * 86_400_000), lines: [{ category: '护肤', amountFen: 30000 }] }]);
  await t.request('POST', '/api/loyalty/rewards-jobs/settle-referrals', { cookie, body: {} });
  await page.goto(`${base}/customers/${referrer}`);
  await page.getByRole('tab', { name: '会员积分' }).click();
  const referred = await textMatching(page, '[data-testid=referred-members]', /已奖励/);
  assert.match(referred, new RegExp(`会员 #${newcomer}`));
  if (shots) await page.screenshot({ path: `${shots}/member-referral.png`, fullPage: true });
  assert.match(referred, /200 积分/, "the programme's referral award, as booked to the referrer");
  const booked = await t.db.query(`SELECT points FROM loyalty_ledger WHERE customer_id = $1 AND ref_id = $2`, [referrer, `referral:${newcomer}`]);
  assert.equal(booked.rows[0].points, 200);
  await page.close();
});

test('a catalogue redemption cancelled from the member page refunds its points and restores the stock', async () => {
  const [c] = await createCustomers(t.db, 1, '孙悦');
  await t.db.tx((tx) => bookPoints(tx, [{ customerId: c!, kind: 'adjust', points: 1000, reasonCode: 'CORRECTION', reason: 'test' }], { entryTierCode: 'regular' }));
  const item = (await t.request('POST', '/api/loyalty/catalogue', { cookie, body: { kind: 'gift', nameZh: '帆布袋', nameEn: 'Tote bag', points: 300, stock: 4 } })).json();
  const red = (await t.request('POST', '/api/loyalty/redemptions', { cookie, body: { customerId: c, itemId: item.id, quantity: 2 }, headers: { 'idempotency-key': `tote-${c}` } })).json();
  const page = await login();
  await page.goto(`${base}/loyalty/member?customerId=${c}`);
  await textMatching(page, '[data-testid=loyalty-balance]', /^400$/);
  await page.click(`[data-testid=redemption-cancel-${red.redemptionId ?? red.id}]`);
  await page.fill('[data-testid=redemption-cancel-reason]', '顾客退回礼品');
  await page.click('[data-testid=redemption-cancel-submit]');
  await textMatching(page, '[data-testid=loyalty-balance]', /^1,000$/);
  if (shots) await page.screenshot({ path: `${shots}/member-redemptions.png`, fullPage: true });
  assert.match(await textMatching(page, `[data-testid=redemption-row-${red.redemptionId ?? red.id}]`, /已取消/), /帆布袋/);
  assert.equal(await page.locator(`[data-testid=redemption-cancel-${red.redemptionId ?? red.id}]`).count(), 0);
  const stock = await t.db.query(`SELECT stock FROM loyalty_catalogue_items WHERE id = $1`, [item.id]);
  assert.equal(stock.rows[0].stock, 4);
  await page.close();
});

test('a manager runs the perks job for a holiday from the perks page and the grants list shows who got it', async () => {
  const day = '2026-10-01';
  await t.request('POST', '/api/loyalty/perks/holidays', { cookie, body: { code: 'national-day', nameZh: '国庆节', nameEn: 'National Day', day, tierCodes: [], points: 88, templateId: null, active: true } });
  const page = await login();
  await page.goto(`${base}/loyalty/perks`);
  await page.click('[data-testid=rewards-jobs-day]');
  await page.keyboard.type(day);
  await page.keyboard.press('Enter');
  await page.click('[data-testid=rewards-jobs-perks]');
  const members = (await t.db.query(`SELECT count(*)::int AS n FROM customers WHERE status = 'active'`)).rows[0].n;
  assert.match(await textMatching(page, '[data-testid=rewards-jobs-result]', /国庆节/), new RegExp(`${day}：节日：国庆节 发放 ${members} 人，${members * 88} 积分`));
  assert.match(await textMatching(page, '[data-testid=perk-grants]', /国庆节/), new RegExp(`节日：国庆节2026${members}${members * 88}0`));
  await page.click('[data-testid=rewards-jobs-settle]');
  await textMatching(page, '[data-testid=rewards-jobs-result]', /已结算 \d+ 个推荐/);
  if (shots) await page.screenshot({ path: `${shots}/perks-runs.png`, fullPage: true });
  await page.close();
});

test('a manager issues a coupon template to a segment from the coupons page and every member gets one', async () => {
  const city = '绍兴';
  const members = (await t.db.query(`INSERT INTO customers (name, city) VALUES ('周婷', $1), ('吴磊', $1) RETURNING id`, [city])).rows.map((r) => Number(r.id));
  const seg = (await t.request('POST', '/api/segments', { cookie, body: { name: '绍兴会员', filter: { field: 'city', op: 'eq', value: city } } })).json();
  const tpl = (await t.request('POST', '/api/coupons/templates', { cookie, body: { nameZh: '绍兴会员日礼券', nameEn: 'Shaoxing member day', kind: 'gift', giftName: '试用装', validDays: 14 } })).json();
  const page = await login();
  await page.goto(`${base}/loyalty/coupons`);
  await page.click(`[data-testid=coupon-issue-${tpl.id}]`);
  await page.locator('[data-testid=coupon-issue-to] label', { hasText: '会员分群' }).click();
  await page.click('[data-testid=coupon-issue-segment]');
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '绍兴会员' }).click();
  await page.click('[data-testid=coupon-issue-submit]');
  await page.locator('.ant-message', { hasText: '分群 2 人：已发放 2 张' }).waitFor();
  const held = await t.db.query(`SELECT customer_id FROM coupons WHERE template_id = $1 ORDER BY customer_id`, [tpl.id]);
  assert.deepEqual(held.rows.map((r) => Number(r.customer_id)), members.sort((a, b) => a - b));
  assert.equal(seg.memberCount, 2);
  await page.close();
});
