import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../support.ts';
import { createCustomers, recordPurchases } from '../../src/modules/loyalty/fixtures.ts';

let t: TestApp;
let browser: Browser;
let base: string;
before(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: process.env.PATRON_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  await t.close();
});

/** A page signed in through the login form. */
async function login(username: string) {
  const page = await browser.newPage({ locale: 'zh-CN' });
  page.setDefaultTimeout(20_000);
  await page.goto(base);
  const inputs = page.locator('input');
  await inputs.nth(0).fill(username);
  await inputs.nth(1).fill(TEST_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=nav]');
  return page;
}

test('a manager pays with points and adjusts a balance from the member loyalty panel', async () => {
  await t.loginAs('manager', { username: 'loyalty_manager' });
  const [c] = await createCustomers(t.db, 1, '王芳');
  await recordPurchases(t.db, [{ customerId: c!, lines: [{ category: '护肤', amountFen: 168_000 }] }]);
  const page = await login('loyalty_manager');
  await page.goto(`${base}/loyalty/member?customerId=${c}`);
  await page.waitForSelector('[data-testid=loyalty-balance]');
  assert.equal(await page.textContent('[data-testid=loyalty-balance]'), '1,680');
  assert.equal(await page.textContent('[data-testid=loyalty-progress-text]'), '还差 ¥320 升级银卡');
  await page.click('[data-testid=loyalty-pay]');
  await page.locator('.ant-modal input').first().fill('80');
  await page.click('[data-testid=loyalty-submit]');
  await page.waitForFunction(() => document.querySelector('[data-testid=loyalty-balance]')?.textContent === '1,600');
  await page.click('[data-testid=loyalty-adjust]');
  await page.locator('.ant-modal input').first().fill('20');
  await page.fill('[data-testid=loyalty-reason-input]', '门店活动补发积分');
  await page.click('[data-testid=loyalty-submit]');
  await page.waitForFunction(() => document.querySelector('[data-testid=loyalty-balance]')?.textContent === '1,620');
  const r = await t.db.query(`SELECT kind, points FROM loyalty_ledger WHERE customer_id = $1 ORDER BY id`, [c]);
  assert.deepEqual(r.rows.map((x) => [x.kind, x.points]), [['earn', 1680], ['redeem', -80], ['adjust', 20]]);
  await page.close();
});

test('the programme page shows the tiers and refuses overlapping promotions with the reason', async () => {
  const page = await login('loyalty_manager');
  await page.goto(`${base}/loyalty/programme`);
  await page.waitForSelector('[data-testid=programme-tiers]');
  assert.match((await page.textContent('[data-testid=programme-tiers]'))!, /金卡/);
  await page.click('[data-testid=programme-edit]');
  for (const [code, from, to] of [['a', '2026-11-01', '2026-11-30'], ['b', '2026-11-15', '2026-12-15']]) {
    await page.click('[data-testid=programme-add-promotion]');
    const f = page.locator('[data-testid=programme-form] .ant-card').nth(2).locator('input.ant-input');
    const n = await f.count();
    await f.nth(n - 6).fill(code!);
    await f.nth(n - 5).fill(`促销${code}`);
    await f.nth(n - 4).fill(`Promo ${code}`);
    await f.nth(n - 3).fill(from!);
    await f.nth(n - 2).fill(to!);
  }
  await page.click('[data-testid=programme-save]');
  await page.waitForSelector('[data-testid=programme-errors]');
  assert.match((await page.textContent('[data-testid=programme-errors]'))!, /promotions\.1/);
  const v = await t.db.query(`SELECT count(*)::int AS n FROM loyalty_programme_versions`);
  assert.equal(v.rows[0].n, 1, 'nothing saved');
  await page.close();
});

test('the reports page shows the outstanding points and each month of issued, redeemed and expired points as the API reports them', async () => {
  const cookie = await t.loginAs('manager', { username: 'loyalty_manager' });
  const from = new Date(Date.now() - 335 * 86_400_000).toISOString().slice(0, 7);
  const api = (await t.request('GET', `/api/loyalty/reports?from=${from}-01&to=${new Date().toISOString().slice(0, 10)}`, { cookie })).json();
  const page = await login('loyalty_manager');
  await page.goto(`${base}/loyalty/reports`);
  await page.waitForSelector('[data-testid=report-outstanding]');
  assert.equal(await page.textContent('[data-testid=report-outstanding]'), api.outstanding.points.toLocaleString('en'));
  const month = api.months.at(-1);
  const row = page.locator('[data-testid=report-months] tbody tr', { hasText: month.month });
  const cells = await row.locator('td').allTextContents();
  assert.deepEqual(cells, [month.month, ...['issued', 'redeemed', 'expired', 'reversed', 'adjustedDown'].map((k) => String(month[k]))]);
  await page.waitForSelector('[data-testid=report-tier-chart] canvas');
  await page.close();
});
