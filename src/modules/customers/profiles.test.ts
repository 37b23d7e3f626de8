import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';

let t: TestApp;
let admin: string;
let storeId: number;
before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
  storeId = (await t.request('POST', '/api/stores', { cookie: admin, body: { code: 'SH01', name: '上海淮海路店', city: '上海' } })).json().id;
  await t.request('POST', '/api/customer-attributes', {
    cookie: admin,
    body: { key: 'skin_type', labelZh: '肤质', labelEn: 'Skin type', type: 'enum', allowedValues: ['干性', '油性', '混合', '敏感', '中性'] },
  });
});
after(async () => {
  await t.close();
});

let mobileSeq = 13900000000;
const nextMobile = () => String(++mobileSeq);
const create = (body: Record<string, unknown>, cookie = admin, headers?: Record<string, string>) =>
  t.request('POST', '/api/customers', { cookie, body: { name: '王小明', ...body }, headers });

test('a customer is created with a +86 mobile stored as 11 digits, a lower-case e-mail and a generated card number', async () => {
  const r = await create({ mobile: '+86 139 1111 2222', email: ' Wang.XM@Example.COM ', gender: 'male', birthday: '1990-05-20', city: '上海', preferredStoreId: storeId, tags: ['VIP', 'VIP', '敏感肌'] });
  assert.equal(r.statusCode, 201);
  const c = r.json();
  assert.equal(c.mobile, '13911112222');
  assert.equal(c.email, 'wang.xm@example.com');
  assert.match(c.cardNo, /^PT\d{10}$/);
  assert.deepEqual(c.tags, ['VIP', '敏感肌']);
  assert.equal(c.version, 1);
});

test('a card number given by hand is kept, and a second customer with it gets 409 CARD_TAKEN', async () => {
  const a = await create({ cardNo: 'SH-0001' });
  assert.equal(a.json().cardNo, 'SH-0001');
  const b = await create({ cardNo: 'SH-0001' });
  assert.equal(b.statusCode, 409);
  assert.equal(b.json().error.code, 'CARD_TAKEN');
});

const badInputs: [string, Record<string, unknown>, string][] = [
  ['a landline', { mobile: '021-6234 5678' }, 'mobile'],
  ['a mobile of 10 digits', { mobile: '1381234567' }, 'mobile'],
  ['a mobile starting 12', { mobile: '12812345678' }, 'mobile'],
  ['an e-mail without a domain', { email: 'wang@' }, 'email'],
  ['a birthday in the future', { birthday: '2999-01-01' }, 'birthday'],
  ['a birthday before 1900', { birthday: '1899-12-31' }, 'birthday'],
  ['a birthday that is no date', { birthday: '1990-02-30' }, 'birthday'],
  ['an unknown attribute key', { attributes: { shoe_size: '38' } }, 'attributes.shoe_size'],
  ['an attribute value not in the list', { attributes: { skin_type: '超级油' } }, 'attributes.skin_type'],
  ['a name of 101 characters', { name: '王'.repeat(101) }, 'name'],
  ['an empty name', { name: '   ' }, 'name'],
  ['notes over 2,000 characters', { notes: 'x'.repeat(2001) }, 'notes'],
  ['an unknown field', { nickname: '小明' }, 'nickname'],
  ['an unknown gender', { gender: 'unknown' }, 'gender'],
  ['a store that does not exist', { preferredStoreId: 999999 }, 'preferredStoreId'],
  ['contacts on a person', { contacts: [{ name: '李经理' }] }, 'contacts'],
  ['a card number in the generated range', { cardNo: 'PT0000000001' }, 'cardNo'],
  ['an income band not in the list', { incomeBand: '很多' }, 'incomeBand'],
  ['a preferred channel not in the list', { preferredChannel: 'fax' }, 'preferredChannel'],
];
for (const [what, body, field] of badInputs) {
  test(`${what} is a 400 naming ${field}`, async () => {
    const r = await create(body);
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().error.code, 'VALIDATION_FAILED');
    assert.ok(r.json().error.fields.some((f: any) => f.path === field), JSON.stringify(r.json().error.fields));
  });
}

