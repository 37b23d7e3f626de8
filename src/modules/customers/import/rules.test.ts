import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cleanCustomerRow, cleanPurchaseRow, parseDateTime, parseFen, duplicateKeys, excelSerialToDate, mergeInto, normaliseEmail, normaliseGender, parseBirthday, parseDate, recogniseHeader, splitTags,
  suggestMapping, type RowContext,
} from './rules.ts';
import { canonicalEncoding, cellText, detectDelimiter } from './files.ts';

test('dates are read in the ways Chinese and English spreadsheets write them', () => {
  const table: [string, string | null | undefined][] = [
    ['1990-01-02', '1990-01-02'], ['1990/1/2', '1990-01-02'], ['1990.1.2', '1990-01-02'], ['1990年1月2日', '1990-01-02'],
    ['19900102', '1990-01-02'], ['1990-01-02T00:00:00Z', '1990-01-02'], ['1990-01-02 08:30', '1990-01-02'], ['32875', '1990-01-02'],
    ['', null], ['  ', null], ['1990-02-30', undefined], ['1990/13/01', undefined], ['not a date', undefined], ['02/01/1990', undefined],
  ];
  for (const [input, want] of table) assert.equal(parseDate(input), want, input);
});

test('Excel serial day numbers account for the 1900 leap-year bug', () => {
  assert.equal(excelSerialToDate(1), '1899-12-31');
  assert.equal(excelSerialToDate(61), '1900-03-01');
  assert.equal(excelSerialToDate(45000), '2023-03-15');
  assert.equal(excelSerialToDate(0), null);
});

test('a birthday in the future or before 1900 is not a birthday', () => {
  assert.equal(parseBirthday('2030-01-01', '2026-11-23'), undefined);
  assert.equal(parseBirthday('1899-12-31', '2026-11-23'), undefined);
  assert.equal(parseBirthday('2026-11-23', '2026-11-23'), '2026-11-23');
});

test('gender is read from 男/女, M/F and words in both languages', () => {
  const table: [string, string | null | undefined][] = [['男', 'male'], ['女', 'female'], ['M', 'male'], ['f', 'female'], ['Female', 'female'], ['先生', 'male'], ['', null], ['?', undefined]];
  for (const [input, want] of table) assert.equal(normaliseGender(input), want, input);
});

test('emails are lower-cased, full-width @ accepted, and malformed ones refused', () => {
  const table: [string, string | null | undefined][] = [
    [' Li.Na@Example.COM ', 'li.na@example.com'], ['wang＠qq。com', 'wang@qq.com'], ['', null], ['no-at-sign', undefined], ['a@b', undefined], ['a b@c.com', undefined],
  ];
  for (const [input, want] of table) assert.equal(normaliseEmail(input), want, input);
});

test('headers are recognised in Chinese and English, whatever their spacing and case', () => {
  const table: [string, string | null][] = [
    ['姓名', 'name'], ['手机号', 'mobile'], ['手机', 'mobile'], ['Mobile Phone', 'mobile'], ['邮箱', 'email'], ['E-mail', 'email'], ['性别', 'gender'],
    ['出生日期', 'birthday'], ['生日', 'birthday'], ['城市', 'city'], ['省份', 'region'], ['会员卡号', 'cardNo'], ['职业', 'occupation'], ['收入', 'incomeBand'],
    ['标签', 'tags'], ['门店', 'store'], ['来源', 'source'], ['备注', 'notes'], ['肤质', null], ['订单号', null],
  ];
  for (const [input, want] of table) assert.equal(recogniseHeader(input, 'customers'), want, input);
  assert.equal(recogniseHeader('订单号', 'purchases'), 'orderNo');
});

test('the suggested mapping maps unknown headers to custom attributes and a field only once', () => {
  assert.deepEqual(suggestMapping(['姓名', '手机', '电话', '肤质', ''], 'customers', true), ['name', 'mobile', 'attributes.电话', 'attributes.肤质', null]);
  assert.deepEqual(suggestMapping(['Column 1', 'Column 2'], 'customers', false), [null, null]);
});

