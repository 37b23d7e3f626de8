import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { Readable } from 'node:stream';
import { startTestApp, type TestApp } from '../../../test/support.ts';
import { onCustomerLifecycle } from './events.ts';
import { duplicateScore, refreshDuplicateCandidates } from './duplicates.ts';
import { mergedProfile, resolveSurvivor } from './merge.ts';
import { scrubReason } from './privacy.ts';
import { csvField } from '../../lib/tabular-export.ts';

let t: TestApp;
const calls: { kind: string; args: unknown[] }[] = [];

before(async () => {
  t = await startTestApp();
  // A module's lifecycle listener, as loyalty would register it: it moves its own rows on merge.
  onCustomerLifecycle('test-points', {
    async onMerged(tx, survivorId, mergedIds) {
      calls.push({ kind: 'merged', args: [survivorId, mergedIds] });
      await tx.query(
        `INSERT INTO loyalty_accounts (customer_id, points_balance)
         SELECT $1, coalesce(sum(points_balance), 0) FROM loyalty_accounts WHERE customer_id = ANY($2::bigint[])
         ON CONFLICT (customer_id) DO UPDATE SET points_balance = loyalty_accounts.points_balance + EXCLUDED.points_balance`,
        [survivorId, mergedIds],
      );
      await tx.query('UPDATE loyalty_accounts SET points_balance = 0 WHERE customer_id = ANY($1::bigint[])', [mergedIds]);
    },
    async onErased(_tx, customerId) {
      calls.push({ kind: 'erased', args: [customerId] });
    },
    async exportData(q, customerId) {
      const r = await q.query('SELECT points_balance AS "pointsBalance" FROM loyalty_accounts WHERE customer_id = $1', [customerId]);
      return r.rows[0] ?? null;
    },
  });
});
after(async () => {
  await t.close();
});

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;
const mobileFor = (n: number) => `139${String(10_000_000 + ((Date.now() + n * 7919 + seq * 104729) % 89_999_999)).padStart(8, '0')}`;

