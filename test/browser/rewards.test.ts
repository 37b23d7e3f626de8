import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../support.ts';
import { createCustomers } from '../../src/modules/loyalty/fixtures.ts';
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

async function login(): Promise<Page> {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(20_000);
  await page.goto(base);
  const inputs = page.locator('input');
  await inputs.nth(0).fill('rewards_manager');
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
