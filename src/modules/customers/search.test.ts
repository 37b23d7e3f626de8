import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/support.ts';

let t: TestApp;
let admin: string;
const ids: Record<string, number> = {};
before(async () => {
  t = await startTestApp();
  admin = await t.loginAs('admin');
  const people: [string, Record<string, unknown>][] = [
    ['wxm', { name: '王小明', mobile: '13812345678', email: 'wang.xm@example.com', cardNo: 'VIP-8801' }],
    ['lxm', { name: '李小明', mobile: '13998765678' }],
    ['wf', { name: '王芳', mobile: '15011112222', email: 'fang@example.cn' }],
    ['anna', { name: 'Anna Zhang', mobile: '18600001234' }],
    ['pct', { name: '100%_纯', mobile: '18600009999' }],
  ];
  for (const [k, body] of people) ids[k] = (await t.request('POST', '/api/customers', { cookie: admin, body })).json().id;
});
after(async () => {
  await t.close();
});

const search = async (q: string, cookie = admin) => {
  const r = await t.request('GET', `/api/customers/search?q=${encodeURIComponent(q)}`, { cookie });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().items as any[];
};

const cases: [string, string, string[]][] = [
  ['the full mobile', '13812345678', ['wxm']],
  ['the full mobile with +86 and spaces', '+86 138 1234 5678', ['wxm']],
  ['a mobile prefix', '1381', ['wxm']],
  ['the last four digits of the mobile', '5678', ['wxm', 'lxm']],
  ['a member card number prefix', 'VIP-88', ['wxm']],
  ['a name prefix', '王', ['wxm', 'wf']],
  ['a part of a Chinese name', '小明', ['wxm', 'lxm']],
  ['an English name, any case', 'anna', ['anna']],
  ['an e-mail prefix', 'Fang@', ['wf']],
  ['LIKE wildcards, which match only themselves', '100%', ['pct']],
  ['a name nobody has', '欧阳', []],
];
for (const [what, q, expected] of cases) {
  test(`search finds customers by ${what}`, async () => {
    const hits = await search(q);
    assert.deepEqual(hits.map((h) => h.id).sort(), expected.map((k) => ids[k]).sort());
  });
}

test('an exact mobile match comes before matches on the last four digits', async () => {
  await t.request('POST', '/api/customers', { cookie: admin, body: { name: '赵敏', mobile: '13700005678' } });
  const hits = await search('5678');
  assert.equal(hits[0].matched, 'mobile_last4');
  const exact = await search('13700005678');
  assert.equal(exact[0].name, '赵敏');
  assert.equal(exact[0].matched, 'mobile');
});

test('store staff find a member by mobile but see it masked', async () => {
  const staff = await t.loginAs('store_staff');
  const [hit] = await search('13812345678', staff);
  assert.equal(hit.id, ids.wxm);
  assert.equal(hit.mobile, '138****5678');
  assert.equal(hit.email, 'w***@example.com');
});

test('the limit is respected and an over-long query is a 400', async () => {
  const many = await t.request('GET', `/api/customers/search?q=${encodeURIComponent('1')}&limit=2`, { cookie: admin });
  assert.ok(many.json().items.length <= 2);
  const long = await t.request('GET', `/api/customers/search?q=${'x'.repeat(101)}`, { cookie: admin });
  assert.equal(long.statusCode, 400);
  assert.equal(long.json().error.fields[0].path, 'querystring.q');
});

test('an empty query finds nothing rather than everyone', async () => {
  assert.deepEqual(await search('  '), []);
});
