import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { consentState, hasConsent } from './index.ts';

let t: TestApp;
let admin: string;
before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
});
after(async () => {
  await t.close();
});

let seq = 13600000000;
const newCustomer = async (name = '陈静') => (await t.request('POST', '/api/customers', { cookie: admin, body: { name, mobile: String(++seq) } })).json().id as number;
const record = (id: number, changes: unknown[], cookie = admin, headers?: Record<string, string>) =>
  t.request('POST', `/api/customers/${id}/consents`, { cookie, body: { changes }, headers });

test('grants and withdrawals are kept as history, and the current state is the latest per channel', async () => {
  const id = await newCustomer();
  assert.equal((await record(id, [{ channel: 'sms', granted: true, source: '门店', note: '收银台口头同意' }])).statusCode, 201);
  await record(id, [{ channel: 'email', granted: true, source: '官网' }]);
  const r = await record(id, [{ channel: 'sms', granted: false, source: '小程序' }]);
  const current = Object.fromEntries(r.json().current.map((c: any) => [c.channel, c.granted]));
  assert.deepEqual(current, { sms: false, email: true, phone: false, wechat: false });
  const all = (await t.request('GET', `/api/customers/${id}/consents`, { cookie: admin })).json();
  assert.deepEqual(all.history.map((h: any) => [h.channel, h.granted, h.source]), [['sms', false, '小程序'], ['email', true, '官网'], ['sms', true, '门店']]);
  assert.equal(all.history[2].note, '收银台口头同意');
  assert.equal(all.history[0].recordedBy, 'admin_all');
  assert.equal(all.history[0].recordedByKind, 'staff');
});

test('a channel never asked about is not granted', async () => {
  const id = await newCustomer();
  const state = await consentState(t.db, id);
  assert.ok(state.every((s) => s.granted === false && s.recordedAt === null));
});

test('hasConsent answers for many customers at once, on one channel', async () => {
  const [a, b, c] = [await newCustomer('甲'), await newCustomer('乙'), await newCustomer('丙')];
  await record(a, [{ channel: 'wechat', granted: true, source: '小程序' }]);
  await record(b, [{ channel: 'wechat', granted: true, source: '小程序' }]);
  await record(b, [{ channel: 'wechat', granted: false, source: '门店' }]);
  await record(c, [{ channel: 'sms', granted: true, source: '门店' }]);
  assert.deepEqual([...(await hasConsent(t.db, [a, b, c, 99999999], 'wechat'))], [a]);
  assert.deepEqual([...(await hasConsent(t.db, [], 'sms'))], []);
});

test('an integration records consent with its API key, and is named as the recorder', async () => {
  const id = await newCustomer();
  const key = (await t.request('POST', '/api/api-keys', { cookie: admin, body: { name: '官网注册', scopes: ['customers.write', 'customers.read'] } })).json().key;
  const r = await t.request('POST', `/api/customers/${id}/consents`, { headers: { authorization: `Bearer ${key}` }, body: { changes: [{ channel: 'email', granted: true, source: '官网' }] } });
  assert.equal(r.statusCode, 201, r.body);
  assert.equal(r.json().recorded[0].recordedByKind, 'api_key');
  assert.equal(r.json().recorded[0].recordedBy, '官网注册');
});

test('a retried consent with the same Idempotency-Key is recorded once', async () => {
  const id = await newCustomer();
  const change = [{ channel: 'phone', granted: true, source: '门店' }];
  await record(id, change, admin, { 'idempotency-key': 'consent-1' });
  const again = await record(id, change, admin, { 'idempotency-key': 'consent-1' });
  assert.equal(again.headers['idempotent-replayed'], 'true');
  const n = (await t.db.query('SELECT count(*)::int AS n FROM customer_consents WHERE customer_id = $1', [id])).rows[0].n;
  assert.equal(n, 1);
});

test('an unknown channel, a missing source or an empty list is a 400 naming the field', async () => {
  const id = await newCustomer();
  const bad = await record(id, [{ channel: 'fax', granted: true, source: '门店' }]);
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.fields[0].path, 'changes.0.channel');
  const noSource = await record(id, [{ channel: 'sms', granted: true }]);
  assert.equal(noSource.json().error.fields[0].path, 'changes.0.source');
  assert.equal((await record(id, [])).statusCode, 400);
});

test('consent for an unknown customer is 404, and a role without write access gets 403', async () => {
  assert.equal((await record(99999999, [{ channel: 'sms', granted: true, source: '门店' }])).statusCode, 404);
  const id = await newCustomer();
  const analyst = await t.loginAs('analyst');
  assert.equal((await record(id, [{ channel: 'sms', granted: true, source: '门店' }], analyst)).statusCode, 403);
});