test('several bad fields are all named in one answer', async () => {
  const r = await create({ mobile: '123', email: 'x', birthday: '2999-01-01' });
  assert.deepEqual(r.json().error.fields.map((f: any) => f.path).sort(), ['birthday', 'email', 'mobile']);
});

test('HTML and SQL typed into a name and notes are stored verbatim and harm nothing', async () => {
  const name = `<img src=x onerror=alert(1)>'; DROP TABLE customers; --`;
  const r = await create({ name, notes: `Robert'); DELETE FROM audit_log;--` });
  assert.equal(r.statusCode, 201);
  const back = await t.request('GET', `/api/customers/${r.json().id}`, { cookie: admin });
  assert.equal(back.json().name, name);
  const count = await t.db.query('SELECT count(*)::int AS n FROM customers');
  assert.ok(count.rows[0].n > 0);
});

test('a second active customer with the same mobile gets 409 MOBILE_TAKEN naming the existing id only to roles with pii', async () => {
  const mobile = nextMobile();
  const first = (await create({ mobile })).json();
  const dup = await create({ mobile: `+86${mobile}` });
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.json().error.code, 'MOBILE_TAKEN');
  assert.equal(dup.json().error.existingCustomerId, first.id);
  const staff = await t.loginAs('store_staff', { storeIds: [storeId] });
  const hidden = await create({ mobile }, staff);
  assert.equal(hidden.statusCode, 409);
  assert.equal(hidden.json().error.existingCustomerId, undefined);
});

test('an edit with the version loaded succeeds and bumps it; an edit with an old version gets 409 STALE_VERSION', async () => {
  const c = (await create({ mobile: nextMobile() })).json();
  const ok = await t.request('PATCH', `/api/customers/${c.id}`, { cookie: admin, body: { version: 1, city: '杭州', attributes: { skin_type: '油性' } } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().version, 2);
  assert.equal(ok.json().city, '杭州');
  assert.deepEqual(ok.json().attributes, { skin_type: '油性' });
  const stale = await t.request('PATCH', `/api/customers/${c.id}`, { cookie: admin, body: { version: 1, city: '苏州' } });
  assert.equal(stale.statusCode, 409);
  assert.equal(stale.json().error.code, 'STALE_VERSION');
  assert.equal(stale.json().error.currentVersion, 2);
});

test('an attribute set to null is removed, the others stay', async () => {
  await t.request('POST', '/api/customer-attributes', { cookie: admin, body: { key: 'hobby', labelZh: '爱好', labelEn: 'Hobby', type: 'text' } });
  const c = (await create({ attributes: { skin_type: '干性', hobby: '瑜伽' } })).json();
  const r = await t.request('PATCH', `/api/customers/${c.id}`, { cookie: admin, body: { version: 1, attributes: { skin_type: null } } });
  assert.deepEqual(r.json().attributes, { hobby: '瑜伽' });
});

test('an edit to another customer’s mobile gets 409 MOBILE_TAKEN', async () => {
  const mobile = nextMobile();
  await create({ mobile });
  const other = (await create({ mobile: nextMobile() })).json();
  const r = await t.request('PATCH', `/api/customers/${other.id}`, { cookie: admin, body: { version: 1, mobile } });
  assert.equal(r.statusCode, 409);
  assert.equal(r.json().error.code, 'MOBILE_TAKEN');
});

test('an edit of an unknown customer is 404', async () => {
  const r = await t.request('PATCH', '/api/customers/99999999', { cookie: admin, body: { version: 1, city: '北京' } });
  assert.equal(r.statusCode, 404);
});

test('a business customer keeps its contact people, one of them primary', async () => {
  const r = await create({
    kind: 'business', name: '华联超市（徐汇店）',
    contacts: [{ name: '李经理', title: '采购经理', mobile: '0086 137 0000 1111', email: 'LI@hualian.cn', isPrimary: true }, { name: '赵会计', title: '财务' }],
  });
  assert.equal(r.statusCode, 201, r.body);
  assert.equal(r.json().contacts.length, 2);
  assert.equal(r.json().contacts[0].mobile, '13700001111');
  assert.equal(r.json().contacts[0].email, 'li@hualian.cn');
  const two = await create({ kind: 'business', name: '全家便利店', contacts: [{ name: 'A', isPrimary: true }, { name: 'B', isPrimary: true }] });
  assert.equal(two.statusCode, 400);
  assert.equal(two.json().error.fields[0].path, 'contacts');
  const changed = await t.request('PATCH', `/api/customers/${r.json().id}`, { cookie: admin, body: { version: 1, contacts: [{ name: '周店长', isPrimary: true }] } });
  assert.deepEqual(changed.json().contacts.map((c: any) => c.name), ['周店长']);
});

test('store staff without pii rename a contact by its id and the stored mobile and e-mail stay', async () => {
  const c = (await create({ kind: 'business', name: '联华超市（静安店）', contacts: [{ name: '钱经理', mobile: '13700002222', email: 'qian@lianhua.cn', isPrimary: true }] })).json();
  const staff = await t.loginAs('store_staff', { storeIds: [storeId] });
  const seen = (await t.request('GET', `/api/customers/${c.id}`, { cookie: staff })).json().contacts[0];
  assert.equal(seen.mobile, '137****2222');
  const r = await t.request('PATCH', `/api/customers/${c.id}`, {
    cookie: staff, body: { version: c.version, contacts: [{ id: seen.id, name: '钱总', isPrimary: true }, { name: '孙助理', mobile: '13700003333' }] },
  });
  assert.equal(r.statusCode, 200, r.body);
  const stored = (await t.db.query(`SELECT name, mobile, email FROM customer_contacts WHERE customer_id = $1 ORDER BY is_primary DESC, id`, [c.id])).rows;
  assert.deepEqual(stored, [{ name: '钱总', mobile: '13700002222', email: 'qian@lianhua.cn' }, { name: '孙助理', mobile: '13700003333', email: null }]);
});

test('a contact id that is not one of the customer’s contacts is a 400 naming it, and nothing changes', async () => {
  const c = (await create({ kind: 'business', name: '世纪联华', contacts: [{ name: '周经理', mobile: '13700004444' }] })).json();
  const r = await t.request('PATCH', `/api/customers/${c.id}`, { cookie: admin, body: { version: c.version, contacts: [{ id: 99999999, name: '冒名' }] } });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.fields[0].path, 'contacts.0.id');
  const stored = (await t.db.query(`SELECT name, mobile FROM customer_contacts WHERE customer_id = $1`, [c.id])).rows;
  assert.deepEqual(stored, [{ name: '周经理', mobile: '13700004444' }]);
});

