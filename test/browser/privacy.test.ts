import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { startTestApp, type TestApp } from '../support.ts';
import { refreshDuplicateCandidates } from '../../src/modules/customers/index.ts';

let t: TestApp;
let browser: Browser;
let base: string;

async function signedIn(role: 'manager' | 'marketer', lang: 'zh' | 'en'): Promise<BrowserContext> {
  const cookie = await t.loginAs(role);
  const eq = cookie.indexOf('=');
  const [name, value] = [cookie.slice(0, eq), cookie.slice(eq + 1)];
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: lang === 'zh' ? 'zh-CN' : 'en-US' });
  await ctx.addCookies([{ name, value, url: base }]);
  await ctx.addInitScript((l) => localStorage.setItem('patron.lang', l), lang);
  return ctx;
}

before(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  await t.close();
});

test('a manager compares a suspected pair, takes the other e-mail, and merges it from the duplicates page', async () => {
  const ids = (await t.db.query(
    `INSERT INTO customers (name, mobile, email, city) VALUES ('王芳', '13800138001', 'wf@example.com', '上海'), ('王芳', NULL, 'WF@example.com', '上海')
     RETURNING id`,
  )).rows.map((r) => r.id as number);
  await t.db.query(`INSERT INTO purchases (customer_id, channel, source, external_id, purchased_at, total_fen, paid_fen) VALUES ($1, 'store', 'pos', 'b-1', now(), 9900, 9900)`, [ids[0]]);
  await t.db.tx((tx) => refreshDuplicateCandidates(tx));
  const ctx = await signedIn('manager', 'zh');
  const page = await ctx.newPage();
  await page.goto(`${base}/customers/duplicates`);
  await page.getByText('邮箱相同（不区分大小写）').waitFor();
  await page.click(`[data-testid=dup-compare-${ids[0]}-${ids[1]}]`);
  await page.locator(`[data-testid=cmp-survivor-${ids[0]}]`).waitFor();
  assert.ok(await page.locator(`[data-testid=cmp-survivor-${ids[0]}]`).isChecked(), 'the record with purchases is kept by default');
  await page.click(`[data-testid=cmp-pick-email-${ids[1]}]`);
  await page.click('[data-testid=cmp-merge]');
  await page.click('[data-testid=cmp-merge-confirm]');
  await page.locator('[data-testid=cmp-merge]').waitFor({ state: 'detached' });
  const rows = (await t.db.query('SELECT id, status, email FROM customers WHERE id = ANY($1::bigint[]) ORDER BY id', [ids])).rows;
  assert.deepEqual(rows.map((r) => r.status), ['active', 'merged']);
  assert.equal(rows[0].email, 'WF@example.com');
  await ctx.close();
});

test('a marketer sees the export page in English with a masking warning and a download link of the chosen columns', async () => {
  const ctx = await signedIn('marketer', 'en');
  const page = await ctx.newPage();
  await page.goto(`${base}/customers/export`);
  await page.locator('[data-testid=exp-masked]').waitFor();
  await page.click('[data-testid=exp-col-email]');
  await page.fill('[data-testid=exp-city]', '上海');
  const href = await page.locator('[data-testid=exp-download]').getAttribute('href');
  const url = new URL(href!, base);
  assert.equal(url.searchParams.get('columns'), 'id,name,mobile,email,city,tags,registeredAt');
  assert.equal(url.searchParams.get('city'), '上海');
  const res = await ctx.request.get(url.toString());
  assert.equal(res.status(), 200);
  const text = await res.text();
  assert.ok(text.startsWith('\uFEFF'));
  assert.match(text, /Customer ID,Name,Mobile,E-mail,City,Tags,Registered at/);
  await ctx.close();
});