interface NewCustomer {
  name?: string; mobile?: string | null; email?: string | null; birthday?: string | null; city?: string | null;
  cardNo?: string | null; tags?: string[]; notes?: string | null; occupation?: string | null; attributes?: object;
}
async function customer(c: NewCustomer = {}): Promise<number> {
  const r = await t.db.query(
    `INSERT INTO customers (name, mobile, email, birthday, city, card_no, tags, notes, occupation, attributes)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
    [c.name ?? `客户${uniq()}`, c.mobile ?? null, c.email ?? null, c.birthday ?? null, c.city ?? null, c.cardNo ?? null,
      c.tags ?? [], c.notes ?? null, c.occupation ?? null, JSON.stringify(c.attributes ?? {})],
  );
  return r.rows[0].id;
}
async function purchase(customerId: number, paidFen: number, lines = 2): Promise<number> {
  const ext = `ext-${uniq()}`;
  const r = await t.db.query(
    `INSERT INTO purchases (customer_id, channel, source, external_id, purchased_at, total_fen, paid_fen, item_count)
     VALUES ($1, 'store', 'pos', $2, now(), $3, $3, $4) RETURNING id`,
    [customerId, ext, paidFen, lines],
  );
  const id = r.rows[0].id;
  await t.db.query(`INSERT INTO purchase_keys (source, external_id, customer_id, purchase_id, request_hash) VALUES ('pos', $1, $2, $3, 'test')`, [ext, customerId, id]);
  for (let i = 1; i <= lines; i++) {
    await t.db.query(
      `INSERT INTO purchase_lines (customer_id, purchase_id, line_no, sku, category, quantity, unit_price_fen, amount_fen)
       VALUES ($1, $2, $3, 'SKU-1', '护肤', 1, $4, $4)`,
      [customerId, id, i, Math.floor(paidFen / lines)],
    );
  }
  return id;
}
async function contact(customerId: number, name: string, mobile: string, isPrimary = false): Promise<number> {
  const r = await t.db.query(
    `INSERT INTO customer_contacts (customer_id, name, title, mobile, email, is_primary) VALUES ($1, $2, '采购经理', $3, $4, $5) RETURNING id`,
    [customerId, name, mobile, `${name.length}.${uniq()}@example.com`, isPrimary],
  );
  return r.rows[0].id;
}
const contactsOf = async (customerId: number) =>
  (await t.db.query('SELECT id, name, is_primary FROM customer_contacts WHERE customer_id = $1 ORDER BY id', [customerId])).rows;
async function consent(customerId: number, channel: string, granted: boolean) {
  await t.db.query(`INSERT INTO customer_consents (customer_id, channel, granted, source) VALUES ($1, $2, $3, 'store')`, [customerId, channel, granted]);
}
const totals = async () =>
  (await t.db.query(`SELECT count(*)::int AS n, coalesce(sum(paid_fen),0)::bigint AS paid, (SELECT count(*)::int FROM purchase_lines) AS lines FROM purchases`)).rows[0];
const row = async (id: number) => (await t.db.query('SELECT *, birthday::text AS birthday FROM customers WHERE id = $1', [id])).rows[0];
const pairStatus = async (a: number, b: number) =>
  (await t.db.query('SELECT status, reasons, score FROM customer_duplicate_candidates WHERE customer_id = $1 AND other_id = $2', [Math.min(a, b), Math.max(a, b)])).rows[0];

test('a pair scores the sum of its reasons, at most 100', () => {
  const table: [string[], number][] = [[['email'], 60], [['name_birthday'], 60], [['name_city_mobile'], 40], [['email', 'name_birthday'], 100], [['card', 'mobile'], 100], [[], 0], [['unknown'], 0]];
  for (const [reasons, score] of table) assert.equal(duplicateScore(reasons), score, reasons.join('+'));
});

test('a merged profile keeps the survivor values, fills empty ones in order, and honours explicit choices', () => {
  const s = { id: 1, name: '张伟', mobile: null, email: '', city: '上海', birthday: null };
  const m1 = { id: 2, name: '张 伟', mobile: '13800000002', email: 'zw@example.com', city: '北京', birthday: null };
  const m2 = { id: 3, name: '张伟', mobile: '13800000003', email: null, city: null, birthday: '1990-05-01' };
  const table: [Record<string, number>, Record<string, unknown>][] = [
    [{}, { mobile: '13800000002', email: 'zw@example.com', birthday: '1990-05-01' }],
    [{ mobile: 3, city: 2 }, { mobile: '13800000003', email: 'zw@example.com', birthday: '1990-05-01', city: '北京' }],
    [{ name: 1 }, { mobile: '13800000002', email: 'zw@example.com', birthday: '1990-05-01' }],
  ];
  for (const [choices, expected] of table) assert.deepEqual(mergedProfile(s, [m1, m2], choices), expected, JSON.stringify(choices));
});

test('csv fields are quoted when needed and formulas are defused', () => {
  const table: [unknown, string][] = [
    ['王芳', '王芳'], ['a,b', '"a,b"'], ['say "hi"', '"say ""hi"""'], ['=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
    ['+86 138', "'+86 138"], ['-12', '-12'], ['@SUM(A1)', "'@SUM(A1)"], [null, ''], [['a', 'b'], 'a|b'], [42, '42'],
  ];
  for (const [v, expected] of table) assert.equal(csvField(v), expected, String(v));
});

test('an erasure reason loses phone numbers and e-mail addresses before it is audited', () => {
  assert.equal(scrubReason('客户 138 0013 8000 来电要求删除，邮箱 a.b@qq.com'), '客户 [number] 来电要求删除，邮箱 [email]');
  assert.equal(scrubReason('工单 12 号'), '工单 12 号');
});

test('duplicate detection finds same e-mail ignoring case and same name with birthday, and not unrelated customers', async () => {
  const u = uniq();
  const a = await customer({ email: `Li.Na.${u}@Example.com` });
  const b = await customer({ email: `li.na.${u}@example.com ` });
  const c = await customer({ name: `刘洋${u}`, birthday: '1988-03-12' });
  const d = await customer({ name: `刘洋${u}`, birthday: '1988-03-12' });
  const e = await customer({ name: `刘洋${u}`, birthday: '1988-03-13', email: `other.${u}@example.com` });
  await t.db.tx((tx) => refreshDuplicateCandidates(tx));
  assert.deepEqual((await pairStatus(a, b))?.reasons, ['email']);
  assert.deepEqual((await pairStatus(c, d))?.reasons, ['name_birthday']);
  assert.equal(await pairStatus(c, e), undefined);
  assert.equal(await pairStatus(a, c), undefined);
});

test('duplicate detection finds same name and city with a one-digit mobile typo, and ignores crowded keys', async () => {
  const u = uniq();
  const a = await customer({ name: `陈静${u}`, city: '杭州', mobile: '13912345678' });
  const b = await customer({ name: `陈静${u}`, city: '杭州', mobile: '13912345679' });
  const c = await customer({ name: `陈静${u}`, city: '杭州', mobile: '13987654321' });
  const crowd: number[] = [];
  for (let i = 0; i < 22; i++) crowd.push(await customer({ email: `test-${u}@test.com` }));
  await t.db.tx((tx) => refreshDuplicateCandidates(tx));
  assert.deepEqual((await pairStatus(a, b))?.reasons, ['name_city_mobile']);
  assert.equal(await pairStatus(a, c), undefined);
  assert.equal(await pairStatus(crowd[0]!, crowd[1]!), undefined, 'a key shared by 22 customers is placeholder data');
});

test('duplicate detection finds a mobile or card written differently, but not a card that only looks alike', async () => {
  const u = uniq().toUpperCase();
  const digits = mobileFor(9);
  const a = await customer({ mobile: digits });
  const b = await customer({ mobile: `+86 ${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}` });
  const c = await customer({ cardNo: `VIP${u}` });
  const d = await customer({ cardNo: `vip-${u.toLowerCase()}` });
  const e = await customer({ cardNo: `VIP${u}X` });
  await t.db.tx((tx) => refreshDuplicateCandidates(tx));
  assert.deepEqual((await pairStatus(a, b))?.reasons, ['mobile']);
  assert.equal((await pairStatus(a, b))?.score, 90);
  assert.deepEqual((await pairStatus(c, d))?.reasons, ['card']);
  assert.equal(await pairStatus(c, e), undefined);
});

test('the queue lists pairs with both summaries, masked for a marketer', async () => {
  const u = uniq();
  const a = await customer({ email: `queue.${u}@example.com`, mobile: mobileFor(1) });
  const b = await customer({ email: `QUEUE.${u}@example.com` });
  await purchase(a, 12_000);
  await t.db.tx((tx) => refreshDuplicateCandidates(tx));
  const manager = await t.loginAs('manager');
  const res = await t.request('GET', '/api/customers/duplicates?limit=200', { cookie: manager });
  assert.equal(res.statusCode, 200);
  const item = res.json().items.find((i: any) => i.customerId === a && i.otherId === b);
  assert.ok(item, 'pair listed');
  assert.equal(item.customer.purchaseCount, 1);
  assert.equal(item.customer.spendFen, 12_000);
  assert.equal(item.customer.email, `queue.${u}@example.com`);
  const marketer = await t.loginAs('marketer');
  const masked = (await t.request('GET', '/api/customers/duplicates?limit=200', { cookie: marketer })).json();
  const m = masked.items.find((i: any) => i.customerId === a);
  assert.match(m.customer.email, /^q\*\*\*@/);
  assert.match(m.customer.mobile, /\*\*\*\*/);
});

test('a dismissed pair stays dismissed after the nightly refresh', async () => {
  const u = uniq();
  const a = await customer({ email: `twin.${u}@example.com` });
  const b = await customer({ email: `twin.${u}@example.com` });
  await t.db.tx((tx) => refreshDuplicateCandidates(tx));
  assert.equal((await pairStatus(a, b)).status, 'open');
  const agent = await t.loginAs('agent');
  const res = await t.request('POST', '/api/customers/duplicates/dismiss', { cookie: agent, body: { customerId: b, otherId: a } });
  assert.equal(res.statusCode, 200);
  const refresh = await t.request('POST', '/api/customers/duplicates/refresh', { cookie: agent });
  assert.equal(refresh.statusCode, 202);
  assert.equal((await pairStatus(a, b)).status, 'dismissed');
  const open = (await t.request('GET', '/api/customers/duplicates?limit=200', { cookie: agent })).json();
  assert.ok(!open.items.some((i: any) => i.customerId === a && i.otherId === b));
});

test('merge moves purchases, lines, consents and listener rows to the survivor and keeps totals', async () => {
  const u = uniq();
  const s = await customer({ name: '王芳', tags: ['VIP'], city: '上海' });
  const m = await customer({ name: '王芳', mobile: mobileFor(2), email: `wf.${u}@example.com`, tags: ['护肤', 'VIP'], birthday: '1992-07-08', attributes: { skinType: 'dry' } });
  await purchase(s, 10_000);
  const p2 = await purchase(m, 25_000, 3);
  await consent(m, 'sms', true);
  await t.db.query('INSERT INTO loyalty_accounts (customer_id, points_balance) VALUES ($1, 100), ($2, 250)', [s, m]);
  const before = await totals();
  calls.length = 0;
  const manager = await t.loginAs('manager');
  const res = await t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId: s, mergedIds: [m], reason: '同一人两张卡' } });
  assert.equal(res.statusCode, 201, res.body);
  const body = res.json();
  assert.deepEqual(body.moved, { purchases: 1, purchaseLines: 3, consents: 1, contacts: 0 });
  assert.deepEqual(body.mergedIds, [m]);
  assert.equal(body.survivor.purchaseCount, 2);
  assert.equal(body.survivor.spendFen, 35_000);
  assert.deepEqual(await totals(), before);
  assert.equal((await t.db.query('SELECT customer_id FROM purchases WHERE id = $1', [p2])).rows[0].customer_id, s);
  assert.equal((await t.db.query('SELECT customer_id FROM purchase_keys WHERE purchase_id = $1', [p2])).rows[0].customer_id, s, 'the sales key follows its purchase');
  assert.equal((await t.db.query('SELECT count(*)::int AS n FROM purchase_lines WHERE customer_id = $1', [m])).rows[0].n, 0);
  assert.equal((await t.db.query(`SELECT granted FROM customer_consent_state WHERE customer_id = $1 AND channel = 'sms'`, [s])).rows[0].granted, true);
  assert.deepEqual(calls, [{ kind: 'merged', args: [s, [m]] }]);
  assert.equal((await t.db.query('SELECT points_balance FROM loyalty_accounts WHERE customer_id = $1', [s])).rows[0].points_balance, 350);
  const survivor = await row(s);
  assert.equal(survivor.mobile, (await row(m)).mobile, 'the empty mobile is filled from the merged record');
  assert.equal(survivor.email, `wf.${u}@example.com`);
  assert.equal(survivor.birthday, '1992-07-08');
  assert.deepEqual(survivor.tags, ['VIP', '护肤']);
  assert.deepEqual(survivor.attributes, { skinType: 'dry' });
  const merged = await row(m);
  assert.equal(merged.status, 'merged');
  assert.equal(merged.merged_into, s);
  assert.equal(await resolveSurvivor(t.db, m), s);
  const audit = (await t.db.query(`SELECT details FROM audit_log WHERE action = 'customer.merge' AND customer_id = $1`, [s])).rows;
  assert.equal(audit.length, 1);
});

test('retrying a merge changes nothing and answers with the first merge', async () => {
  const s = await customer();
  const m = await customer();
  await purchase(m, 5_000);
  const agent = await t.loginAs('agent');
  const first = await t.request('POST', '/api/customers/merge', { cookie: agent, body: { survivorId: s, mergedIds: [m] } });
  assert.equal(first.statusCode, 201);
  const before = await totals();
  const again = await t.request('POST', '/api/customers/merge', { cookie: agent, body: { survivorId: s, mergedIds: [m] } });
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().id, first.json().id);
  assert.equal(again.json().alreadyMerged, true);
  assert.deepEqual(await totals(), before);
  const n = (await t.db.query('SELECT count(*)::int AS n FROM customer_merges WHERE customer_id = $1', [s])).rows[0].n;
  assert.equal(n, 1);
});

test('a merge retried with the same Idempotency-Key replays the first answer', async () => {
  const s = await customer();
  const m = await customer();
  const agent = await t.loginAs('agent');
  const headers = { 'idempotency-key': `merge-${uniq()}` };
  const first = await t.request('POST', '/api/customers/merge', { cookie: agent, headers, body: { survivorId: s, mergedIds: [m] } });
  const second = await t.request('POST', '/api/customers/merge', { cookie: agent, headers, body: { survivorId: s, mergedIds: [m] } });
  assert.equal(second.statusCode, 201);
  assert.equal(second.headers['idempotent-replayed'], 'true');
  assert.equal(second.json().id, first.json().id);
});

test('a merge can take a chosen field from a merged record, freeing its card for the survivor', async () => {
  const u = uniq();
  const s = await customer({ cardNo: `C-S-${u}`, mobile: mobileFor(3) });
  const mMobile = mobileFor(4);
  const m = await customer({ cardNo: `C-M-${u}`, mobile: mMobile });
  const manager = await t.loginAs('manager');
  const res = await t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId: s, mergedIds: [m], fieldChoices: { mobile: m, cardNo: m } } });
  assert.equal(res.statusCode, 201, res.body);
  const survivor = await row(s);
  assert.equal(survivor.mobile, mMobile);
  assert.equal(survivor.card_no, `C-M-${u}`);
  assert.equal((await row(m)).card_no, null);
  const history = (await t.request('GET', `/api/customers/${m}/merges`, { cookie: manager })).json();
  assert.equal(history.items.length, 1);
  assert.equal(history.items[0].before.survivor.card_no, `C-S-${u}`, 'the values before are kept to explain the merge');
  assert.deepEqual(history.items[0].fieldChoices, { mobile: m, cardNo: m });
});

test('merging into itself, into an erased or merged customer, or an already merged one is a 409 with a code', async () => {
  const manager = await t.loginAs('manager');
  const a = await customer();
  const b = await customer();
  const c = await customer();
  const erased = await customer();
  await t.request('POST', `/api/customers/${erased}/erase`, { cookie: manager, body: { reason: '客户要求' } });
  const merge = (survivorId: number, mergedIds: number[]) => t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId, mergedIds } });
  const self = await merge(a, [a]);
  assert.equal(self.statusCode, 409);
  assert.equal(self.json().error.code, 'MERGE_INTO_SELF');
  assert.equal((await merge(erased, [a])).json().error.code, 'SURVIVOR_ERASED');
  assert.equal((await merge(a, [erased])).json().error.code, 'CUSTOMER_ERASED');
  assert.equal((await merge(a, [b])).statusCode, 201);
  const intoMerged = await merge(b, [c]);
  assert.equal(intoMerged.statusCode, 409);
  assert.equal(intoMerged.json().error.code, 'SURVIVOR_MERGED');
  const twice = await merge(c, [b]);
  assert.equal(twice.json().error.code, 'ALREADY_MERGED');
  assert.equal((await row(c)).status, 'active', 'nothing was half-written');
});

test('two opposite merges of the same pair at once: one wins, the other is a 409, nothing is lost', async () => {
  const a = await customer();
  const b = await customer();
  await purchase(a, 1_000);
  await purchase(b, 2_000);
  const before = await totals();
  const manager = await t.loginAs('manager');
  const [x, y] = await Promise.all([
    t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId: a, mergedIds: [b] } }),
    t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId: b, mergedIds: [a] } }),
  ]);
  assert.deepEqual([x.statusCode, y.statusCode].sort(), [201, 409]);
  const statuses = (await t.db.query('SELECT status FROM customers WHERE id = ANY($1::bigint[]) ORDER BY status', [[a, b]])).rows.map((r) => r.status);
  assert.deepEqual(statuses, ['active', 'merged']);
  assert.deepEqual(await totals(), before);
});

test('merging unknown customers is a 404 naming them, and malformed bodies are 400', async () => {
  const manager = await t.loginAs('manager');
  const a = await customer();
  const res = await t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId: a, mergedIds: [987654321] } });
  assert.equal(res.statusCode, 404);
  assert.deepEqual(res.json().error.ids, [987654321]);
  const bad = await t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId: a, mergedIds: [], extra: 1 } });
  assert.equal(bad.statusCode, 400);
  const badChoice = await t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId: a, mergedIds: [a + 1], fieldChoices: { mobile: 42424242 } } });
  assert.equal(badChoice.statusCode, 400);
  assert.equal(badChoice.json().error.fields[0].path, 'fieldChoices.mobile');
});

test('store staff and marketers may not merge, erase or take data exports', async () => {
  const a = await customer();
  const b = await customer();
  const staff = await t.loginAs('store_staff');
  const marketer = await t.loginAs('marketer');
  assert.equal((await t.request('POST', '/api/customers/merge', { cookie: staff, body: { survivorId: a, mergedIds: [b] } })).statusCode, 403);
  assert.equal((await t.request('POST', '/api/customers/merge', { cookie: marketer, body: { survivorId: a, mergedIds: [b] } })).statusCode, 403);
  assert.equal((await t.request('POST', `/api/customers/${a}/erase`, { cookie: marketer, body: { reason: 'x' } })).statusCode, 403);
  assert.equal((await t.request('POST', `/api/customers/${a}/erase`, { cookie: await t.loginAs('agent'), body: { reason: 'x' } })).statusCode, 403);
  assert.equal((await t.request('GET', `/api/customers/${a}/data-export`, { cookie: marketer })).statusCode, 403);
  assert.equal((await t.request('GET', '/api/customers/export', { cookie: staff })).statusCode, 403);
  assert.equal((await t.request('GET', '/api/customers/duplicates')).statusCode, 401);
});

test('erasure removes every personal field, withdraws consents, keeps sales totals and is idempotent', async () => {
  const u = uniq();
  const mobile = mobileFor(5);
  const c = await customer({ name: '赵敏', mobile, email: `zm.${u}@example.com`, birthday: '1990-01-02', cardNo: `E-${u}`, notes: '喜欢玫瑰', occupation: '教师', tags: ['VIP'], attributes: { skinType: 'oily' }, city: '成都' });
  const older = await customer({ name: '赵敏', email: `zm2.${u}@example.com` });
  const manager = await t.loginAs('manager');
  await t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId: c, mergedIds: [older] } });
  await purchase(c, 8_800);
  await consent(c, 'sms', true);
  await consent(c, 'email', true);
  const before = await totals();
  calls.length = 0;
  const res = await t.request('POST', `/api/customers/${c}/erase`, { cookie: manager, body: { reason: `客户来电 ${mobile} 要求删除` } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().erasedRecords, 2);
  for (const id of [c, older]) {
    const r = await row(id);
    assert.equal(r.name, '已删除用户');
    for (const f of ['mobile', 'email', 'birthday', 'card_no', 'notes', 'occupation', 'income_band']) assert.equal(r[f], null, `${id}.${f}`);
    assert.deepEqual(r.tags, []);
    assert.deepEqual(r.attributes, {});
  }
  assert.equal((await row(c)).status, 'erased');
  assert.deepEqual(await totals(), before);
  const consents = (await t.db.query('SELECT channel, granted FROM customer_consent_state WHERE customer_id = $1 ORDER BY channel', [c])).rows;
  assert.deepEqual(consents, [{ channel: 'email', granted: false }, { channel: 'sms', granted: false }]);
  assert.deepEqual(calls.map((x) => x.kind), ['erased', 'erased']);
  const merges = (await t.db.query('SELECT before::text AS b FROM customer_merges WHERE customer_id = $1', [c])).rows;
  assert.ok(merges.every((m) => !m.b.includes(u) && !m.b.includes('赵敏')), 'merge snapshots hold no personal data');
  const audit = (await t.db.query(`SELECT details::text AS d FROM audit_log WHERE action = 'customer.erase' AND customer_id = $1`, [c])).rows;
  assert.equal(audit.length, 1);
  assert.ok(!audit[0].d.includes(mobile) && !audit[0].d.includes('赵敏'));
  const again = await t.request('POST', `/api/customers/${c}/erase`, { cookie: manager, body: { reason: '重复请求' } });
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().alreadyErased, true);
  assert.equal((await t.request('GET', `/api/customers/lookup?mobile=${mobile}`, { cookie: manager })).statusCode, 404);
  const merged = await t.request('POST', `/api/customers/${older}/erase`, { cookie: manager, body: { reason: 'x' } });
  assert.equal(merged.statusCode, 409);
  assert.equal(merged.json().error.code, 'CUSTOMER_MERGED');
  assert.equal((await t.request('POST', '/api/customers/999999999/erase', { cookie: manager, body: { reason: 'x' } })).statusCode, 404);
});

test('a data-access export holds the profile, consents, purchases with lines, merges, audit and module data', async () => {
  const s = await customer({ name: '孙丽', city: '南京' });
  const m = await customer({ name: '孙丽' });
  await purchase(s, 3_000, 1);
  await purchase(m, 7_000, 2);
  await consent(s, 'wechat', true);
  await t.db.query('INSERT INTO loyalty_accounts (customer_id, points_balance) VALUES ($1, 70)', [m]);
  const admin = await t.loginAs('manager');
  await t.request('POST', '/api/customers/merge', { cookie: admin, body: { survivorId: s, mergedIds: [m] } });
  const res = await t.request('GET', `/api/customers/${m}/data-export`, { cookie: admin });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-disposition']), new RegExp(`attachment; filename="customer-${s}-data-export.json"`));
  const d = res.json();
  assert.equal(d.customerId, s);
  assert.equal(d.profile.name, '孙丽');
  assert.equal(d.mergedRecords[0].id, m);
  assert.equal(d.purchases.length, 2);
  assert.equal(d.purchases.reduce((n: number, p: any) => n + p.lines.length, 0), 3);
  assert.equal(d.consents[0].channel, 'wechat');
  assert.equal(d.merges.length, 1);
  assert.ok(d.auditTrail.some((a: any) => a.action === 'customer.merge'));
  assert.deepEqual(d.modules['test-points'], { pointsBalance: 70 });
  const audited = (await t.db.query(`SELECT 1 FROM audit_log WHERE action = 'customer.data_export' AND customer_id = $1`, [s])).rows.length;
  assert.equal(audited, 1);
  assert.equal((await t.request('GET', '/api/customers/999999999/data-export', { cookie: admin })).statusCode, 404);
});

const csvRows = (body: string) => body.replace(/^\uFEFF/, '').trim().split('\r\n').map((l) => l.split(','));

test('a CSV export starts with a BOM, has the chosen columns, and masks personal fields for a marketer', async () => {
  const city = `苏州${uniq()}`;
  const mobile = mobileFor(6);
  const id = await customer({ name: '周杰', mobile, email: 'zj@example.com', city, tags: ['新客'] });
  const url = `/api/customers/export?format=csv&columns=id,name,mobile,email,tags&city=${encodeURIComponent(city)}`;
  const marketer = await t.loginAs('marketer');
  const res = await t.request('GET', url, { cookie: marketer });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /text\/csv/);
  assert.ok(res.body.startsWith('\uFEFF'));
  const rows = csvRows(res.body);
  assert.deepEqual(rows[0], ['Customer ID', 'Name', 'Mobile', 'E-mail', 'Tags']);
  assert.deepEqual(rows.slice(1), [[String(id), '周杰', `${mobile.slice(0, 3)}****${mobile.slice(-4)}`, 'z***@example.com', '新客']]);
  const full = csvRows((await t.request('GET', url, { cookie: await t.loginAs('manager') })).body);
  assert.equal(full[1]![2], mobile);
  const audit = (await t.db.query(`SELECT details FROM audit_log WHERE action = 'customer.export.completed' ORDER BY id DESC LIMIT 2`)).rows;
  assert.ok(audit.some((a) => a.details.rows === 1 && a.details.masked === true && a.details.completed === true));
});

test('a CSV export in Chinese has Chinese headers and pages through more rows than one batch', async () => {
  const city = `无锡${uniq()}`;
  await t.db.query(`INSERT INTO customers (name, city) SELECT '客户' || g, $1 FROM generate_series(1, 5200) g`, [city]);
  const res = await t.request('GET', `/api/customers/export?columns=name,city&city=${encodeURIComponent(city)}`, { cookie: await t.loginAs('manager'), headers: { 'accept-language': 'zh-CN' } });
  const rows = csvRows(res.body);
  assert.deepEqual(rows[0], ['姓名', '城市']);
  assert.equal(rows.length, 5201);
});

test('an XLSX export opens in a spreadsheet reader with the chosen columns', async () => {
  const city = `厦门${uniq()}`;
  await customer({ name: '=1+1', city });
  await customer({ name: '林晓', city });
  const res = await t.request('GET', `/api/customers/export?format=xlsx&columns=name,city&city=${encodeURIComponent(city)}`, { cookie: await t.loginAs('manager') });
  assert.equal(res.statusCode, 200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.read(Readable.from(res.rawPayload));
  const sheet = wb.worksheets[0]!;
  const values = sheet.getSheetValues().slice(1).map((r: any) => r.slice(1));
  assert.deepEqual(values, [['Name', 'City'], ["'=1+1", city], ['林晓', city]]);
});

test('an export with an unknown column or filter is a 400, and injection strings in filters are only data', async () => {
  const manager = await t.loginAs('manager');
  const bad = await t.request('GET', '/api/customers/export?columns=id,password_hash', { cookie: manager });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.fields[0].path, 'columns');
  assert.equal((await t.request('GET', '/api/customers/export?columns=id&sort=1', { cookie: manager })).statusCode, 400);
  assert.equal((await t.request('GET', '/api/customers/export?createdFrom=2026-13-01', { cookie: manager })).statusCode, 400);
  const injection = encodeURIComponent(`上海'; DROP TABLE customers; --`);
  const res = await t.request('GET', `/api/customers/export?columns=id&city=${injection}&tag=${injection}`, { cookie: manager });
  assert.equal(res.statusCode, 200);
  assert.equal(csvRows(res.body).length, 1, 'only the header');
  assert.ok((await t.db.query('SELECT count(*)::int AS n FROM customers')).rows[0].n > 0);
  const dupes = await t.request('GET', `/api/customers/duplicates?reason=${injection}`, { cookie: manager });
  assert.equal(dupes.statusCode, 400);
});

