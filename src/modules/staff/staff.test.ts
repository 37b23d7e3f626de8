import { test, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb, startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/support.ts';
import type { Queryable } from '../../db/client.ts';
import { SYSTEM_ACTOR } from './permissions.ts';
import { API_KEY_CACHE_MS, API_KEY_REFRESH_MS, createApiKey, ensureFirstAdmin, lockMinutes, resolveApiKey } from './service.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => {
  await t.close();
});

test('lock-out grows from one minute after the fifth failure to at most an hour', () => {
  const table: [number, number][] = [[1, 0], [4, 0], [5, 1], [6, 2], [8, 8], [11, 60], [1000, 60]];
  for (const [failures, minutes] of table) assert.equal(lockMinutes(failures), minutes, `after ${failures} failures`);
});

test('a staff member logs in, sees who they are, and logs out', async () => {
  const cookie = await t.loginAs('marketer', { username: 'marketer_logout' });
  const me = await t.request('GET', '/api/auth/me', { cookie });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().staff.role, 'marketer');
  assert.ok(me.json().permissions.includes('segments.manage'));
  const out = await t.request('POST', '/api/auth/logout', { cookie });
  assert.equal(out.statusCode, 200);
  const after = await t.request('GET', '/api/auth/me', { cookie });
  assert.equal(after.statusCode, 401);
  assert.equal(after.json().error.code, 'SESSION_EXPIRED');
});

test('the session cookie is http-only and same-site strict', async () => {
  await t.loginAs('analyst');
  const res = await t.request('POST', '/api/auth/login', { body: { username: 'analyst_all', password: TEST_PASSWORD } });
  const cookie = String(res.headers['set-cookie']);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
});

test('repeated wrong passwords lock the account with 429 and write nothing else', async () => {
  await t.loginAs('agent', { username: 'locked_agent' });
  const codes: number[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await t.request('POST', '/api/auth/login', { body: { username: 'locked_agent', password: 'wrong-password-1' } });
    codes.push(r.statusCode);
  }
  assert.deepEqual(codes.slice(0, 5), [401, 401, 401, 401, 401]);
  assert.deepEqual(codes.slice(5), [429, 429, 429]);
  const right = await t.request('POST', '/api/auth/login', { body: { username: 'locked_agent', password: TEST_PASSWORD } });
  assert.equal(right.statusCode, 429, 'even the right password waits out the lock');
  assert.equal(right.json().error.code, 'ACCOUNT_LOCKED');
  assert.ok(Number(right.headers['retry-after']) > 0);
});

test('an unknown username gets the same answer as a wrong password', async () => {
  const r = await t.request('POST', '/api/auth/login', { body: { username: 'nobody', password: 'whatever-123' } });
  assert.equal(r.statusCode, 401);
  assert.equal(r.json().error.code, 'INVALID_CREDENTIALS');
});

test('an admin creates a store and a store-staff account scoped to it', async () => {
  const admin = await t.loginAs('admin');
  const store = await t.request('POST', '/api/stores', { cookie: admin, body: { code: 'SH001', name: '上海南京西路店', city: '上海', region: '华东' } });
  assert.equal(store.statusCode, 201);
  const staff = await t.request('POST', '/api/staff', {
    cookie: admin,
    body: { username: 'lina', displayName: '李娜', role: 'store_staff', storeIds: [store.json().id], password: 'Welcome2026x' },
  });
  assert.equal(staff.statusCode, 201);
  assert.deepEqual(staff.json().storeIds, [store.json().id]);
  assert.equal(staff.json().mustChangePassword, true);
  const dup = await t.request('POST', '/api/staff', { cookie: admin, body: { username: 'LINA', displayName: 'x', role: 'analyst', password: 'Welcome2026x' } });
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.json().error.code, 'USERNAME_TAKEN');
});

