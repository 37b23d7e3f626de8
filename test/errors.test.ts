import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, TEST_PASSWORD, type TestApp } from './support.ts';

let t: TestApp;
let admin: string;
before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
});
after(async () => t.close());

const storeCount = async () => (await t.db.query('SELECT count(*)::int AS n FROM stores')).rows[0].n;
const paths = (res: { json(): any }) => res.json().error.fields.map((f: any) => f.path);

test('malformed JSON is a 400 MALFORMED_JSON and writes nothing', async () => {
  const n = await storeCount();
  const r = await t.request('POST', '/api/stores', { cookie: admin, body: '{"code": "X1", "name": ', headers: { 'content-type': 'application/json' } });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.code, 'MALFORMED_JSON');
  assert.ok(r.json().requestId);
  assert.equal(await storeCount(), n);
});

test('wrong types, unknown fields and over-long strings are a 400 naming each field', async () => {
  const n = await storeCount();
  const r = await t.request('POST', '/api/stores', { cookie: admin, body: { code: 42, name: 'x'.repeat(101), colour: 'red' } });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.code, 'VALIDATION_FAILED');
  assert.deepEqual(paths(r).sort(), ['code', 'colour', 'name']);
  assert.equal(await storeCount(), n);
});

test('a missing body on a write is a 400, not a crash', async () => {
  const r = await t.request('POST', '/api/stores', { cookie: admin });
  assert.equal(r.statusCode, 400);
});

