import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { startTestApp, type TestApp } from '../../../../test/support.ts';
import { runImport } from './service.ts';

let t: TestApp;
let cookie: string;
before(async () => {
  t = await startTestApp();
  cookie = await t.loginAs('manager');
  const admin = await t.loginAs('admin');
  for (const body of [
    { key: 'skin_type', labelZh: '肤质', labelEn: 'Skin type', type: 'enum', allowedValues: ['干性', '油性', '混合', '敏感', '中性'] },
    { key: 'shoe_size', labelZh: '鞋码', labelEn: 'Shoe size', type: 'number' },
    { key: 'retired_field', labelZh: '停用属性', labelEn: 'Retired field', type: 'text' },
  ]) {
    const r = await t.request('POST', '/api/customer-attributes', { cookie: admin, body });
    assert.equal(r.statusCode, 201, r.body);
  }
});
after(async () => {
  await t.close();
});

function multipart(file: Buffer, filename: string) {
  const boundary = `----patron${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, file, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(file: Buffer | string, opts: { filename?: string; query?: string; cookie?: string } = {}) {
  const m = multipart(typeof file === 'string' ? Buffer.from(file, 'utf8') : file, opts.filename ?? 'members.csv');
  return t.request('POST', `/api/imports${opts.query ? `?${opts.query}` : ''}`, { cookie: opts.cookie ?? cookie, body: m.body, headers: { 'content-type': m.contentType } });
}

/** Uploads, starts with the suggested mapping (or the one given) and returns the finished import. */
async function importFile(file: Buffer | string, opts: { filename?: string; query?: string; policy?: string; mapping?: (string | null)[] } = {}) {
  const up = await upload(file, opts);
  assert.equal(up.statusCode, 201, up.body);
  const id = up.json().id;
  const start = await t.request('POST', `/api/imports/${id}/start`, { cookie, body: { mapping: opts.mapping ?? up.json().suggestedMapping, duplicatePolicy: opts.policy ?? 'merge' } });
  assert.equal(start.statusCode, 202, start.body);
  const res = await t.request('GET', `/api/imports/${id}`, { cookie });
  const imp = res.json();
  assert.equal(imp.status, 'done', imp.error ?? '');
  assert.equal(imp.rowsRead, imp.created + imp.updated + imp.merged + imp.rejected, 'counts add up');
  return { upload: up.json(), imp, id };
}

async function outcomes(id: number) {
  const r = await t.db.query(`SELECT row_no, outcome, customer_id, field, reason_zh, reason_en, data FROM import_rows WHERE import_id = $1 ORDER BY row_no`, [id]);
  return r.rows.map((x) => ({ ...x, row_no: Number(x.row_no) }));
}

const customer = async (mobile: string) => (await t.db.query(`SELECT *, birthday::text AS birthday FROM customers WHERE mobile = $1`, [mobile])).rows[0];
let seq = 0;
/** A fresh valid mobile per call, so tests do not collide with each other's customers. */
const mobile = () => `139${String(10_000_000 + ++seq * 7919).slice(-8)}`;

test('a UTF-8 CSV with Chinese headers is previewed with a suggested mapping and imported with normalised values', async () => {
  const m1 = mobile(), m2 = mobile();
  const csv = `姓名,手机号,邮箱,性别,出生日期,城市,标签,肤质\n张伟,+86 ${m1.slice(0, 3)}-${m1.slice(3, 7)}-${m1.slice(7)},ZhangWei@QQ.com,男,1990年1月2日,上海,"VIP,新客",油性\n李娜,${m2},,女,1988/3/4,北京,,\n`;
  const up = await upload(csv);
  assert.equal(up.statusCode, 201);
  const u = up.json();
  assert.equal(u.encoding, 'utf8');
  assert.equal(u.hasHeader, true);
  assert.deepEqual(u.columns, ['姓名', '手机号', '邮箱', '性别', '出生日期', '城市', '标签', '肤质']);
  assert.deepEqual(u.suggestedMapping, ['name', 'mobile', 'email', 'gender', 'birthday', 'city', 'tags', 'attributes.skin_type']);
  assert.ok(u.attributes.some((a: any) => a.target === 'attributes.skin_type' && a.labelZh === '肤质' && a.labelEn === 'Skin type'));
  assert.equal(u.preview.length, 2);
  assert.equal(u.preview[0].cells[0], '张伟');
  const { imp } = await importFile(csv);
  assert.deepEqual([imp.rowsRead, imp.created, imp.rejected, imp.percent], [2, 2, 0, 100]);
  const c = await customer(m1);
  assert.equal(c.name, '张伟');
  assert.equal(c.email, 'zhangwei@qq.com');
  assert.equal(c.gender, 'male');
  assert.equal(c.birthday, '1990-01-02');
  assert.deepEqual(c.tags, ['VIP', '新客']);
  assert.deepEqual(c.attributes, { skin_type: '油性' });
  assert.equal(c.source, 'import');
});

test('a column mapped onto a defined attribute is checked like the API: a value outside the allowed ones rejects only its row', async () => {
  const m1 = mobile(), m2 = mobile(), m3 = mobile();
  const csv = `姓名,手机,皮肤类型,尺码\n甲,${m1},混合,37.5\n乙,${m2},超级油,38\n丙,${m3},敏感,大号\n`;
  const up = await upload(csv);
  assert.deepEqual(up.json().suggestedMapping, ['name', 'mobile', null, null], 'headers naming no attribute are ignored');
  const { imp, id } = await importFile(csv, { mapping: ['name', 'mobile', 'attributes.skin_type', 'attributes.shoe_size'] });
  assert.deepEqual([imp.created, imp.rejected], [1, 2]);
  assert.deepEqual((await customer(m1)).attributes, { skin_type: '混合', shoe_size: 37.5 });
  const o = await outcomes(id);
  assert.deepEqual(o.slice(1).map((x) => [x.field, x.reason_en]), [
    ['attributes.skin_type', 'attributes.skin_type must be one of: 干性, 油性, 混合, 敏感, 中性'],
    ['attributes.shoe_size', 'attributes.shoe_size must be a number'],
  ]);
  assert.equal(o[1]!.reason_zh, '肤质必须是以下之一：干性、油性、混合、敏感、中性');
  assert.equal(await customer(m2), undefined);
});

test('a mapping onto an attribute that is not defined is a 400 naming the column', async () => {
  const up = await upload('姓名,手机,血型\n张三,13800000000,A\n');
  const r = await t.request('POST', `/api/imports/${up.json().id}/start`, { cookie, body: { mapping: ['name', 'mobile', 'attributes.blood_type'] } });
  assert.equal(r.statusCode, 400);
  assert.equal(r.json().error.fields[0].path, 'mapping.2');
  assert.equal(r.json().error.fields[0].message, 'is not a defined customer attribute');
});

test('an attribute retired after the import was started rejects the rows that carry a value for it', async () => {
  const m1 = mobile(), m2 = mobile();
  const up = await upload(`姓名,手机,停用属性\n甲,${m1},有值\n乙,${m2},\n`);
  const id = up.json().id;
  await t.db.query(`UPDATE imports SET mapping = $2, duplicate_policy = 'merge', status = 'queued' WHERE id = $1`, [id, JSON.stringify(['name', 'mobile', 'attributes.retired_field'])]);
  const admin = await t.loginAs('admin');
  assert.equal((await t.request('PATCH', '/api/customer-attributes/retired_field', { cookie: admin, body: { active: false } })).statusCode, 200);
  const done = await runImport(t.db, id);
  assert.deepEqual([done.created, done.rejected], [1, 1]);
  const o = await outcomes(id);
  assert.deepEqual([o[0]!.field, o[0]!.reason_en], ['attributes.retired_field', 'attributes.retired_field is not a defined customer attribute']);
  assert.ok(await customer(m2));
});

test('income band, preferred channel and card number are limited to what the API accepts', async () => {
  const ms = [mobile(), mobile(), mobile(), mobile(), mobile()];
  const csv = `姓名,手机,收入,偏好渠道,会员卡号\n甲,${ms[0]},5000-10000,微信,IMP-CARD-7\n乙,${ms[1]},很多,,\n丙,${ms[2]},,传真,\n丁,${ms[3]},,,PT0000000042\n戊,${ms[4]},above_50k,in_store,\n`;
  const { imp, id } = await importFile(csv);
  assert.deepEqual([imp.created, imp.rejected], [2, 3]);
  const a = await customer(ms[0]!);
  assert.deepEqual([a.income_band, a.preferred_channel, a.card_no], ['5k_10k', 'wechat', 'IMP-CARD-7']);
  assert.deepEqual([(await customer(ms[4]!)).income_band, (await customer(ms[4]!)).preferred_channel], ['above_50k', 'in_store']);
  const o = await outcomes(id);
  assert.deepEqual(o.filter((x) => x.outcome === 'rejected').map((x) => x.field), ['incomeBand', 'preferredChannel', 'cardNo']);
  assert.equal(o[3]!.reason_en, 'cardNo card numbers PT + 10 digits are reserved for generated cards');
});

test('a GBK-encoded CSV is detected and its Chinese names read correctly', async () => {
  const m1 = mobile();
  const gbk = iconv.encode(`姓名,手机\r\n欧阳娜娜,${m1}\r\n`, 'gbk');
  const { upload: u, imp } = await importFile(gbk);
  assert.equal(u.encoding, 'gb18030');
  assert.deepEqual(u.suggestedMapping, ['name', 'mobile']);
  assert.equal(imp.created, 1);
  assert.equal((await customer(m1)).name, '欧阳娜娜');
});

test('an explicit encoding overrides detection, and an unknown one is a 400', async () => {
  const bad = await upload('姓名,手机\n张三,13800000000\n', { query: 'encoding=klingon' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'UNKNOWN_ENCODING');
  const ok = await upload(iconv.encode('姓名,手机\n张三,13800000000\n', 'gbk'), { query: 'encoding=GBK' });
  assert.equal(ok.json().encoding, 'gb18030');
});

test('a UTF-8 BOM does not leak into the first header', async () => {
  const m1 = mobile();
  const { upload: u, imp } = await importFile(`\uFEFF手机,姓名\n${m1},周杰\n`);
  assert.equal(u.columns[0], '手机');
  assert.equal(u.suggestedMapping[0], 'mobile');
  assert.equal(imp.created, 1);
});

test('an XLSX workbook is imported, with date cells, numeric phones and Excel serial dates', async () => {
  const m1 = mobile(), m2 = mobile();
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('会员');
  ws.addRow(['姓名', '手机', '生日', '城市']);
  ws.addRow(['陈晨', Number(m1), new Date(Date.UTC(1992, 4, 6)), '广州']);
  ws.addRow(['刘洋', m2, 33000]);
  const { upload: u, imp, id } = await importFile(Buffer.from(await wb.xlsx.writeBuffer()), { filename: 'members.xlsx' });
  assert.equal(u.format, 'xlsx');
  assert.equal(imp.created, 2, JSON.stringify(await outcomes(id)));
  assert.equal((await customer(m1)).birthday, '1992-05-06');
  assert.equal((await customer(m2)).birthday, '1990-05-07');
  assert.equal((await customer(m2)).city, null);
});

test('quoted newlines stay inside their cell and count as one row', async () => {
  const m1 = mobile(), m2 = mobile();
  const { imp, id } = await importFile(`姓名,手机,备注\n孙丽,${m1},"第一行\n第二行, 含逗号"\n赵磊,${m2},\n`);
  assert.equal(imp.rowsRead, 2);
  assert.equal((await customer(m1)).notes, '第一行\n第二行, 含逗号');
  assert.deepEqual((await outcomes(id)).map((o) => o.row_no), [2, 3]);
});

test('rows with missing or extra columns are rejected on their own and the rest imported', async () => {
  const m1 = mobile(), m2 = mobile(), m3 = mobile();
  const { imp, id } = await importFile(`姓名,手机,城市\n吴敏,${m1},杭州\n郑强,${m2}\n王五,${m3},南京,多余\n`);
  assert.deepEqual([imp.created, imp.rejected], [1, 2]);
  const o = await outcomes(id);
  assert.equal(o[1]!.reason_en, 'missing columns: expected 3, found 2');
  assert.equal(o[2]!.reason_zh, '多出的列：应有 3 列，实际 4 列');
  assert.deepEqual(o[2]!.data, ['王五', m3, '南京', '多余']);
});

test('a 10 MB single cell rejects only its row, with a clear reason', async () => {
  const m1 = mobile(), m2 = mobile(), m3 = mobile();
  const huge = 'x'.repeat(10 * 1024 * 1024);
  const { imp, id } = await importFile(`姓名,手机,备注\n甲,${m1},ok\n乙,${m2},"${huge}"\n丙,${m3},ok\n`);
  assert.deepEqual([imp.rowsRead, imp.created, imp.rejected], [3, 2, 1]);
  const rejected = (await outcomes(id)).find((o) => o.outcome === 'rejected')!;
  assert.equal(rejected.field, 'notes');
  assert.equal(rejected.reason_en, `notes is too long (${huge.length} characters, at most 2000)`);
  assert.ok(rejected.data[2].length <= 501, 'the stored copy is cut');
  assert.ok(await customer(m3));
});

test('duplicate rows within the file merge into the first occurrence', async () => {
  const m1 = mobile();
  const { imp, id } = await importFile(`姓名,手机,邮箱,城市\n钱多多,${m1},,深圳\n钱多多,${m1},qdd@163.com,广州\n钱多多,${m1},,深圳\n`);
  assert.deepEqual([imp.rowsRead, imp.created, imp.merged], [3, 1, 2]);
  const c = await customer(m1);
  assert.equal(c.email, 'qdd@163.com', 'the empty field is filled from the duplicate');
  assert.equal(c.city, '深圳', 'the first occurrence wins');
  const o = await outcomes(id);
  assert.ok(o.slice(1).every((x) => x.customer_id === c.id && x.reason_en === 'duplicate of row 2 in this file, merged'));
});

test('duplicates in different batches of one file are merged too, and a re-run creates nothing twice', async () => {
  const ms = [mobile(), mobile(), mobile()];
  const csv = `姓名,手机\n一,${ms[0]}\n二,${ms[1]}\n三,${ms[2]}\n一,${ms[0]}\n二,${ms[1]}\n`;
  const up = await upload(csv);
  const id = up.json().id;
  await t.db.query(`UPDATE imports SET mapping = $2, duplicate_policy = 'merge', status = 'queued' WHERE id = $1`, [id, JSON.stringify(up.json().suggestedMapping)]);
  await assert.rejects(runImport(t.db, id, { batchRows: 2, afterBatch: () => { throw new Error('crash after the first batch'); } }), /crash/);
  const mid = (await t.db.query(`SELECT status, last_row_no, rows_read FROM imports WHERE id = $1`, [id])).rows[0];
  assert.deepEqual([mid.status, Number(mid.last_row_no), Number(mid.rows_read)], ['failed', 3, 2]);
  const done = await runImport(t.db, id, { batchRows: 2 });
  assert.deepEqual([done.status, done.rowsRead, done.created, done.merged], ['done', 5, 3, 2]);
  const again = await runImport(t.db, id, { batchRows: 2 });
  assert.equal(again.created, 3);
  const n = await t.db.query(`SELECT count(*) AS n FROM customers WHERE mobile = ANY($1)`, [ms]);
  assert.equal(Number(n.rows[0].n), 3);
  assert.equal(((await outcomes(id))[3]!).reason_en, 'duplicate of row 2 in this file (same mobile), merged');
});

test('an existing customer matched by mobile, email or name and birthday is merged by default, filling empty fields only', async () => {
  const m1 = mobile(), m2 = mobile(), m3 = mobile();
  const existing = await t.db.query(
    `INSERT INTO customers (name, mobile, email, birthday, city) VALUES ('老客甲', $1, NULL, NULL, '成都'), ('老客乙', NULL, 'yi@example.com', NULL, NULL), ('老客丙', NULL, NULL, '1985-05-05', NULL) RETURNING id`,
    [m1],
  );
  const { imp, id } = await importFile(`姓名,手机,邮箱,生日,城市\n新名字,${m1},jia@example.com,,重庆\n老客乙,${m2},YI@example.com,,西安\n老客丙,${m3},,1985/5/5,\n`);
  assert.deepEqual([imp.merged, imp.created], [3, 0]);
  const o = await outcomes(id);
  assert.deepEqual(o.map((x) => x.customer_id), existing.rows.map((x) => x.id));
  assert.deepEqual(o.map((x) => x.field), ['mobile', 'email', 'name+birthday']);
  const a = await customer(m1);
  assert.deepEqual([a.name, a.email, a.city], ['老客甲', 'jia@example.com', '成都']);
  assert.equal((await customer(m2)).city, '西安');
});

test('the update policy overwrites with the file\'s values, and skip rejects the row leaving the customer unchanged', async () => {
  const m1 = mobile(), m2 = mobile();
  await t.db.query(`INSERT INTO customers (name, mobile, city) VALUES ('更新前', $1, '天津'), ('跳过我', $2, '大连')`, [m1, m2]);
  const upd = await importFile(`姓名,手机,城市\n更新后,${m1},苏州\n`, { policy: 'update' });
  assert.equal(upd.imp.updated, 1);
  const c = await customer(m1);
  assert.deepEqual([c.name, c.city, c.version], ['更新后', '苏州', 2]);
  const skip = await importFile(`姓名,手机,城市\n别改,${m2},厦门\n`, { policy: 'skip' });
  assert.equal(skip.imp.rejected, 1);
  assert.equal((await outcomes(skip.id))[0]!.reason_en, 'a customer with the same mobile exists; skipped by policy');
  assert.equal((await customer(m2)).city, '大连');
});

test('a row matching one customer by mobile but carrying another customer\'s card number is rejected', async () => {
  const m1 = mobile(), m2 = mobile();
  await t.db.query(`INSERT INTO customers (name, mobile, card_no) VALUES ('持卡人', $1, 'CARD-IMPORT-1'), ('另一位', $2, NULL)`, [m1, m2]);
  const { imp, id } = await importFile(`姓名,手机,会员卡号\n另一位,${m2},CARD-IMPORT-1\n`);
  assert.equal(imp.rejected, 1);
  assert.equal((await outcomes(id))[0]!.reason_zh, '会员卡号已属于另一位会员');
});

test('invalid phones, emails and dates are rejected with field and reason, and injection strings are just names', async () => {
  const m1 = mobile();
  const { imp, id } = await importFile(`姓名,手机,邮箱,生日\nRobert'); DROP TABLE customers;--,${m1},,\n坏手机,12345,,\n坏邮箱,,not-an-email,\n坏生日,,,1990-02-30\n`);
  assert.deepEqual([imp.created, imp.rejected], [1, 3]);
  const o = await outcomes(id);
  assert.deepEqual(o.slice(1).map((x) => [x.field, `${x.reason_zh} / ${x.reason_en}`]), [
    ['mobile', '手机号无效 / invalid mobile'], ['email', '邮箱无效 / invalid email'], ['birthday', '生日无效 / invalid birthday'],
  ]);
  assert.equal((await customer(m1)).name, "Robert'); DROP TABLE customers;--");
});

