import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addCustomers, addPurchases, dayAfter } from '../../src/modules/analytics/fixtures.ts';
import { browserSkip, clickWhenReady, expect, login, screenshot, startBrowserApp, type BrowserApp } from './support.ts';

const skip = browserSkip();
let b: BrowserApp;
const PASSWORD = 'Scoring-pass-2026';

before(async () => {
  if (skip) return;
  b = await startBrowserApp();
  await b.addStaff('an_manager', 'manager', PASSWORD);
  await b.addStaff('an_analyst', 'analyst', PASSWORD);
  const today = new Date().toISOString().slice(0, 10);
  const ids = await addCustomers(b.db, 3, '林');
  await addPurchases(b.db, ids.flatMap((id, i) => [{ customerId: id, day: dayAfter(today, -20 - i), fen: 5000 }, { customerId: id, day: dayAfter(today, -200), fen: 8000 }]), 'an');
});
after(async () => {
  if (b) await b.close();
});

const browserTest = (name: string, fn: () => Promise<void>) => test(name, { skip }, () => b.run(name, fn));
const storedWindow = async () =>
  (await b.db.query(`SELECT value->'rfmWindowDays' AS w FROM settings WHERE key = 'analytics.scoring'`)).rows[0]?.w ?? null;

browserTest('a manager changes the RFM window on the analytics page, sees a bad value refused by the field, saves and runs scoring', async () => {
  const page = await b.newPage();
  await login(page, 'an_manager', PASSWORD);
  await expect(page.getByTestId('nav')).toBeVisible();
  await page.goto('/analytics');
  const card = page.getByTestId('an-scoring-settings');
  await expect(card.getByText('当前使用默认设置')).toBeVisible();
  const windowInput = page.getByTestId('an-ss-rfmWindowDays');
  assert.equal(await windowInput.inputValue(), '365');

  await windowInput.fill('20');
  await clickWhenReady(page, 'an-ss-save');
  await expect(card.getByText('必须是 30 到 1,095 之间的整数（天）')).toBeVisible();
  assert.equal(await storedWindow(), null, 'nothing saved');

  await windowInput.fill('180');
  await clickWhenReady(page, 'an-ss-save');
  await expect(page.getByTestId('an-ss-pending')).toBeVisible();
  assert.equal(await storedWindow(), 180);
  await screenshot(page, 'analytics-scoring-settings-zh');

  await clickWhenReady(page, 'an-ss-run');
  await expect(page.getByText('评分完成：3 位客户')).toBeVisible();
  await expect(page.getByTestId('an-scored')).toHaveText('3');
  const runs = await b.db.query(`SELECT status FROM scoring_runs`);
  assert.deepEqual(runs.rows.map((r) => r.status), ['succeeded']);
});

browserTest('an analyst sees the scoring settings in English but cannot change them', async () => {
  const page = await b.newPage({ locale: 'en-GB' });
  await login(page, 'an_analyst', PASSWORD);
  await expect(page.getByTestId('nav')).toBeVisible();
  await page.goto('/analytics');
  const card = page.getByTestId('an-scoring-settings');
  await expect(card.getByText('RFM window (days)')).toBeVisible();
  await expect(card.getByText(/^Last changed: /)).toBeVisible();
  assert.equal(await page.getByTestId('an-ss-rfmWindowDays').inputValue(), '180');
  assert.equal(await page.getByTestId('an-ss-rfmWindowDays').isDisabled(), true);
  assert.equal(await page.getByTestId('an-ss-save').count(), 0);
});