test('comparing customers side by side audits each full record read and 404s on unknown ids', async () => {
  const a = await customer({ name: '黄磊' });
  const b = await customer({ name: '黄磊' });
  const manager = await t.loginAs('manager');
  const res = await t.request('GET', `/api/customers/duplicates/compare?ids=${a},${b}`, { cookie: manager });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json().items.map((c: any) => c.id), [a, b]);
  const n = (await t.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'customer.view' AND customer_id = ANY($1::bigint[])`, [[a, b]])).rows[0].n;
  assert.equal(n, 2);
  assert.equal((await t.request('GET', `/api/customers/duplicates/compare?ids=${a},999999999`, { cookie: manager })).statusCode, 404);
  assert.equal((await t.request('GET', `/api/customers/duplicates/compare?ids=${a}`, { cookie: manager })).statusCode, 400);
});

test('at the till, the old card of a merged member finds the member it was merged into', async () => {
  const u = uniq();
  const s = await customer({ name: '赵敏', cardNo: `S${u}` });
  const oldCard = `M${u}`;
  const m = await customer({ name: '赵敏', email: `zm.${u}@example.com`, cardNo: oldCard });
  const manager = await t.loginAs('manager');
  assert.equal((await t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId: s, mergedIds: [m] } })).statusCode, 201);
  const found = await t.request('GET', `/api/customers/lookup?cardNo=${oldCard}`, { cookie: manager });
  assert.equal(found.statusCode, 200, found.body);
  assert.equal(found.json().id, s);
  assert.equal(found.json().status, 'active');
});

test('merge moves business contact people to the survivor, which keeps its own primary contact', async () => {
  const s = await customer({ name: `商户${uniq()}` });
  const m = await customer({ name: `商户${uniq()}` });
  await t.db.query(`UPDATE customers SET kind = 'business' WHERE id = ANY($1::bigint[])`, [[s, m]]);
  const own = await contact(s, '周经理', mobileFor(11), true);
  const movedPrimary = await contact(m, '吴经理', mobileFor(12), true);
  const other = await contact(m, '郑助理', mobileFor(13));
  const res = await t.request('POST', '/api/customers/merge', { cookie: await t.loginAs('manager'), body: { survivorId: s, mergedIds: [m] } });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().moved.contacts, 2);
  assert.deepEqual(await contactsOf(s), [
    { id: own, name: '周经理', is_primary: true }, { id: movedPrimary, name: '吴经理', is_primary: false }, { id: other, name: '郑助理', is_primary: false },
  ]);
  assert.deepEqual(await contactsOf(m), []);
});

test('a business with contact people cannot be merged into a person: 409 and nothing moves', async () => {
  const person = await customer({ name: `个人${uniq()}` });
  const business = await customer({ name: `商户${uniq()}` });
  await t.db.query(`UPDATE customers SET kind = 'business' WHERE id = $1`, [business]);
  const k = await contact(business, '冯经理', mobileFor(15), true);
  const res = await t.request('POST', '/api/customers/merge', { cookie: await t.loginAs('manager'), body: { survivorId: person, mergedIds: [business] } });
  assert.equal(res.statusCode, 409, res.body);
  assert.equal(res.json().error.code, 'MERGE_CONTACTS_NEED_BUSINESS');
  assert.deepEqual((await contactsOf(business)).map((x) => x.id), [k]);
  assert.equal((await t.db.query(`SELECT status FROM customers WHERE id = $1`, [business])).rows[0].status, 'active');
});

test('a data-access export lists the business contact people of the customer and of the records merged into it', async () => {
  const s = await customer({ name: `商户${uniq()}` });
  const m = await customer({ name: `商户${uniq()}` });
  const mobile = mobileFor(14);
  await contact(s, '钱经理', mobile, true);
  await contact(m, '孙会计', mobileFor(15));
  const manager = await t.loginAs('manager');
  await t.db.query(`UPDATE customers SET status = 'merged', merged_into = $1 WHERE id = $2`, [s, m]);
  const res = await t.request('GET', `/api/customers/${s}/data-export`, { cookie: manager });
  assert.equal(res.statusCode, 200, res.body);
  const d = res.json();
  assert.deepEqual(d.contacts.map((c: any) => [c.customerId, c.name, c.isPrimary]), [[s, '钱经理', true], [m, '孙会计', false]]);
  assert.equal(d.contacts[0].mobile, mobile);
  assert.equal(d.contacts[0].title, '采购经理');
});

test('erasure deletes business contact people, clears consent notes and the file rows an import kept', async () => {
  const u = uniq();
  const mobile = mobileFor(16);
  const shortCard = `K${(seq++ % 900) + 100}`;
  const c = await customer({ name: '冯程', mobile, email: `fc.${u}@example.com`, cardNo: shortCard });
  const bystander = await customer({ name: '旁人' });
  await contact(c, '冯秘书', mobileFor(17));
  await contact(bystander, '旁人的联系人', mobileFor(18));
  await t.db.query(`INSERT INTO customer_consents (customer_id, channel, granted, source, note) VALUES ($1, 'sms', true, 'store', $2)`, [c, `客户说打 ${mobile} 找她`]);
  await t.db.query(`INSERT INTO customer_consents (customer_id, channel, granted, source, note) VALUES ($1, 'sms', true, 'store', '旁人的备注')`, [bystander]);
  const imp = (await t.db.query(
    `INSERT INTO imports (kind, file_name, file_path, file_size, format, has_header, columns, created_by_name) VALUES ('customers', 'x.csv', '/nowhere', 1, 'csv', true, '[]', 'test') RETURNING id`,
  )).rows[0].id;
  await t.db.query(
    `INSERT INTO import_rows (import_id, row_no, outcome, customer_id, field, reason_zh, reason_en, data) VALUES
       ($1, 2, 'rejected', $2, 'mobile', '已有', 'exists', $3), ($1, 3, 'rejected', NULL, 'email', '邮箱无效', 'invalid email', $4),
       ($1, 4, 'rejected', NULL, 'email', '邮箱无效', 'invalid email', '["旁人", "bad@"]'),
       ($1, 5, 'rejected', NULL, 'birthday', '生日无效', 'invalid birthday', $5), ($1, 6, 'rejected', NULL, 'birthday', '生日无效', 'invalid birthday', $6)`,
    [imp, c, JSON.stringify(['冯程', mobile]), JSON.stringify(['冯程', mobile, 'bad@']),
      // As a spreadsheet writes them: the mobile with +86 and spaces, the e-mail in capitals.
      JSON.stringify(['冯程', `+86 ${mobile.slice(0, 3)} ${mobile.slice(3, 7)} ${mobile.slice(7)}`, `FC.${u}@EXAMPLE.COM`, '1990-13-01']),
      // Someone else's row whose cell equals the short card number: too short to say it is theirs.
      JSON.stringify(['旁人', shortCard, '1990-13-01'])],
  );
  const res = await t.request('POST', `/api/customers/${c}/erase`, { cookie: await t.loginAs('manager'), body: { reason: '本人要求' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(await contactsOf(c), []);
  assert.equal((await contactsOf(bystander)).length, 1);
  const notes = (await t.db.query('SELECT customer_id, note FROM customer_consents WHERE customer_id = ANY($1::bigint[]) ORDER BY id', [[c, bystander]])).rows;
  assert.deepEqual(notes, [
    { customer_id: c, note: null }, { customer_id: bystander, note: '旁人的备注' }, { customer_id: c, note: 'withdrawn on erasure' },
  ]);
  const kept = (await t.db.query('SELECT row_no, outcome, reason_en, data FROM import_rows WHERE import_id = $1 ORDER BY row_no', [imp])).rows;
  assert.deepEqual(kept.map((r) => [Number(r.row_no), r.outcome, r.reason_en, r.data]), [
    [2, 'rejected', 'exists', null], [3, 'rejected', 'invalid email', null], [4, 'rejected', 'invalid email', ['旁人', 'bad@']],
    [5, 'rejected', 'invalid birthday', null], [6, 'rejected', 'invalid birthday', ['旁人', shortCard, '1990-13-01']],
  ]);
  const audit = (await t.db.query(`SELECT details FROM audit_log WHERE action = 'customer.erase' AND customer_id = $1`, [c])).rows[0].details;
  assert.deepEqual([audit.contactsErased, audit.importRowsCleared], [1, 3]);
});

test('at the till, the mobile of a merged member finds the member it was merged into', async () => {
  const u = uniq();
  const s = await customer({ name: '许晴', cardNo: `S${u}` });
  const oldMobile = mobileFor(19);
  const m = await customer({ name: '许晴', mobile: oldMobile });
  const survivorMobile = mobileFor(20);
  await t.db.query('UPDATE customers SET mobile = $2 WHERE id = $1', [s, survivorMobile]);
  const manager = await t.loginAs('manager');
  assert.equal((await t.request('POST', '/api/customers/merge', { cookie: manager, body: { survivorId: s, mergedIds: [m] } })).statusCode, 201);
  assert.equal((await row(m)).mobile, oldMobile, 'the merged record keeps its number');
  const found = await t.request('GET', `/api/customers/lookup?mobile=${oldMobile}`, { cookie: manager });
  assert.equal(found.statusCode, 200, found.body);
  assert.deepEqual([found.json().id, found.json().mobile, found.json().status], [s, survivorMobile, 'active']);
});

test('at the till, a mobile that now belongs to an active customer finds that customer, not the survivor of an older record', async () => {
  const s = await customer({ name: '老记录' });
  const mobile = mobileFor(21);
  const m = await customer({ name: '旧号主', mobile });
  const manager = await t.loginAs('manager');
  await t.db.query(`UPDATE customers SET status = 'merged', merged_into = $1 WHERE id = $2`, [s, m]);
  const newOwner = await customer({ name: '新号主', mobile });
  const found = await t.request('GET', `/api/customers/lookup?mobile=${mobile}`, { cookie: manager });
  assert.equal(found.statusCode, 200, found.body);
  assert.equal(found.json().id, newOwner);
});

test('an export can choose custom attributes, notes and the consent in force per channel; notes are masked without pii', async () => {
  const admin = await t.loginAs('admin');
  const def = await t.request('POST', '/api/customer-attributes', { cookie: admin, body: { key: 'hair_type', labelZh: '发质', labelEn: 'Hair type', type: 'enum', allowedValues: ['干性', '油性'] } });
  assert.equal(def.statusCode, 201, def.body);
  const city = `扬州${uniq()}`;
  const id = await customer({ name: '秦雪', city, notes: '只在周末联系', attributes: { hair_type: '油性' } });
  await consent(id, 'sms', true);
  await consent(id, 'email', true);
  await consent(id, 'email', false);
  const manager = await t.loginAs('manager');
  const listed = (await t.request('GET', '/api/customers/export/columns', { cookie: manager })).json().columns;
  assert.ok(listed.some((c: any) => c.key === 'attributes.hair_type' && c.label === 'Hair type'));
  assert.ok(['notes', 'consentSms', 'consentEmail', 'consentPhone', 'consentWechat'].every((k) => listed.some((c: any) => c.key === k)));
  const url = `/api/customers/export?columns=id,attributes.hair_type,notes,consentSms,consentEmail,consentWechat&city=${encodeURIComponent(city)}`;
  const zh = csvRows((await t.request('GET', url, { cookie: manager, headers: { 'accept-language': 'zh-CN' } })).body);
  assert.deepEqual(zh, [['会员编号', '发质', '备注', '同意接收短信', '同意接收邮件', '同意接收微信'], [String(id), '油性', '只在周末联系', '已同意', '未同意', '未同意']]);
  const en = csvRows((await t.request('GET', url, { cookie: await t.loginAs('marketer') })).body);
  assert.deepEqual(en, [['Customer ID', 'Hair type', 'Notes', 'Consent: SMS', 'Consent: E-mail', 'Consent: WeChat'], [String(id), '油性', '***', 'granted', 'not granted', 'not granted']]);
  const unknown = await t.request('GET', '/api/customers/export?columns=id,attributes.no_such', { cookie: manager });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.json().error.fields[0].path, 'columns');
});
