import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support.ts';
import { screenshot } from './support.ts';

let t: TestApp;
let browser: Browser;
let page: Page;
let base: string;
let customerId: number;
let admin: string;
let storeId: number;
let businessId: number;

before(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  admin = await t.loginAs('admin');
  storeId = (await t.request('POST', '/api/stores', { cookie: admin, body: { code: 'SH01', name: '上海淮海路店', city: '上海' } })).json().id;
  await t.request('POST', '/api/customer-attributes', { cookie: admin, body: { key: 'skin_type', labelZh: '肤质', labelEn: 'Skin type', type: 'enum', allowedValues: ['干性', '油性', '混合'] } });
  customerId = (await t.request('POST', '/api/customers', {
    cookie: admin,
    body: {
      name: '王小明', mobile: '13812345678', tags: ['VIP'], gender: 'male', birthday: '1990-05-20', region: '华东', city: '上海', occupation: '设计师',
      incomeBand: '10k_20k', preferredStoreId: storeId, preferredChannel: 'wechat', source: '小程序', cardNo: 'SH-0001', notes: '喜欢玫瑰香型',
      attributes: { skin_type: '油性' },
    },
  })).json().id;
  businessId = (await t.request('POST', '/api/customers', {
    cookie: admin,
    body: { kind: 'business', name: '华联超市（徐汇店）', mobile: '13800002222', contacts: [{ name: '李经理', title: '采购经理', mobile: '13700001111', email: 'li@hualian.cn', isPrimary: true }] },
  })).json().id;
  browser = await chromium.launch({ executablePath: process.env.PATRON_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  await ctx.addCookies([{ name: 'patron_session', value: admin.split('=')[1]!, url: base }]);
  await ctx.addInitScript(() => localStorage.setItem('patron.lang', 'zh'));
  page = await ctx.newPage();
});

/** A page signed in as store staff of the one store: no customers.pii. */
async function storeStaffPage(): Promise<Page> {
  const staff = await t.loginAs('store_staff', { storeIds: [storeId] });
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  await ctx.addCookies([{ name: 'patron_session', value: staff.split('=')[1]!, url: base }]);
  await ctx.addInitScript(() => localStorage.setItem('patron.lang', 'zh'));
  return ctx.newPage();
}

async function pick(p: Page, testId: string, option: string) {
  await p.click(`[data-testid=${testId}]`);
  await p.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).click();
}
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

test('the 360 header shows the consent of every channel', async () => {
  await t.request('POST', `/api/customers/${customerId}/consents`, { cookie: admin, body: { changes: [{ channel: 'wechat', granted: true, source: '门店' }] } });
  await page.goto(`${base}/customers/${customerId}`);
  await page.waitForSelector('[data-testid=header-consents]');
  assert.equal(await page.textContent('[data-testid=header-consent-wechat]'), '微信：已同意');
  assert.equal(await page.textContent('[data-testid=header-consent-email]'), '邮件：未同意');
  assert.equal(await page.textContent('[data-testid=header-consent-phone]'), '电话：未同意');
  assert.match((await page.textContent('[data-testid=header-consent-sms]'))!, /^短信：/);
});

test('the overview shows the profile: personal details, preferred store by name, attributes by their label, notes', async () => {
  await page.goto(`${base}/customers/${customerId}`);
  await page.waitForSelector('[data-testid=profile-card]');
  await page.locator('[data-testid=profile-store]', { hasText: '上海淮海路店' }).waitFor();
  const text = async (id: string) => page.textContent(`[data-testid=${id}]`);
  assert.deepEqual(
    [await text('profile-gender'), await text('profile-birthday'), await text('profile-location'), await text('profile-occupation'), await text('profile-income'),
      await text('profile-channel'), await text('profile-source'), await text('profile-card-no'), await text('profile-tags'), await text('profile-notes')],
    ['男', '1990-05-20', '华东 · 上海', '设计师', '1万–2万', '微信', '小程序', 'SH-0001', 'VIP', '喜欢玫瑰香型'],
  );
  await page.locator('[data-testid=profile-card] .ant-descriptions-item', { hasText: '肤质' }).getByTestId('profile-attr-skin_type').waitFor();
  assert.equal(await text('profile-attr-skin_type'), '油性');
  await screenshot(page, 'customer-360-overview');
});