test('the report lists every row or only the rejected ones, as CSV with a BOM or as XLSX', async () => {
  const m1 = mobile();
  const { id } = await importFile(`姓名,手机\n好人,${m1}\n=HYPERLINK("x"),12345\n`);
  const all = await t.request('GET', `/api/imports/${id}/report?format=csv`, { cookie });
  assert.equal(all.statusCode, 200);
  assert.match(String(all.headers['content-type']), /text\/csv/);
  assert.ok(all.body.startsWith('\uFEFF行号 / row,结果 / outcome'));
  const lines = all.body.trim().split('\r\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^2,新建 \/ created,\d+,,,,$/, 'created rows keep no copy of their input');
  assert.match(lines[2]!, /^3,拒绝 \/ rejected,,mobile,手机号无效 \/ invalid mobile,"'=HYPERLINK\(""x""\)",12345$/);
  const rejected = await t.request('GET', `/api/imports/${id}/report?rows=rejected&format=xlsx`, { cookie });
  assert.equal(rejected.statusCode, 200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(rejected.rawPayload as any);
  const ws = wb.worksheets[0]!;
  assert.equal(ws.rowCount, 2);
  assert.equal(ws.getRow(2).getCell(1).value, 3);
});

test('the history lists imports newest first', async () => {
  const r = await t.request('GET', '/api/imports?limit=2', { cookie });
  assert.equal(r.statusCode, 200);
  const items = r.json().items;
  assert.equal(items.length, 2);
  assert.ok(items[0].id > items[1].id);
});

test('a role without customers.import gets 403', async () => {
  const marketer = await t.loginAs('marketer');
  const up = await upload('姓名,手机\n张三,13800000000\n', { cookie: marketer });
  assert.equal(up.statusCode, 403);
  assert.equal((await t.request('GET', '/api/imports', { cookie: marketer })).statusCode, 403);
});

test('binary garbage, an empty file, an old .xls and a broken XLSX are refused with a clear 400', async () => {
  const garbage = Buffer.alloc(4096);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 256;
  const cases: [Buffer, string][] = [
    [garbage, 'NOT_A_SPREADSHEET'],
    [Buffer.alloc(0), 'EMPTY_FILE'],
    [Buffer.from('\n\n  \n'), 'EMPTY_FILE'],
    [Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), Buffer.alloc(100)]), 'LEGACY_XLS'],
    [Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from('not really a zip')]), 'UNREADABLE_XLSX'],
  ];
  for (const [file, code] of cases) {
    const r = await upload(file);
    assert.equal(r.statusCode, 400, code);
    assert.equal(r.json().error.code, code);
  }
  const none = await t.request('POST', '/api/imports', { cookie, body: { not: 'multipart' } });
  assert.equal(none.statusCode, 400);
});