test('tags split on commas, semicolons and 、 in either width', () => {
  assert.deepEqual(splitTags('VIP，敏感肌;新客、VIP | 学生'), ['VIP', '敏感肌', '新客', '学生']);
});

const ctx = (mapping: (string | null)[], strictWidth = true): RowContext => ({ mapping, columnCount: mapping.length, strictWidth, stores: new Map([['S001', 7]]), today: '2026-11-23' });

test('a clean row comes out normalised', () => {
  const r = cleanCustomerRow([' 张  伟 ', '+86 138-0013-8000', 'ZW@QQ.com', '男', '1990年1月2日', 'S001', 'VIP,新客', '油性'], ctx(['name', 'mobile', 'email', 'gender', 'birthday', 'store', 'tags', 'attributes.肤质']));
  assert.ok('row' in r);
  assert.deepEqual(
    { ...r.row },
    { name: '张 伟', mobile: '13800138000', email: 'zw@qq.com', gender: 'male', birthday: '1990-01-02', city: null, region: null, cardNo: null, occupation: null,
      incomeBand: null, tags: ['VIP', '新客'], storeId: 7, source: null, preferredChannel: null, notes: null, attributes: { 肤质: '油性' } },
  );
});

test('each bad field rejects the row with its field and a reason in both languages', () => {
  const m = ['name', 'mobile', 'email', 'birthday', 'store', 'notes'];
  const table: [string[], string, string][] = [
    [['李娜', '12345', '', '', '', ''], 'mobile', '手机号无效 / invalid mobile'],
    [['李娜', '1.38001E+10', '', '', '', ''], 'mobile', '手机号无效（被 Excel 写成了科学计数法） / invalid mobile (Excel wrote it in scientific notation)'],
    [['李娜', '', 'bad@', '', '', ''], 'email', '邮箱无效 / invalid email'],
    [['李娜', '', '', '1990-02-30', '', ''], 'birthday', '生日无效 / invalid birthday'],
    [['李娜', '', '', '', 'S999', ''], 'store', '门店不存在 / unknown store'],
    [['李娜', '', '', '', '', 'x'.repeat(3000)], 'notes', '备注过长（3000 个字符，最多 2000） / notes is too long (3000 characters, at most 2000)'],
    [['李\uFFFD', '', '', '', '', ''], 'name', '姓名含无法识别的字符（文件编码不对？） / name has unreadable characters (wrong file encoding?)'],
    [['', '', 'a@b.cn', '', '', ''], 'name', '需要姓名或手机号 / needs a name or a mobile'],
    [['李娜', ''], '(row)', '列数不足：应有 6 列，实际 2 列 / missing columns: expected 6, found 2'],
    [['李娜', '', '', '', '', '', 'surplus'], '(row)', '多出的列：应有 6 列，实际 7 列 / extra columns: expected 6, found 7'],
  ];
  for (const [cells, field, reason] of table) {
    const r = cleanCustomerRow(cells, ctx(m));
    assert.ok('problem' in r, cells.join('|').slice(0, 40));
    assert.equal(r.problem.field, field);
    assert.equal(`${r.problem.zh} / ${r.problem.en}`, reason);
  }
});

test('XLSX rows may be short, since Excel leaves trailing empty cells out', () => {
  const r = cleanCustomerRow(['李娜'], ctx(['name', 'mobile', 'email'], false));
  assert.ok('row' in r);
});

test('a later duplicate fills only the empty fields of the first, and tags are united', () => {
  const base = { name: '王芳', mobile: '13900000000', email: null, gender: null, birthday: null, city: '上海', region: null, cardNo: null, occupation: null, incomeBand: null, tags: ['VIP'], storeId: null, source: null, preferredChannel: null, notes: null, attributes: {} };
  const first = structuredClone(base);
  mergeInto(first, { ...structuredClone(base), email: 'wf@163.com', city: '北京', tags: ['新客', 'VIP'], attributes: { 肤质: '干性' } });
  assert.equal(first.email, 'wf@163.com');
  assert.equal(first.city, '上海');
  assert.deepEqual(first.tags, ['VIP', '新客']);
  assert.deepEqual(duplicateKeys(first), ['m:13900000000', 'e:wf@163.com']);
});

