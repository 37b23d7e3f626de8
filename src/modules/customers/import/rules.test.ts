import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cleanCustomerRow, cleanPurchaseRow, parseDateTime, parseFen, duplicateKeys, excelSerialToDate, mergeInto, normaliseEmail, normaliseGender, parseBirthday, parseDate, recogniseHeader, splitTags,
  normaliseIncomeBand, normalisePreferredChannel, suggestMapping, type RowContext,
} from './rules.ts';
import type { AttributeDefinition } from '../rules.ts';
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

const def = (key: string, labelZh: string, labelEn: string, type: AttributeDefinition['type'], allowedValues: string[] = [], active = true): AttributeDefinition =>
  ({ key, labelZh, labelEn, type, allowedValues, position: 0, active });
const DEFS = [
  def('skin_type', '肤质', 'Skin type', 'enum', ['干性', '油性', '混合']),
  def('shoe_size', '鞋码', 'Shoe size', 'number'),
  def('wedding_day', '结婚纪念日', 'Wedding day', 'date'),
  def('nickname', '昵称', 'Nickname', 'text'),
  def('old_field', '旧字段', 'Old field', 'text', [], false),
];

test('the suggested mapping maps headers naming a defined attribute to it, and other unknown headers to nothing', () => {
  assert.deepEqual(
    suggestMapping(['姓名', '手机', '电话', '肤质', 'Shoe Size', 'wedding_day', '旧字段', '血型', ''], 'customers', true, DEFS),
    ['name', 'mobile', null, 'attributes.skin_type', 'attributes.shoe_size', 'attributes.wedding_day', null, null, null],
  );
  assert.deepEqual(suggestMapping(['肤质', '肤质'], 'customers', true, DEFS), ['attributes.skin_type', null]);
  assert.deepEqual(suggestMapping(['肤质'], 'purchases', true, DEFS), [null]);
  assert.deepEqual(suggestMapping(['Column 1', 'Column 2'], 'customers', false, DEFS), [null, null]);
});

test('tags split on commas, semicolons and 、 in either width', () => {
  assert.deepEqual(splitTags('VIP，敏感肌;新客、VIP | 学生'), ['VIP', '敏感肌', '新客', '学生']);
});

const ctx = (mapping: (string | null)[], strictWidth = true): RowContext => ({
  mapping, columnCount: mapping.length, strictWidth, stores: new Map([['S001', 7]]), today: '2026-11-23', attributes: new Map(DEFS.map((d) => [d.key, d])),
});

test('a clean row comes out normalised', () => {
  const r = cleanCustomerRow([' 张  伟 ', '+86 138-0013-8000', 'ZW@QQ.com', '男', '1990年1月2日', 'S001', 'VIP,新客', '油性'], ctx(['name', 'mobile', 'email', 'gender', 'birthday', 'store', 'tags', 'attributes.skin_type']));
  assert.ok('row' in r);
  assert.deepEqual(
    { ...r.row },
    { name: '张 伟', mobile: '13800138000', email: 'zw@qq.com', gender: 'male', birthday: '1990-01-02', city: null, region: null, cardNo: null, occupation: null,
      incomeBand: null, tags: ['VIP', '新客'], storeId: 7, source: null, preferredChannel: null, notes: null, attributes: { skin_type: '油性' } },
  );
});

test('custom attribute cells are stored typed, as the API stores them', () => {
  const r = cleanCustomerRow(['李娜', '混合', '38', '2015/5/20', ' 小 李 ', ''], ctx(['name', 'attributes.skin_type', 'attributes.shoe_size', 'attributes.wedding_day', 'attributes.nickname', 'attributes.shoe_size']));
  assert.ok('row' in r);
  assert.deepEqual(r.row.attributes, { skin_type: '混合', shoe_size: 38, wedding_day: '2015-05-20', nickname: '小 李' });
});