test('store staff without pii see masked mobiles in the header and the contacts', async () => {
  const p = await storeStaffPage();
  await p.goto(`${base}/customers/${businessId}`);
  await p.waitForSelector('[data-testid=profile-contacts]');
  assert.equal(await p.textContent('[data-testid=customer-mobile-view]'), '138****2222');
  const row = p.locator('[data-testid=profile-contacts] tbody tr', { hasText: '李经理' });
  assert.ok((await row.textContent())!.includes('137****1111'));
  assert.ok(!(await p.content()).includes('13700001111'), 'the full mobile is nowhere on the page');
  await screenshot(p, 'customer-360-business-masked');
  await p.context().close();
});

test('store staff without pii rename a business’s contact and add one; the stored mobile stays', async () => {
  const p = await storeStaffPage();
  await p.goto(`${base}/customers/${businessId}`);
  await p.getByRole('tab', { name: '资料' }).click();
  assert.equal(await p.inputValue('[data-testid=contact-0-mobile]'), '137****1111');
  assert.ok(await p.isDisabled('[data-testid=contact-0-mobile]'), 'a stored contact’s masked mobile cannot be edited');
  await p.fill('[data-testid=contact-0-name]', '李总');
  await p.click('[data-testid=contact-add]');
  await p.fill('[data-testid=contact-1-name]', '赵助理');
  await p.fill('[data-testid=contact-1-mobile]', '13700003333');
  await p.click('[data-testid=customer-save]');
  await p.waitForSelector('text=已保存');
  await p.getByRole('tab', { name: '概览' }).click();
  await p.locator('[data-testid=profile-contacts] tbody tr', { hasText: '赵助理' }).waitFor();
  const stored = await t.db.query(`SELECT name, mobile, email FROM customer_contacts WHERE customer_id = $1 ORDER BY is_primary DESC, id`, [businessId]);
  assert.deepEqual(stored.rows, [{ name: '李总', mobile: '13700001111', email: 'li@hualian.cn' }, { name: '赵助理', mobile: '13700003333', email: null }]);
  await p.context().close();
});

test('editing a customer on the profile tab saves the change and the overview shows it', async () => {
  await page.goto(`${base}/customers/${customerId}`);
  await page.getByRole('tab', { name: '资料' }).click();
  // The form fills in the stored record once it has loaded; typing before that would be overwritten.
  await page.waitForFunction(() => (document.querySelector('[data-testid=customer-form] input#city') as HTMLInputElement | null)?.value === '上海');
  await page.fill('[data-testid=customer-form] input#city', '杭州');
  await page.click('[data-testid=customer-save]');
  await page.getByRole('tab', { name: '概览' }).click();
  await page.locator('[data-testid=profile-location]', { hasText: '华东 · 杭州' }).waitFor();
  const row = await t.db.query(`SELECT city, mobile, version FROM customers WHERE id = $1`, [customerId]);
  assert.deepEqual(row.rows[0], { city: '杭州', mobile: '13812345678', version: 2 });
});

