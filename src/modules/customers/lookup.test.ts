import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';

let t: TestApp;
let cookie: string;
let id: number;
const MOBILE = '13655501234';
const CARD = 'LK-0001';
before(async () => {
  t = await startTestApp();
  cookie = await t.loginAs('manager');
  id = (await t.db.query(`INSERT INTO customers (name, mobile, card_no, email, birthday) VALUES ('柳岩', $1, $2, 'ly@example.com', '1990-03-04') RETURNING id`, [MOBILE, CARD])).rows[0].id;
});
after(async () => {
  await t.close();
});

const lookup = (query: string, as = cookie) => t.request('GET', `/api/customers/lookup?${query}`, { cookie: as });

test('a mobile given with +86 finds the member', async () => {
  const r = await lookup(`mobile=${encodeURIComponent(`+86${MOBILE}`)}`);
  assert.equal(r.statusCode, 200, r.body);
  assert.deepEqual([r.json().id, r.json().mobile, r.json().cardNo], [id, MOBILE, CARD]);
});

test('a mobile given with +86 and spaces finds the member', async () => {
  const r = await lookup(`mobile=${encodeURIComponent('+86 136 5550 1234')}`);
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().id, id);
});

test('a plain card number finds the member', async () => {
  const r = await lookup(`cardNo=${CARD}`);
  assert.equal(r.statusCode, 200, r.body);
  assert.deepEqual([r.json().id, r.json().name], [id, '柳岩']);
});

test('store staff find the member but see the mobile and e-mail masked', async () => {
  const r = await lookup(`cardNo=${CARD}`, await t.loginAs('store_staff'));
  assert.equal(r.statusCode, 200, r.body);
  assert.deepEqual([r.json().id, r.json().mobile, r.json().email], [id, '136****1234', 'l***@example.com']);
});

test('an unknown mobile or card is a 404, a malformed mobile or no key a 400', async () => {
  assert.equal((await lookup('mobile=13655509999')).statusCode, 404);
  assert.equal((await lookup('cardNo=NO-SUCH-CARD')).statusCode, 404);
  const bad = await lookup('mobile=12345');
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.fields[0].path, 'mobile');
  assert.equal((await lookup('')).statusCode, 400);
});