test('a mapping to an unknown field, a field twice, or without name and mobile is a 400; starting twice is a 409', async () => {
  const up = await upload('姓名,手机,城市\n张三,13800000000,上海\n');
  const id = up.json().id;
  const start = (body: unknown) => t.request('POST', `/api/imports/${id}/start`, { cookie, body });
  const unknown = await start({ mapping: ['name', 'password', null] });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.json().error.fields[0].path, 'mapping.1');
  assert.equal((await start({ mapping: ['name', 'name', null] })).statusCode, 400);
  assert.equal((await start({ mapping: [null, null, 'city'] })).statusCode, 400);
  assert.equal((await start({ mapping: ['name'], extra: 1 })).statusCode, 400);
  assert.equal((await start({ mapping: ['name', 'mobile', 'city'] })).statusCode, 202);
  const again = await start({ mapping: ['name', 'mobile', 'city'] });
  assert.equal(again.statusCode, 409);
  assert.equal((await t.request('GET', '/api/imports/999999', { cookie })).statusCode, 404);
});

test('a caller without customers.pii gets the report without the rows\' own cells', async () => {
  const admin = await t.loginAs('admin');
  const key = await t.request('POST', '/api/api-keys', { cookie: admin, body: { name: '数据仓库导入', scopes: ['customers.import'] } });
  assert.equal(key.statusCode, 201, key.body);
  const { id } = await importFile(`姓名,手机\n隐私,12345\n`);
  const r = await t.request('GET', `/api/imports/${id}/report?rows=rejected`, { headers: { authorization: `Bearer ${key.json().key}` } });
  assert.equal(r.statusCode, 200);
  assert.ok(r.body.startsWith('\uFEFF'));
  const lines = r.body.trim().split('\r\n');
  assert.equal(lines[0], '行号 / row,结果 / outcome,会员ID / customer id,字段 / field,原因 / reason');
  assert.equal(lines[1], '2,拒绝 / rejected,,mobile,手机号无效 / invalid mobile');
});