test('an attribute value the definition does not allow, or an attribute no longer defined, rejects the row', () => {
  const m = ['name', 'attributes.skin_type', 'attributes.shoe_size', 'attributes.wedding_day', 'attributes.old_field', 'attributes.blood_type'];
  const table: [string[], string, string][] = [
    [['李娜', '超级油', '', '', '', ''], 'attributes.skin_type', '肤质必须是以下之一：干性、油性、混合 / attributes.skin_type must be one of: 干性, 油性, 混合'],
    [['李娜', '', '三十八', '', '', ''], 'attributes.shoe_size', '鞋码必须是数字 / attributes.shoe_size must be a number'],
    [['李娜', '', '', '2015-02-30', '', ''], 'attributes.wedding_day', '结婚纪念日必须是日期 YYYY-MM-DD / attributes.wedding_day must be a date YYYY-MM-DD'],
    [['李娜', '', '', '', '旧值', ''], 'attributes.old_field', '旧字段不是已定义的客户属性 / attributes.old_field is not a defined customer attribute'],
    [['李娜', '', '', '', '', 'A'], 'attributes.blood_type', 'blood_type不是已定义的客户属性 / attributes.blood_type is not a defined customer attribute'],
  ];
  for (const [cells, field, reason] of table) {
    const r = cleanCustomerRow(cells, ctx(m));
    assert.ok('problem' in r, cells.join('|'));
    assert.equal(r.problem.field, field);
    assert.equal(`${r.problem.zh} / ${r.problem.en}`, reason);
  }
});

test('income bands and preferred channels are read as their codes or in Chinese, and nothing else', () => {
  const bands: [string, string | null][] = [['10k_20k', '10k_20k'], [' Above_50K ', 'above_50k'], ['5000-10000', '5k_10k'], ['5万以上', 'above_50k'], ['很多', null], ['10k', null]];
  for (const [input, want] of bands) assert.equal(normaliseIncomeBand(input), want, input);
  const channels: [string, string | null][] = [['WeChat', 'wechat'], ['微信', 'wechat'], ['短信', 'sms'], ['门店', 'in_store'], ['in_store', 'in_store'], ['传真', null], ['fax', null]];
  for (const [input, want] of channels) assert.equal(normalisePreferredChannel(input), want, input);
});

test('an income band, preferred channel or card number the API would refuse rejects the row', () => {
  const m = ['name', 'incomeBand', 'preferredChannel', 'cardNo'];
  const ok = cleanCustomerRow(['李娜', '1万-2万', '微信', 'SH-0001'], ctx(m));
  assert.ok('row' in ok);
  assert.deepEqual([ok.row.incomeBand, ok.row.preferredChannel, ok.row.cardNo], ['10k_20k', 'wechat', 'SH-0001']);
  // A generated card passes the row's rules: it may name the member who holds it (matching refuses one nobody holds).
  const generated = cleanCustomerRow(['李娜', '', '', 'PT0000000001'], ctx(m));
  assert.ok('row' in generated && generated.row.cardNo === 'PT0000000001');
  const table: [string[], string, RegExp][] = [
    [['李娜', '很多', '', ''], 'incomeBand', /^收入区间无效.* \/ invalid income band \(expected one of below_5k, 5k_10k, 10k_20k, 20k_50k, above_50k\)$/],
    [['李娜', '', '传真', ''], 'preferredChannel', /^偏好渠道无效.* \/ invalid preferred channel \(expected one of sms, email, phone, wechat, in_store\)$/],
    [['李娜', '', '', '卡 001'], 'cardNo', /^会员卡号只能是 1–32 位字母、数字或 - \/ cardNo must be 1–32 letters, digits or -$/],
  ];
  for (const [cells, field, reason] of table) {
    const r = cleanCustomerRow(cells, ctx(m));
    assert.ok('problem' in r, cells.join('|'));
    assert.equal(r.problem.field, field);
    assert.match(`${r.problem.zh} / ${r.problem.en}`, reason);
  }
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
    [['A001', '13800138000', 'S001', '', 'SKU-1', '1', '1', ''], 'purchasedAt'],
    [['A001', '13800138000', 'S001', '2026-01-02', 'SKU-1', '1', '-5', ''], 'unitPrice'],
  ];
  for (const [cells, field] of table) {
    const r = cleanPurchaseRow(cells, c);
    assert.ok('problem' in r && r.problem.field === field, `${cells.join('|')} → ${field}`);
  }
});
