import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { balances } from './ledger.ts';

let t: TestApp;
let admin: string;
before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
});
after(async () => {
  await t.close();
});

let seq = 0;
const nextMobile = () => `1371234${String(++seq).padStart(4, '0')}`;
const create = (body: Record<string, unknown>, headers: Record<string, string> = {}, cookie = admin) =>
  t.request('POST', '/api/customers', { cookie, body: { name: '林小美', ...body }, headers });
const awards = async (customerId: number) =>
  (await t.db.query(`SELECT kind, points, reason_code AS "reasonCode", ref_type AS "refType", ref_id AS "refId", actor_name AS "actorName", expires_at AS "expiresAt"
                       FROM loyalty_ledger WHERE customer_id = $1 ORDER BY id`, [customerId])).rows;
const ledgerCount = async () => (await t.db.query(`SELECT count(*)::int AS n FROM loyalty_ledger`)).rows[0].n;

test("a member created through the API earns the programme's sign-up points, booked by whoever created them", async () => {
  const staff = await t.loginAs('store_staff');
  const r = await create({ mobile: nextMobile() }, {}, staff);
  assert.equal(r.statusCode, 201, r.body);
  const rows = await awards(r.json().id);
  assert.equal(rows.length, 1);
  assert.deepEqual({ ...rows[0], expiresAt: undefined }, { kind: 'award', points: 100, reasonCode: 'SIGNUP', refType: 'award', refId: 'signup', actorName: 'store_staff_all', expiresAt: undefined });
  assert.ok(rows[0].expiresAt, 'sign-up points expire as the programme says');
  assert.deepEqual(await balances(t.db, r.json().id), { balance: 100, ledger: 100, lots: 100 });
});

test('a retried create with the same Idempotency-Key makes one member with one sign-up award', async () => {
  const body = { mobile: nextMobile() };
  const a = await create(body, { 'idempotency-key': 'signup-retry-1' });
  const b = await create(body, { 'idempotency-key': 'signup-retry-1' });
  assert.equal(a.statusCode, 201, a.body);
  assert.equal(b.json().id, a.json().id);
  assert.equal((await awards(a.json().id)).length, 1);
  assert.equal((await balances(t.db, a.json().id)).balance, 100);
});

test('awarding sign-up points by hand after the automatic award books nothing more', async () => {
  const id = (await create({ mobile: nextMobile() })).json().id;
  const again = await t.request('POST', `/api/loyalty/members/${id}/awards`, { cookie: admin, body: { kind: 'signup', reference: 'desk' } });
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.json().replayed, true);
  assert.equal((await awards(id)).length, 1);
});

test('a create refused as a duplicate mobile awards nothing', async () => {
  const mobile = nextMobile();
  assert.equal((await create({ mobile })).statusCode, 201);
  const before = await ledgerCount();
  const dup = await create({ mobile });
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.json().error.code, 'MOBILE_TAKEN');
  assert.equal(await ledgerCount(), before);
});

test('customers loaded by bulk import earn no sign-up points', async () => {
  const manager = await t.loginAs('manager');
  const mobile = nextMobile();
  const file = Buffer.from(`name,mobile\n批量会员,${mobile}\n`, 'utf8');
  const boundary = '----patronsignup';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="members.csv"\r\nContent-Type: text/csv\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const up = await t.request('POST', '/api/imports?kind=customers', { cookie: manager, body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  assert.equal(up.statusCode, 201, up.body);
  const start = await t.request('POST', `/api/imports/${up.json().id}/start`, { cookie: manager, body: { mapping: up.json().suggestedMapping, duplicatePolicy: 'merge' } });
  assert.equal(start.statusCode, 202, start.body);
  const made = (await t.db.query(`SELECT id FROM customers WHERE mobile = $1`, [mobile])).rows[0];
  assert.ok(made, 'the import created the customer');
  assert.deepEqual(await awards(made.id), []);
});

test('with no sign-up points in the programme, a new member gets no award and no account', async () => {
  const marketer = await t.loginAs('marketer');
  const p = (await t.request('GET', '/api/loyalty/programme', { cookie: marketer })).json().programme;
  p.awards.signup = 0;
  assert.equal((await t.request('POST', '/api/loyalty/programme/versions', { cookie: marketer, body: { programme: p } })).statusCode, 201);
  const id = (await create({ mobile: nextMobile() })).json().id;
  assert.deepEqual(await awards(id), []);
  assert.equal((await t.db.query(`SELECT count(*)::int AS n FROM loyalty_accounts WHERE customer_id = $1`, [id])).rows[0].n, 0);
});