test('purchase lines are grouped by order number, booked through sales, and importing the file again counts nothing twice', async () => {
  const m1 = mobile(), m2 = mobile();
  await t.db.query(`INSERT INTO customers (name, mobile) VALUES ('买家甲', $1), ('买家乙', $2)`, [m1, m2]);
  await t.db.query(`INSERT INTO stores (code, name) VALUES ('IMP01', '导入测试店') ON CONFLICT DO NOTHING`);
  await t.db.query(`INSERT INTO products (sku, name, category, price_fen) VALUES ('IMP-SKU-1', '面霜', '护肤', 9900), ('IMP-SKU-2', '口红', '彩妆', 15900) ON CONFLICT DO NOTHING`);
  const csv = [
    '订单号,会员手机号,门店,时间,商品编码,数量,单价,实付',
    `IMP-A1,${m1},IMP01,2026-01-02 10:00,IMP-SKU-1,2,99.00,`,
    `IMP-A1,${m1},IMP01,2026-01-02 10:00,IMP-SKU-2,1,159,`,
    `IMP-A2,${m2},IMP01,2026/1/3 11:30,IMP-SKU-1,1,99,99`,
    `IMP-A3,${m2},IMP01,2026-01-04 09:00,IMP-SKU-1,1,99,`,
    `IMP-A3,${m2},IMP01,2026-01-04 09:00,IMP-SKU-2,0,159,`,
    `IMP-A4,13999999999,IMP01,2026-01-05 09:00,IMP-SKU-1,1,99,`,
  ].join('\n');
  const up = await upload(csv, { query: 'kind=purchases' });
  assert.equal(up.statusCode, 201, up.body);
  assert.deepEqual(up.json().suggestedMapping, ['orderNo', 'mobile', 'store', 'purchasedAt', 'sku', 'quantity', 'unitPrice', 'paid']);
  const first = await importFile(csv, { query: 'kind=purchases' });
  assert.deepEqual([first.imp.rowsRead, first.imp.created, first.imp.merged, first.imp.rejected], [6, 3, 0, 3]);
  const o = await outcomes(first.id);
  assert.equal(o[3]!.reason_en, 'row 6 of the same order is invalid; the order was not booked');
  assert.equal(o[4]!.field, 'quantity');
  assert.equal(o[5]!.outcome, 'rejected');
  const p = await t.db.query(`SELECT external_id, total_fen, item_count FROM purchases WHERE source = 'import' AND external_id LIKE 'IMP-A%' ORDER BY external_id`);
  assert.deepEqual(p.rows.map((r) => [r.external_id, Number(r.total_fen), Number(r.item_count)]), [['IMP-A1', 35700, 3], ['IMP-A2', 9900, 1]]);
  const again = await importFile(csv, { query: 'kind=purchases' });
  assert.deepEqual([again.imp.created, again.imp.merged, again.imp.rejected], [0, 3, 3]);
  const n = await t.db.query(`SELECT count(*) AS n FROM purchases WHERE source = 'import' AND external_id LIKE 'IMP-A%'`);
  assert.equal(Number(n.rows[0].n), 2);
});

