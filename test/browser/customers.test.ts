import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support.ts';

let t: TestApp;
let browser: Browser;
let page: Page;
let base: string;
let customerId: number;

before(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const admin = await t.loginAs('admin');
  await t.request('POST', '/api/customer-attributes', { cookie: admin, body: { key: 'skin_type', labelZh: '肤质', labelEn: 'Skin type', type: 'enum', allowedValues: ['干性', '油性', '混合'] } });
  customerId = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '王小明', mobile: '13812345678', tags: ['VIP'] } })).json().id;
  browser = await chromium.launch({ executablePath: process.env.PATRON_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  await ctx.addCookies([{ name: 'patron_session', value: admin.split('=')[1]!, url: base }]);
  await ctx.addInitScript(() => localStorage.setItem('patron.lang', 'zh'));
  page = await ctx.newPage();
});
after(async () => {
  await browser?.close();
  await t.close();
});

test('typing part of a name at the search box suggests the member, and picking it opens the 360 page', async () => {
  await page.goto(`${base}/customers`);
  await page.fill('[data-testid=customer-search]', '小明');
  await page.click(`[data-testid=suggestion-${customerId}]`);
  await page.waitForSelector('[data-testid=customer-name-title]');
  assert.equal(await page.textContent('[data-testid=customer-name-title]'), '王小明');
  assert.equal(await page.textContent('[data-testid=fig-orders]'), '0');
});

test('the new-customer drawer shows the server’s error on a bad mobile, then creates the customer', async () => {
  await page.goto(`${base}/customers`);
  await page.click('[data-testid=customer-new]');
  await page.fill('[data-testid=customer-name]', '赵敏');
  await page.fill('[data-testid=customer-mobile]', '12345');
  await page.click('[data-testid=customer-save]');
  await page.waitForSelector('text=不是有效的中国大陆手机号');
  await page.fill('[data-testid=customer-mobile]', '+86 139 0000 1234');
  await page.click('[data-testid=customer-save]');
  await page.waitForSelector('[data-testid=customer-name-title]');
  assert.equal(await page.textContent('[data-testid=customer-name-title]'), '赵敏');
  assert.equal(await page.textContent('[data-testid=customer-mobile-view]'), '13900001234');
});

test('switching SMS consent on records it in the history', async () => {
  await page.goto(`${base}/customers/${customerId}`);
  await page.getByRole('tab', { name: '授权' }).click();
  await page.click('[data-testid=consent-sms]');
  await page.waitForSelector('[data-testid=consent-history] tbody tr:has-text("短信")');
  const rows = await t.db.query(`SELECT channel, granted, source FROM customer_consents WHERE customer_id = $1`, [customerId]);
  assert.deepEqual(rows.rows, [{ channel: 'sms', granted: true, source: '门店' }]);
});