test('store staff must name a store, and an unknown store is a 400 naming storeIds', async () => {
  const admin = await t.loginAs('admin');
  const none = await t.request('POST', '/api/staff', { cookie: admin, body: { username: 'wang', displayName: '王芳', role: 'store_staff', password: 'Welcome2026x' } });
  assert.equal(none.statusCode, 400);
  assert.equal(none.json().error.fields[0].path, 'storeIds');
  const unknown = await t.request('POST', '/api/staff', { cookie: admin, body: { username: 'wang', displayName: '王芳', role: 'store_staff', storeIds: [999999], password: 'Welcome2026x' } });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.json().error.fields[0].path, 'storeIds');
});

test('a new account must change its password before doing anything else', async () => {
  const admin = await t.loginAs('admin');
  await t.request('POST', '/api/staff', { cookie: admin, body: { username: 'zhao', displayName: '赵敏', role: 'analyst', password: 'Welcome2026x' } });
  const login = await t.request('POST', '/api/auth/login', { body: { username: 'zhao', password: 'Welcome2026x' } });
  const cookie = String(login.headers['set-cookie']).split(';')[0];
  const blocked = await t.request('GET', '/api/home', { cookie });
  assert.equal(blocked.statusCode, 403);
  assert.equal(blocked.json().error.code, 'PASSWORD_CHANGE_REQUIRED');
  const weak = await t.request('POST', '/api/auth/password', { cookie, body: { currentPassword: 'Welcome2026x', newPassword: 'short' } });
  assert.equal(weak.statusCode, 400);
  assert.equal(weak.json().error.fields[0].path, 'newPassword');
  const changed = await t.request('POST', '/api/auth/password', { cookie, body: { currentPassword: 'Welcome2026x', newPassword: 'Better-pass-2026' } });
  assert.equal(changed.statusCode, 200);
  assert.equal((await t.request('GET', '/api/home', { cookie })).statusCode, 200);
});

test('roles without the permission get 403', async () => {
  const marketer = await t.loginAs('marketer');
  assert.equal((await t.request('GET', '/api/staff', { cookie: marketer })).statusCode, 403);
  assert.equal((await t.request('GET', '/api/audit', { cookie: marketer })).statusCode, 403);
  assert.equal((await t.request('POST', '/api/api-keys', { cookie: marketer, body: { name: 'x', scopes: ['sales.write'] } })).statusCode, 403);
});

test('an API key is shown once, works for its scopes only, and stops working when revoked', async () => {
  const admin = await t.loginAs('admin');
  const created = await t.request('POST', '/api/api-keys', { cookie: admin, body: { name: 'POS 收银系统', scopes: ['customers.read'] } });
  assert.equal(created.statusCode, 201);
  const { key, apiKey } = created.json();
  assert.match(key, /^pk_[0-9a-f]{12}_/);
  const listed = await t.request('GET', '/api/api-keys', { cookie: admin });
  assert.ok(!JSON.stringify(listed.json()).includes(key), 'the secret is never listed');
  const auth = { authorization: `Bearer ${key}` };
  assert.equal((await t.request('GET', '/api/stores', { headers: auth })).statusCode, 200);
  assert.equal((await t.request('GET', '/api/staff', { headers: auth })).statusCode, 403);
  const revoked = await t.request('DELETE', `/api/api-keys/${apiKey.id}`, { cookie: admin });
  assert.equal(revoked.statusCode, 200);
  const after = await t.request('GET', '/api/stores', { headers: auth });
  assert.equal(after.statusCode, 401);
  assert.equal(after.json().error.code, 'INVALID_API_KEY');
});

/** The test database, counting the statements sent through it. */
function counted(db: Queryable) {
  const sent: string[] = [];
  const q: Queryable = { query: (text, params) => (sent.push(text), db.query(text, params)), exec: (sql) => db.exec(sql) };
  return { q, sent };
}