test('purchase rows without a time, or with an unknown store or product, a negative or a fractional-fen amount are rejected on their own', async () => {
  const m1 = mobile();
  await t.db.query(`INSERT INTO customers (name, mobile) VALUES ('买家丙', $1)`, [m1]);
  await t.db.query(`INSERT INTO stores (code, name) VALUES ('IMP01', '导入测试店') ON CONFLICT DO NOTHING`);
  await t.db.query(`INSERT INTO products (sku, name, category, price_fen) VALUES ('IMP-SKU-1', '面霜', '护肤', 9900) ON CONFLICT DO NOTHING`);
  const csv = [
    '订单号,会员手机号,门店,时间,商品编码,数量,金额',
    `IMP-B1,${m1},IMP01,2026-02-01 10:00,IMP-SKU-1,1,99`,
    `IMP-B2,${m1},IMP01,,IMP-SKU-1,1,99`,
    `IMP-B3,${m1},NO-SUCH-STORE,2026-02-01 11:00,IMP-SKU-1,1,99`,
    `IMP-B4,${m1},IMP01,2026-02-01 12:00,NO-SUCH-SKU,1,99`,
    `IMP-B5,${m1},IMP01,2026-02-01 13:00,IMP-SKU-1,1,-99`,
    `IMP-B6,${m1},IMP01,2026-02-01 14:00,IMP-SKU-1,1,99.995`,
    `IMP-B7,${m1},IMP01,2026-02-01 15:00,IMP-SKU-1,2,198`,
  ].join('\n');
  const { imp, id } = await importFile(csv, { query: 'kind=purchases' });
  assert.deepEqual([imp.rowsRead, imp.created, imp.rejected], [7, 2, 5]);
  const o = await outcomes(id);
  const rejected = Object.fromEntries(o.filter((x) => x.outcome === 'rejected').map((x) => [x.row_no, [x.field, x.reason_en]]));
  assert.deepEqual(rejected[3], ['purchasedAt', 'purchasedAt is empty: the purchase time is needed']);
  assert.deepEqual(rejected[4], ['store', 'no such store']);
  assert.deepEqual(rejected[5], ['sku', 'no product with this sku (give a category to book it anyway)']);
  assert.deepEqual(rejected[6], ['amount', 'amount is not an amount in yuan with at most two decimals']);
  assert.deepEqual(rejected[7], ['amount', 'amount is not an amount in yuan with at most two decimals']);
  const p = await t.db.query(`SELECT external_id, total_fen, purchased_at FROM purchases WHERE source = 'import' AND external_id LIKE 'IMP-B%' ORDER BY external_id`);
  assert.deepEqual(p.rows.map((r) => [r.external_id, Number(r.total_fen)]), [['IMP-B1', 9900], ['IMP-B7', 19800]]);
  assert.equal(new Date(p.rows[0].purchased_at).toISOString(), '2026-02-01T02:00:00.000Z');
});

