import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support.ts';

let t: TestApp;
let browser: Browser;
let page: Page;
let base: string;

before(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const admin = await t.loginAs('admin');
  const def = await t.request('POST', '/api/customer-attributes', { cookie: admin, body: { key: 'skin_type', labelZh: '肤质', labelEn: 'Skin type', type: 'enum', allowedValues: ['干性', '油性', '混合'] } });
  assert.equal(def.statusCode, 201, def.body);
  const manager = await t.loginAs('manager');
  browser = await chromium.launch({ executablePath: process.env.PATRON_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const eq = manager.indexOf('=');
  await ctx.addCookies([{ name: manager.slice(0, eq), value: manager.slice(eq + 1), url: base }]);
  await ctx.addInitScript(() => localStorage.setItem('patron.lang', 'zh'));
  page = await ctx.newPage();
});
after(async () => {
  await browser?.close();
  await t.close();
});

test('a manager uploads a CSV, maps a column onto a defined attribute, runs the import and downloads the rejected rows', async () => {
  const csv = '姓名,手机,皮肤\n林小雨,13700001111,油性\n陈大山,13700002222,混合\n黄小米,13700003333,超级油\n';
  await page.goto(`${base}/customers/import`);
  await page.setInputFiles('[data-testid=import-dropzone] input[type=file]', { name: '会员.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.waitForSelector('[data-testid=import-preview]');
  assert.ok(await page.locator('[data-testid=import-preview]').getByText('林小雨').isVisible(), 'the first rows are previewed');
  await page.click('[data-testid=mapping-2]');
  await page.keyboard.type('肤质');
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '自定义属性：肤质' }).click();
  await page.click('[data-testid=import-start]');
  await page.waitForSelector('[data-testid=import-progress] .ant-tag:has-text("已完成")');
  assert.equal(await page.textContent('[data-testid=import-rowsRead]'), '3');
  assert.equal(await page.textContent('[data-testid=import-created]'), '2');
  assert.equal(await page.textContent('[data-testid=import-rejected]'), '1');
  assert.equal(await page.getAttribute('[data-testid=import-percent]', 'aria-valuenow'), '100');
  const stored = (await t.db.query(`SELECT name, attributes FROM customers WHERE mobile = ANY($1) ORDER BY mobile`, [['13700001111', '13700002222', '13700003333']])).rows;
  assert.deepEqual(stored, [{ name: '林小雨', attributes: { skin_type: '油性' } }, { name: '陈大山', attributes: { skin_type: '混合' } }]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=import-progress] [data-testid=report-rejected-csv]')]);
  const report = await readFile((await download.path())!, 'utf8');
  const lines = report.replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /^4,拒绝 \/ rejected,,attributes\.skin_type,"肤质必须是以下之一：干性、油性、混合 \/ attributes\.skin_type must be one of: 干性, 油性, 混合",黄小米,13700003333,超级油$/);
  const created = (await t.db.query(`SELECT id FROM customers WHERE mobile = '13700001111'`)).rows[0].id;
  await page.goto(`${base}/customers/${created}`);
  await page.getByRole('tab', { name: '动态' }).click();
  await page.waitForSelector('[data-testid=timeline-import]');
  assert.equal(await page.textContent('[data-testid=timeline-import]'), `文件 会员.csv 第 2 行（导入 #${(await t.db.query(`SELECT max(id) AS id FROM imports`)).rows[0].id}）`);
  assert.ok((await page.locator('[data-testid=timeline-event] .ant-tag').allTextContents()).includes('导入创建'));
});