test('a new customer’s contacts cannot name an id', async () => {
  const r = await create({ kind: 'business', name: '农工商超市', contacts: [{ id: 1, name: '吴经理' }] });
  assert.equal(r.statusCode, 400);
});

test('roles without pii see masked mobile, e-mail and birthday in the record and the list', async () => {
  const mobile = nextMobile();
  const c = (await create({ mobile, email: 'mask.me@example.com', birthday: '1988-03-08', city: '宁波' })).json();
  const analyst = await t.loginAs('analyst');
  const one = (await t.request('GET', `/api/customers/${c.id}`, { cookie: analyst })).json();
  assert.equal(one.mobile, `${mobile.slice(0, 3)}****${mobile.slice(-4)}`);
  assert.equal(one.email, 'm***@example.com');
  assert.equal(one.birthday, '****-03-08');
  const list = (await t.request('GET', '/api/customers?city=宁波', { cookie: analyst })).json();
  assert.equal(list.items[0].mobile, one.mobile);
  const full = (await t.request('GET', `/api/customers/${c.id}`, { cookie: admin })).json();
  assert.equal(full.mobile, mobile);
  assert.equal(full.birthday, '1988-03-08');
});

test('every read of the full record is audited, and edits log the changed fields but not personal values', async () => {
  const mobile = nextMobile();
  const c = (await create({ mobile })).json();
  const agent = await t.loginAs('agent');
  await t.request('GET', `/api/customers/${c.id}`, { cookie: agent });
  await t.request('PATCH', `/api/customers/${c.id}`, { cookie: admin, body: { version: 1, mobile: nextMobile(), notes: '喜欢玫瑰香型' } });
  const rows = (await t.db.query(`SELECT action, actor_name, details FROM audit_log WHERE customer_id = $1 ORDER BY id`, [c.id])).rows;
  assert.deepEqual(rows.map((r) => r.action), ['create', 'read', 'update']);
  assert.equal(rows[1].actor_name, 'agent_all');
  assert.deepEqual(rows[2].details.changed.sort(), ['mobile', 'notes']);
  assert.ok(!JSON.stringify(rows).includes(mobile) && !JSON.stringify(rows).includes('玫瑰'), 'no personal values in the audit log');
});