test('starting a purchase import needs sales.write as well as customers.import', async () => {
  const admin = await t.loginAs('admin');
  const key = (await t.request('POST', '/api/api-keys', { cookie: admin, body: { name: '只能导入会员', scopes: ['customers.import'] } })).json().key;
  const auth = { authorization: `Bearer ${key}` };
  const up = await upload('订单号,会员手机号,时间,商品编码,数量,单价\nX1,13800000000,2026-01-02,S,1,1\n', { query: 'kind=purchases' });
  assert.equal(up.statusCode, 201);
  const r = await t.request('POST', `/api/imports/${up.json().id}/start`, { headers: auth, body: { mapping: up.json().suggestedMapping } });
  assert.equal(r.statusCode, 403);
  assert.equal((await t.request('GET', `/api/imports/${up.json().id}`, { headers: auth })).json().status, 'uploaded');
});

test("what imports did to a customer shows on their timeline: created from a file row, then updated by another file", async () => {
  const m = mobile();
  const first = await importFile(`姓名,手机,城市\n郑爽,${m},杭州\n`, { filename: '门店会员.csv' });
  const second = await importFile(`姓名,手机,城市\n郑爽,${m},宁波\n`, { filename: '会员更新.csv', policy: 'update' });
  const id = (await customer(m)).id;
  const r = await t.request('GET', `/api/customers/${id}/timeline`, { cookie });
  assert.equal(r.statusCode, 200, r.body);
  const imports = r.json().items.filter((e: any) => e.source === 'imports').map((e: any) => [e.type, e.data.importId, e.data.fileName, e.data.rowNo]);
  // Row numbers are the file's lines, the header being line 1.
  assert.deepEqual(imports, [['import_updated', second.id, '会员更新.csv', 2], ['import_created', first.id, '门店会员.csv', 2]]);
  // Purchases imported for them show as purchases, not as import events.
  await t.db.query(`INSERT INTO products (sku, name, category, price_fen) VALUES ('TL-SKU-1', '面膜', '护肤', 5900) ON CONFLICT DO NOTHING`);
  const sales = await importFile(`订单号,会员手机号,渠道,时间,商品编码,数量,单价\nTL-1,${m},线上,2026-02-01 10:00,TL-SKU-1,1,59\n`, { query: 'kind=purchases' });
  assert.equal(sales.imp.created, 1);
  const after = (await t.request('GET', `/api/customers/${id}/timeline`, { cookie })).json().items;
  assert.deepEqual(after.filter((e: any) => e.source === 'imports').length, 2);
  assert.ok(after.some((e: any) => e.source === 'purchases' && e.type === 'sale'));
});