test('tills that arrive together with an uncached API key share one lookup and one touch of the key', async () => {
  const { key } = await createApiKey(t.db, SYSTEM_ACTOR, { name: '并发收银', scopes: ['sales.write'], storeIds: [] });
  const { q, sent } = counted(t.db);
  const actors = await Promise.all(Array.from({ length: 50 }, () => resolveApiKey(q, key)));
  assert.ok(actors.every((a) => a?.name === '并发收银'));
  assert.equal(sent.filter((s) => s.includes('FROM api_keys')).length, 1);
  assert.equal(sent.filter((s) => s.includes('UPDATE api_keys')).length, 1);
});

test('in its last seconds a cached API key still answers at once while one lookup renews it', async () => {
  const { key } = await createApiKey(t.db, SYSTEM_ACTOR, { name: '续期收银', scopes: ['sales.write'], storeIds: [] });
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  try {
    await resolveApiKey(t.db, key);
    const { q, sent } = counted(t.db);
    mock.timers.tick(API_KEY_CACHE_MS - API_KEY_REFRESH_MS - 1);
    assert.equal((await resolveApiKey(q, key))?.name, '续期收银');
    assert.equal(sent.length, 0, 'a fresh entry asks nothing');
    mock.timers.tick(2);
    const answers = await Promise.all([resolveApiKey(q, key), resolveApiKey(q, key)]);
    assert.ok(answers.every((a) => a?.name === '续期收银'));
    assert.equal(sent.filter((s) => s.includes('FROM api_keys')).length, 1, 'one renewal for both');
    await new Promise((r) => setImmediate(r));
    mock.timers.tick(API_KEY_CACHE_MS - API_KEY_REFRESH_MS - 1);
    await resolveApiKey(q, key);
    assert.equal(sent.filter((s) => s.includes('FROM api_keys')).length, 1, 'the renewed entry lives on');
  } finally {
    mock.timers.reset();
  }
});

test('a key revoked while its lookup is in flight is not handed to requests that come after the revoke', async () => {
  const admin = await t.loginAs('admin');
  const created = await t.request('POST', '/api/api-keys', { cookie: admin, body: { name: '撤销中', scopes: ['customers.read'] } });
  const { key, apiKey } = created.json();
  const inFlight = resolveApiKey(t.db, key);
  assert.equal((await t.request('DELETE', `/api/api-keys/${apiKey.id}`, { cookie: admin })).statusCode, 200);
  assert.equal(await resolveApiKey(t.db, key), null);
  await inFlight;
  assert.equal(await resolveApiKey(t.db, key), null, 'the earlier lookup did not cache it');
});

test('an API key cannot be given staff-only scopes', async () => {
  const admin = await t.loginAs('admin');
  const r = await t.request('POST', '/api/api-keys', { cookie: admin, body: { name: 'bad', scopes: ['staff.manage'] } });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.fields[0].path, 'scopes');
});

test('changes land in the audit log, which an admin can filter', async () => {
  const admin = await t.loginAs('admin');
  await t.request('POST', '/api/stores', { cookie: admin, body: { code: 'BJ001', name: '北京三里屯店', city: '北京' } });
  const r = await t.request('GET', '/api/audit?entity=store&action=create', { cookie: admin });
  assert.equal(r.statusCode, 200);
  const entry = r.json().items.find((e: any) => e.details.code === 'BJ001');
  assert.ok(entry);
  assert.equal(entry.actorName, 'admin_all');
  assert.ok(entry.requestId);
});

test('the first admin is created when only other staff exist, and never twice', async () => {
  const db = await openTestDb();
  try {
    await db.query(`INSERT INTO staff_accounts (username, display_name, role, password_hash) VALUES ('manager.demo', '店长', 'manager', 'x')`);
    const first = await ensureFirstAdmin(db, undefined);
    assert.equal(first?.username, 'admin');
    assert.equal(first?.generated, true);
    assert.equal(await ensureFirstAdmin(db, undefined), null);
  } finally {
    await db.drop();
  }
});
