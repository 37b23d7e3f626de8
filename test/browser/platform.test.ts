import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureFirstAdmin } from '../../src/modules/staff/index.ts';
import { browserSkip, clickWhenReady, expect, login, screenshot, startBrowserApp, type BrowserApp } from './support.ts';

const skip = browserSkip();
let b: BrowserApp;
let first: { username: string; password: string };
const ROOT_PASSWORD = 'Root-pass-2026';

before(async () => {
  if (skip) return;
  b = await startBrowserApp();
  // With no password given, the first admin gets a one-time password that must be changed at first login.
  first = (await ensureFirstAdmin(b.db, undefined))!;
  await b.addStaff('root', 'admin', ROOT_PASSWORD);
});
after(async () => {
  if (b) await b.close();
});

const browserTest = (name: string, fn: () => Promise<void>) => test(name, { skip }, () => b.run(name, fn));

browserTest('the first admin must set a new password, then sees the home page with real counts', async () => {
  await b.db.query(`INSERT INTO stores (code, name, city, region) VALUES ('SH001', '上海南京西路店', '上海', '华东')`);
  const page = await b.newPage();
  await login(page, first.username, first.password);
  await expect(page.getByTestId('forced-password')).toBeVisible();
  assert.equal(await page.getByTestId('nav').count(), 0, 'nothing else is shown before the password is changed');
  await screenshot(page, 'forced-password-zh');

  await page.getByTestId('password-current').fill(first.password);
  await page.getByTestId('password-new').fill('short1');
  await page.getByTestId('password-confirm').fill('short1');
  await clickWhenReady(page, 'password-submit');
  await expect(page.getByText('至少需要 10 个字符')).toBeVisible();

  await page.getByTestId('password-new').fill('Better-pass-2026');
  await page.getByTestId('password-confirm').fill('Better-pass-2026');
  await clickWhenReady(page, 'password-submit');
  await expect(page.getByTestId('home-stores')).toHaveText('1');
  await expect(page.getByTestId('nav')).toBeVisible();
  await screenshot(page, 'home-zh');
});

browserTest('switching language turns the menu and title from Chinese to English and back, and survives a reload', async () => {
  const page = await b.newPage({ locale: 'zh-CN' });
  await login(page, 'root', ROOT_PASSWORD);
  const nav = page.getByTestId('nav');
  await expect(nav.getByText('首页')).toBeVisible();
  assert.equal(await page.title(), 'Patron 客户关系管理');

  await page.getByTestId('lang-switch').click();
  await expect(nav.getByText('Home')).toBeVisible();
  await expect(nav.getByText('Administration')).toBeVisible();
  assert.equal(await page.title(), 'Patron CRM');

  await page.reload();
  await expect(page.getByTestId('nav').getByText('Home')).toBeVisible();
  assert.equal(await page.title(), 'Patron CRM');
  await screenshot(page, 'home-en');

  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('nav').getByText('首页')).toBeVisible();
  await expect(page.getByTestId('nav').getByText('系统管理')).toBeVisible();
  assert.equal(await page.title(), 'Patron 客户关系管理');
});

