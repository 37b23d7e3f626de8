import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../support.ts';
import { screenshot } from './support.ts';

let t: TestApp;
let browser: Browser;
let page: Page;
let base: string;
let saleId: number;

before(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const admin = await t.loginAs('admin', { username: 'browser_admin' });
  await t.db.query(`INSERT INTO stores (code, name) VALUES ('SH001', '上海南京西路店')`);
  await t.db.query(`INSERT INTO customers (name, mobile) VALUES ('王芳', '13800138000')`);
  await t.request('PUT', '/api/products/bulk', { cookie: admin, body: { products: [{ sku: 'LIP-001', name: '丝绒口红', category: '彩妆', priceFen: 12900 }] } });
  const sale = await t.request('POST', '/api/purchases', {
    cookie: admin,
    body: { source: 'pos', externalId: 'B-1', mobile: '13800138000', storeCode: 'SH001', channel: 'store', purchasedAt: new Date(Date.now() - 3_600_000).toISOString(), lines: [{ sku: 'LIP-001', quantity: 2, unitPriceFen: 12900 }] },
  });
  saleId = sale.json().id;
  browser = await chromium.launch({ executablePath: process.env.PATRON_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ locale: 'en-US' });
  await page.goto(base);
  await page.locator('input').first().fill('browser_admin');
  await page.locator('input[type=password]').fill(TEST_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForSelector('text=Overview');
});
after(async () => {
  await browser?.close();
  await t.close();
});

test('staff open a purchase, record a return of one item and see the refundable amount drop', async () => {
  await page.goto(`${base}/sales/purchases`);
  await page.locator(`[data-testid=purchase-row-${saleId}]`).click();
  await assert.doesNotReject(page.locator('[data-testid=purchase-refundable]').filter({ hasText: '¥258.00' }).waitFor());
  await page.locator('[data-testid=return-qty-1]').fill('1');
  await page.locator('[data-testid=return-submit]').click();
  await page.locator('[data-testid=purchase-refundable]').filter({ hasText: '¥129.00' }).waitFor();
  const r = await t.db.query(`SELECT count(*)::int AS n, sum(paid_fen)::int AS refund FROM purchases WHERE kind = 'return' AND original_purchase_id = $1`, [saleId]);
  assert.deepEqual(r.rows[0], { n: 1, refund: -12900 });
});

test('the products page lists the catalogue and the target page shows the report in English', async () => {
  await page.goto(`${base}/sales/products`);
  await page.locator('[data-testid=products-table]').getByText('丝绒口红').waitFor();
  await page.goto(`${base}/sales/targets`);
  assert.equal(await page.locator('[data-testid=page-title]').textContent(), 'Sales vs target');
  await page.locator('[data-testid=targets-table]').getByText('上海南京西路店').waitFor();
});

test('an admin changes the return window on the sales settings page, and a return after it is refused', async () => {
  await page.goto(`${base}/sales/settings`);
  assert.equal(await page.locator('[data-testid=page-title]').textContent(), 'Sales settings');
  // The form fills in the stored window once it has loaded.
  await page.waitForFunction(() => (document.querySelector('[data-testid=return-window-days]') as HTMLInputElement | null)?.value === '15');
  await page.fill('[data-testid=return-window-days]', '0');
  await page.click('[data-testid=sales-settings-save]');
  await page.getByText('returns are accepted up to 0 days after the purchase').waitFor();
  await screenshot(page, 'sales-settings-en');
  const setting = await t.db.query(`SELECT value FROM settings WHERE key = 'sales.returnWindowDays'`);
  assert.equal(Number(setting.rows[0].value), 0);
  const admin = await t.loginAs('admin', { username: 'browser_admin' });
  const late = await t.request('POST', `/api/purchases/${saleId}/returns`, { cookie: admin, body: { source: 'pos', externalId: 'R-late', lines: [{ lineNo: 1, quantity: 1 }] } });
  assert.equal(late.json().error?.code, 'RETURN_WINDOW_CLOSED');
});

test('the sales settings page is not in the menu of store staff, and the API refuses their change', async () => {
  const staff = await t.loginAs('store_staff', { storeIds: [] });
  assert.equal((await t.request('PUT', '/api/sales/settings', { cookie: staff, body: { returnWindowDays: 30 } })).statusCode, 403);
  const p = await browser.newPage({ locale: 'en-US' });
  await p.context().addCookies([{ name: 'patron_session', value: staff.split('=')[1]!, url: base }]);
  await p.goto(`${base}/sales/purchases`);
  await p.getByRole('menuitem', { name: 'Sales vs target' }).waitFor();
  assert.equal(await p.getByRole('menuitem', { name: 'Sales settings' }).count(), 0);
  await p.goto(`${base}/sales/settings`);
  await p.locator('.ant-result-403').waitFor();
  assert.equal(await p.getByTestId('sales-settings-form').count(), 0);
  await p.close();
});