test('messages come in Chinese unless the caller prefers English', async () => {
  const zh = await t.request('POST', '/api/stores', { cookie: admin, body: { code: 'Z1' }, headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
  assert.equal(zh.statusCode, 400);
  assert.match(zh.json().error.message, /输入无效/);
  const en = await t.request('POST', '/api/stores', { cookie: admin, body: { code: 'Z1' } });
  assert.match(en.json().error.message, /Invalid input/);
});

test('a malformed or oversized id in the path is a 400, an unknown one a 404', async () => {
  assert.equal((await t.request('GET', '/api/stores/abc', { cookie: admin })).statusCode, 400);
  assert.equal((await t.request('GET', '/api/stores/99999999999999999999', { cookie: admin })).statusCode, 400);
  const missing = await t.request('GET', '/api/stores/424242', { cookie: admin });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'NOT_FOUND');
});

test('an unknown API route is a 404 ROUTE_NOT_FOUND', async () => {
  const r = await t.request('GET', '/api/no-such-thing', { cookie: admin });
  assert.equal(r.statusCode, 404);
  assert.equal(r.json().error.code, 'ROUTE_NOT_FOUND');
});

test('no session is a 401 UNAUTHENTICATED, an unknown session cookie a 401 SESSION_EXPIRED', async () => {
  const none = await t.request('GET', '/api/stores');
  assert.equal(none.statusCode, 401);
  assert.equal(none.json().error.code, 'UNAUTHENTICATED');
  const bogus = await t.request('GET', '/api/stores', { cookie: 'patron_session=not-a-real-token' });
  assert.equal(bogus.statusCode, 401);
  assert.equal(bogus.json().error.code, 'SESSION_EXPIRED');
});

test('an expired session is a 401 SESSION_EXPIRED', async () => {
  const cookie = await t.loginAs('analyst', { username: 'expiring_analyst' });
  await t.db.query(
    `UPDATE staff_sessions SET expires_at = now() - interval '1 second' WHERE staff_id = (SELECT id FROM staff_accounts WHERE username = 'expiring_analyst')`,
  );
  const r = await t.request('GET', '/api/home', { cookie });
  assert.equal(r.statusCode, 401);
  assert.equal(r.json().error.code, 'SESSION_EXPIRED');
});

test('a malformed API key is a 401 INVALID_API_KEY', async () => {
  for (const key of ['pk_nothex_zzz', `pk_${'a'.repeat(12)}_${'b'.repeat(32)}`, "pk_' OR 1=1 --"]) {
    const r = await t.request('GET', '/api/stores', { headers: { authorization: `Bearer ${key}` } });
    assert.equal(r.statusCode, 401, key);
    assert.equal(r.json().error.code, 'INVALID_API_KEY');
  }
});

test('a logged-in role without the permission gets a 403 FORBIDDEN and nothing is written', async () => {
  const analyst = await t.loginAs('analyst');
  const n = await storeCount();
  const r = await t.request('POST', '/api/stores', { cookie: analyst, body: { code: 'AN1', name: '分析师门店' } });
  assert.equal(r.statusCode, 403);
  assert.equal(r.json().error.code, 'FORBIDDEN');
  assert.equal(await storeCount(), n);
});

test('a duplicate store code is a 409 with a code', async () => {
  assert.equal((await t.request('POST', '/api/stores', { cookie: admin, body: { code: 'GZ001', name: '广州天河店', city: '广州' } })).statusCode, 201);
  const r = await t.request('POST', '/api/stores', { cookie: admin, body: { code: 'GZ001', name: '广州天河店二', city: '广州' } });
  assert.equal(r.statusCode, 409);
  assert.equal(r.json().error.code, 'STORE_CODE_TAKEN');
});

test('SQL and HTML injection in every text field is stored verbatim and harms nothing', async () => {
  const sql = "'; DROP TABLE stores; --";
  const html = '<script>alert("x")</script><img src=x>';
  const r = await t.request('POST', '/api/stores', {
    cookie: admin,
    body: { code: 'INJ-1', name: sql, city: html, region: `${sql}${html}`.slice(0, 50), address: `${html} ${sql}` },
  });
  assert.equal(r.statusCode, 201);
  const got = await t.request('GET', `/api/stores/${r.json().id}`, { cookie: admin });
  assert.equal(got.json().name, sql);
  assert.equal(got.json().city, html);
  assert.equal(got.json().address, `${html} ${sql}`);
  assert.ok((await storeCount()) > 0, 'the stores table is still there');
  const search = await t.request('GET', `/api/audit?entity=${encodeURIComponent(sql)}`, { cookie: admin });
  assert.equal(search.statusCode, 200);
  assert.deepEqual(search.json().items, []);
});

test('control characters in text are a 400', async () => {
  const r = await t.request('POST', '/api/stores', { cookie: admin, body: { code: 'CTL1', name: 'bad\u0000name' } });
  assert.equal(r.statusCode, 400);
  assert.deepEqual(paths(r), ['name']);
});

test('a thousand wrong passwords lock the account after five and never log it in', async () => {
  await t.loginAs('agent', { username: 'brute_forced' });
  const statuses = new Map<number, number>();
  for (let i = 0; i < 1000; i++) {
    const r = await t.request('POST', '/api/auth/login', { body: { username: 'brute_forced', password: `guess-${i}-x` } });
    statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
  }
  assert.deepEqual([...statuses.entries()].sort(), [[401, 5], [429, 995]]);
  const failed = await t.db.query(`SELECT failed_logins AS n FROM staff_accounts WHERE username = 'brute_forced'`);
  assert.equal(failed.rows[0].n, 5, 'guesses during the lock are refused before the password is even checked');
  const right = await t.request('POST', '/api/auth/login', { body: { username: 'brute_forced', password: TEST_PASSWORD } });
  assert.equal(right.statusCode, 429);
});

test('parallel wrong passwords are all counted, so they cannot slip past the lock', async () => {
  await t.loginAs('agent', { username: 'parallel_guesses' });
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) => t.request('POST', '/api/auth/login', { body: { username: 'parallel_guesses', password: `guess-${i}-y` } })),
  );
  assert.ok(results.every((r) => r.statusCode === 401 || r.statusCode === 429));
  const row = (await t.db.query(`SELECT failed_logins AS n, locked_until > now() AS locked FROM staff_accounts WHERE username = 'parallel_guesses'`)).rows[0];
  assert.equal(row.locked, true);
  assert.ok(row.n >= 5);
});

test('every response carries a request id, and a caller-chosen one is echoed', async () => {
  const r = await t.request('GET', '/health', { headers: { 'x-request-id': 'till-42.retry-1' } });
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['x-request-id'], 'till-42.retry-1');
  assert.equal(r.json().status, 'ok');
  const odd = await t.request('GET', '/health', { headers: { 'x-request-id': 'bad id with spaces' } });
  assert.notEqual(odd.headers['x-request-id'], 'bad id with spaces');
});

test('the OpenAPI document is served as JSON', async () => {
  const r = await t.request('GET', '/docs/json');
  assert.equal(r.statusCode, 200);
  assert.equal(r.json().info.title, 'Patron API');
  assert.ok(r.json().paths['/api/stores']);
});