test('a retried create with the same Idempotency-Key makes one customer', async () => {
  const body = { mobile: nextMobile() };
  const a = await create(body, admin, { 'idempotency-key': 'create-wxm-1' });
  const b = await create(body, admin, { 'idempotency-key': 'create-wxm-1' });
  assert.equal(a.statusCode, 201);
  assert.equal(b.statusCode, 201);
  assert.equal(b.headers['idempotent-replayed'], 'true');
  assert.equal(a.json().id, b.json().id);
});

test('the list filters by city, tag, store, kind and creation time, and pages by id', async () => {
  for (let i = 0; i < 3; i++) await create({ name: `苏州会员${i}`, city: '苏州', tags: ['新客'], preferredStoreId: storeId });
  await create({ kind: 'business', name: '苏州礼品店', city: '苏州' });
  const page1 = (await t.request('GET', '/api/customers?city=苏州&tag=新客&limit=2', { cookie: admin })).json();
  assert.equal(page1.total, 3);
  assert.equal(page1.items.length, 2);
  const page2 = (await t.request('GET', `/api/customers?city=苏州&tag=新客&limit=2&beforeId=${page1.nextBeforeId}`, { cookie: admin })).json();
  assert.equal(page2.items.length, 1);
  assert.equal(page2.nextBeforeId, null);
  const biz = (await t.request('GET', '/api/customers?city=苏州&kind=business', { cookie: admin })).json();
  assert.deepEqual(biz.items.map((c: any) => c.name), ['苏州礼品店']);
  const byStore = (await t.request(`GET`, `/api/customers?storeId=${storeId}&city=苏州`, { cookie: admin })).json();
  assert.equal(byStore.total, 3);
  const future = (await t.request('GET', '/api/customers?city=苏州&createdFrom=2999-01-01', { cookie: admin })).json();
  assert.equal(future.total, 0);
});

test('store staff can create and edit customers but not define attributes; analysts cannot edit', async () => {
  const staff = await t.loginAs('store_staff', { storeIds: [storeId] });
  assert.equal((await create({ name: '刘洋' }, staff)).statusCode, 201);
  const def = await t.request('POST', '/api/customer-attributes', { cookie: staff, body: { key: 'x', labelZh: 'x', labelEn: 'x', type: 'text' } });
  assert.equal(def.statusCode, 403);
  const analyst = await t.loginAs('analyst');
  assert.equal((await create({ name: '刘洋' }, analyst)).statusCode, 403);
});

test('an admin defines attributes: an enum needs values, keys are unique, values can be changed and retired', async () => {
  const noValues = await t.request('POST', '/api/customer-attributes', { cookie: admin, body: { key: 'hair', labelZh: '发质', labelEn: 'Hair', type: 'enum' } });
  assert.equal(noValues.statusCode, 400);
  assert.equal(noValues.json().error.fields[0].path, 'allowedValues');
  const again = await t.request('POST', '/api/customer-attributes', { cookie: admin, body: { key: 'skin_type', labelZh: '肤质', labelEn: 'Skin', type: 'text' } });
  assert.equal(again.statusCode, 409);
  const retired = await t.request('PATCH', '/api/customer-attributes/hobby', { cookie: admin, body: { active: false } });
  assert.equal(retired.json().active, false);
  const use = await create({ attributes: { hobby: '跑步' } });
  assert.equal(use.statusCode, 400);
  assert.equal(use.json().error.fields[0].path, 'attributes.hobby');
});