test('an attribute defined with allowed values on the attributes page appears in the new-customer form', async () => {
  await page.goto(`${base}/customers/attributes`);
  await page.click('[data-testid=attribute-new]');
  await page.fill('[data-testid=attribute-key]', 'hair_type');
  await page.fill('[data-testid=attribute-label-zh]', '发质');
  await page.fill('[data-testid=attribute-label-en]', 'Hair type');
  await pick(page, 'attribute-type', '选项');
  await page.click('[data-testid=attribute-values]');
  for (const v of ['干性', '油性', '受损']) {
    await page.keyboard.type(v);
    await page.keyboard.press('Enter');
  }
  await page.keyboard.press('Escape');
  await page.click('.ant-modal-footer .ant-btn-primary');
  await page.locator('[data-testid=attribute-table] tbody tr', { hasText: 'hair_type' }).waitFor();
  await page.goto(`${base}/customers`);
  await page.click('[data-testid=customer-new]');
  await page.click('[data-testid=attr-hair_type]');
  // The dropdown renders its options over a few frames (and again when the form's lists arrive): read them in the page, at once, when all are there.
  const options = await page.waitForFunction(() => {
    const texts = [...document.querySelectorAll('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')].map((e) => e.textContent);
    return texts.length >= 3 ? texts : null;
  });
  assert.deepEqual(await options.jsonValue(), ['干性', '油性', '受损']);
});

test('a new member registered with an unknown referral code is kept, and the corrected code links them', async () => {
  const referrer = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '老会员', mobile: '13900009999' } })).json().id;
  const code = (await t.request('GET', `/api/loyalty/members/${referrer}/referral`, { cookie: admin })).json().code;
  await page.goto(`${base}/customers`);
  await page.click('[data-testid=customer-new]');
  await page.fill('[data-testid=customer-name]', '新会员');
  await page.fill('[data-testid=customer-mobile]', '13900001111');
  await page.fill('[data-testid=customer-referral-code]', 'ZZZZ2222');
  await page.click('[data-testid=customer-save]');
  await page.waitForSelector('[data-testid=referral-not-linked]');
  await page.waitForSelector('text=推荐码不存在');
  await screenshot(page, 'customer-referral-not-linked');
  const made = await t.db.query(`SELECT id FROM customers WHERE mobile = '13900001111'`);
  assert.equal(made.rows.length, 1, 'the customer was created once');
  await page.fill('[data-testid=customer-referral-code]', code);
  await page.click('[data-testid=customer-save]');
  await page.waitForSelector('[data-testid=customer-name-title]');
  assert.equal(await page.textContent('[data-testid=customer-name-title]'), '新会员');
  assert.equal((await t.db.query(`SELECT count(*)::int AS n FROM customers WHERE mobile = '13900001111'`)).rows[0].n, 1, 'linking did not create it again');
  const link = await t.db.query(`SELECT referrer_id FROM loyalty_referrals WHERE customer_id = $1`, [made.rows[0].id]);
  assert.deepEqual(link.rows, [{ referrer_id: referrer }]);
});

test('the timeline labels points entries and marks the history of a record merged in', async () => {
  const manager = await t.loginAs('manager');
  const adjusted = await t.request('POST', `/api/loyalty/members/${customerId}/adjustments`, { cookie: manager, body: { points: 200, reasonCode: 'COMPLAINT', reason: '投诉补偿：商品破损' } });
  assert.equal(adjusted.statusCode, 201, adjusted.body);
  const merged = (await t.request('POST', '/api/customers', { cookie: admin, body: { name: '王小明', city: '苏州' } })).json();
  assert.equal((await t.request('POST', '/api/customers/merge', { cookie: admin, body: { survivorId: customerId, mergedIds: [merged.id] } })).statusCode, 201);
  await page.goto(`${base}/customers/${customerId}`);
  await page.getByRole('tab', { name: '动态' }).click();
  await page.waitForSelector('[data-testid=timeline-points]');
  const points = await page.locator('[data-testid=timeline-points]').allTextContents();
  assert.ok(points.includes('+200 积分 · 投诉补偿：商品破损'), points.join(' | '));
  const tags = await page.locator('[data-testid=timeline-event] .ant-tag').allTextContents();
  assert.ok(tags.includes('积分调整'), tags.join(','));
  assert.ok(tags.includes('合并客户'), tags.join(','));
  assert.equal(await page.textContent('[data-testid=timeline-merged-record]'), `于已合并的记录 #${merged.id}`);
});