browserTest('an admin creates a store-staff account and an API key, and the audit log lists both', async () => {
  await b.db.query(`INSERT INTO stores (code, name) VALUES ('GZ001', '广州天河店')`);
  const page = await b.newPage();
  await login(page, 'root', ROOT_PASSWORD);
  await expect(page.getByTestId('nav')).toBeVisible();

  await page.goto('/admin/stores');
  await page.getByTestId('store-create').click();
  await page.getByTestId('store-code').fill('GZ001');
  await page.getByTestId('store-name').fill('北京三里屯店');
  await page.getByTestId('store-city').fill('北京');
  await clickWhenReady(page, 'store-submit');
  await expect(page.getByTestId('store-form').getByText('该门店编码已存在')).toBeVisible();
  await page.getByTestId('store-code').fill('BJ001');
  await clickWhenReady(page, 'store-submit');
  await expect(page.getByTestId('store-row-BJ001')).toBeVisible();

  await page.goto('/admin/staff');
  await expect(page.getByTestId('staff-row-root')).toBeVisible();
  await page.getByTestId('staff-create').click();
  await page.getByTestId('staff-username').fill('root');
  await page.getByTestId('staff-display-name').fill('张伟');
  await page.getByTestId('staff-password').fill('Welcome-2026');
  await clickWhenReady(page, 'staff-submit');
  await expect(page.getByText('门店员工至少需要一个门店')).toBeVisible();

  await page.getByTestId('staff-stores').click();
  await page.locator('.ant-select-item-option').filter({ hasText: '北京三里屯店' }).click();
  await page.keyboard.press('Escape');
  await clickWhenReady(page, 'staff-submit');
  await expect(page.getByTestId('staff-form').getByText('该用户名已被使用')).toBeVisible();
  await screenshot(page, 'staff-create-error-zh');

  await page.getByTestId('staff-username').fill('zhang.wei');
  await clickWhenReady(page, 'staff-submit');
  await expect(page.getByTestId('staff-row-zhang.wei')).toBeVisible();
  const row = page.locator('tr', { has: page.getByTestId('staff-row-zhang.wei') });
  await expect(row.getByText('门店员工')).toBeVisible();
  await expect(row.getByText('北京三里屯店')).toBeVisible();
  await screenshot(page, 'staff-zh');

  await page.goto('/admin/api-keys');
  await page.getByTestId('apikey-create').click();
  await page.getByTestId('apikey-name').fill('POS 收银系统');
  await page.getByTestId('apikey-scope-customers.read').click();
  await clickWhenReady(page, 'apikey-submit');
  const key = await page.getByTestId('apikey-key').inputValue();
  assert.match(key, /^pk_[0-9a-f]{12}_/);
  await expect(page.getByTestId('apikey-key-warning')).toBeVisible();
  await screenshot(page, 'apikey-shown-zh');
  await page.getByTestId('apikey-key-close').click();
  await expect(page.getByTestId(`apikey-row-${key.slice(3, 15)}`)).toBeVisible();
  await page.getByTestId('apikey-key').waitFor({ state: 'detached' });
  assert.ok(!(await page.content()).includes(key), 'the key is not shown again');
  await page.getByTestId(`apikey-revoke-${key.slice(3, 15)}`).click();
  await page.getByTestId('apikey-revoke-confirm').click();
  await expect(page.locator('tr', { has: page.getByTestId(`apikey-row-${key.slice(3, 15)}`) }).getByText('已吊销')).toBeVisible();

  await page.goto('/admin/audit');
  await expect(page.getByTestId('audit-row-staff-create')).toBeVisible();
  await expect(page.getByTestId('audit-row-api_key-create')).toBeVisible();
  await expect(page.getByTestId('audit-row-api_key-revoke')).toBeVisible();
  await expect(page.getByTestId('audit-row-store-create')).toBeVisible();
  await page.locator('tr', { has: page.getByTestId('audit-row-api_key-create') }).locator('.ant-table-row-expand-icon').click();
  await expect(page.getByText('"POS 收银系统"')).toBeVisible();
  await screenshot(page, 'audit-zh');
});

browserTest('the audit log pages newest first with "load more" and filters by entity', async () => {
  await b.db.query(
    `INSERT INTO audit_log (actor_kind, actor_name, action, entity, entity_id, details)
     SELECT 'system', 'system', 'recalculate', 'segment', g::text, jsonb_build_object('n', g) FROM generate_series(1, 70) g`,
  );
  const page = await b.newPage({ locale: 'en-US' });
  await login(page, 'root', ROOT_PASSWORD);
  await page.getByTestId('nav').waitFor();
  await page.goto('/admin/audit');
  const rows = page.locator('[data-testid=audit-table] tr.ant-table-row');
  await expect(page.getByTestId('audit-load-more')).toBeVisible();
  assert.equal(await rows.count(), 50);

  await page.getByTestId('audit-load-more').click();
  await expect(page.getByTestId('audit-end')).toBeVisible();
  assert.ok((await rows.count()) > 70);

  await page.getByTestId('audit-entity').locator('input').fill('segment');
  await page.getByTestId('audit-search').click();
  await expect(page.getByTestId('audit-load-more')).toBeVisible();
  await page.getByTestId('audit-load-more').click();
  await expect(page.getByTestId('audit-end')).toBeVisible();
  assert.equal(await rows.count(), 70);
  assert.equal(await rows.nth(0).locator('td').nth(5).textContent(), '70', 'newest first');
  assert.equal(await rows.nth(69).locator('td').nth(5).textContent(), '1');
  await screenshot(page, 'audit-en');
});