test('a purchases mapping with neither a store nor a channel column is refused before the run, naming the mapping', async () => {
  const csv = ['订单号,会员手机号,时间,商品编码,数量,单价', `NOSTORE-1,${mobile()},2026-01-02 10:00,IMP-SKU-1,1,99`].join('\n');
  const up = await upload(csv, { query: 'kind=purchases' });
  assert.equal(up.statusCode, 201, up.body);
  const start = await t.request('POST', `/api/imports/${up.json().id}/start`, { cookie, body: { mapping: up.json().suggestedMapping, duplicatePolicy: 'merge' } });
  assert.equal(start.statusCode, 400);
  assert.deepEqual(start.json().error.fields, [{ path: 'mapping', message: 'needs store or channel' }]);
  assert.equal((await t.request('GET', `/api/imports/${up.json().id}`, { cookie })).json().status, 'uploaded', 'nothing was queued');
});

test('an exported member with a generated card is matched by that card on re-import and updated, not rejected', async () => {
  const m = mobile();
  const created = await t.request('POST', '/api/customers', { cookie, body: { name: '冯婧', mobile: m, city: '杭州' } });
  assert.equal(created.statusCode, 201, created.body);
  const card = created.json().cardNo as string;
  assert.match(card, /^PT\d{10}$/);
  const { imp, id } = await importFile(`姓名,会员卡号,城市\n冯婧,${card},温州\n`, { policy: 'update' });
  assert.deepEqual([imp.updated, imp.rejected], [1, 0], JSON.stringify(await outcomes(id)));
  assert.equal((await customer(m)).city, '温州');
});
