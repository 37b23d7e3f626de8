import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../support.ts';

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