test('file helpers: delimiters, encodings and XLSX cell values', () => {
  assert.equal(detectDelimiter('姓名\t手机\t"a,b"\n'), '\t');
  assert.equal(detectDelimiter('a;b;c\n1,2;3'), ';');
  assert.equal(canonicalEncoding('GBK'), 'gb18030');
  assert.equal(canonicalEncoding('UTF-8'), 'utf8');
  assert.equal(canonicalEncoding('klingon'), null);
  assert.equal(cellText(new Date(Date.UTC(1990, 0, 2))), '1990-01-02');
  assert.equal(cellText({ richText: [{ text: '张' }, { text: '伟' }] }), '张伟');
  assert.equal(cellText({ formula: 'A1', result: 13800138000 }), '13800138000');
});

test('amounts in yuan become whole fen without floating point', () => {
  const table: [string, number | null | undefined][] = [['12', 1200], ['12.5', 1250], ['¥1,234.56', 123456], ['￥0.07', 7], ['8元', 800], ['', null], ['1.234', undefined], ['-3', undefined], ['abc', undefined]];
  for (const [input, want] of table) assert.equal(parseFen(input), want, input);
});

test('purchase times are read in Beijing time unless they carry an offset', () => {
  const table: [string, string | null | undefined][] = [
    ['2026-01-02 13:45', '2026-01-02T05:45:00.000Z'], ['2026/1/2 13:45:30', '2026-01-02T05:45:30.000Z'], ['2026年1月2日 08:00', '2026-01-02T00:00:00.000Z'],
    ['2026-01-02', '2026-01-01T16:00:00.000Z'], ['2026-01-02T13:45:00Z', '2026-01-02T13:45:00.000Z'], ['46024.5', '2026-01-02T04:00:00.000Z'],
    ['', null], ['2026-01-02 25:00', undefined], ['yesterday', undefined],
  ];
  for (const [input, want] of table) assert.equal(parseDateTime(input), want, input);
});

test('a purchase line row is cleaned, or rejected naming its field', () => {
  const mapping = ['orderNo', 'mobile', 'store', 'purchasedAt', 'sku', 'quantity', 'unitPrice', 'channel'];
  const c = { mapping, columnCount: mapping.length, strictWidth: true };
  const ok = cleanPurchaseRow(['A001', '138 0013 8000', 'S001', '2026-01-02 10:00', 'SKU-1', '2', '19.90', '小程序'], c);
  assert.ok('row' in ok);
  assert.deepEqual([ok.row.mobile, ok.row.quantity, ok.row.unitPriceFen, ok.row.channel], ['13800138000', 2, 1990, 'mini_program']);
  const table: [string[], string][] = [
    [['A001', '123', 'S001', '2026-01-02', 'SKU-1', '1', '1', ''], 'mobile'],
    [['A001', '13800138000', 'S001', '2026-01-02', 'SKU-1', '0', '1', ''], 'quantity'],
    [['A001', '13800138000', 'S001', '2026-01-02', 'SKU-1', '1', '1.999', ''], 'unitPrice'],
    [['A001', '13800138000', 'S001', 'soon', 'SKU-1', '1', '1', ''], 'purchasedAt'],
    [['', '13800138000', 'S001', '2026-01-02', 'SKU-1', '1', '1', ''], 'orderNo'],
    [['A001', '13800138000', 'S001', '2026-01-02', 'SKU-1', '1', '1', '电话'], 'channel'],
  ];
  for (const [cells, field] of table) {
    const r = cleanPurchaseRow(cells, c);
    assert.ok('problem' in r && r.problem.field === field, `${cells.join('|')} → ${field}`);
  }
});
