import { test } from 'node:test';
import assert from 'node:assert/strict';
import { birthdayProblem, checkAttributes, classifyQuery, escapeLike, normaliseEmail, type AttributeDefinition } from './rules.ts';

const emails: [string, string | null][] = [
  [' Li.Na@Example.COM ', 'li.na@example.com'],
  ['wang+vip@shop.cn', 'wang+vip@shop.cn'],
  ['no-at-sign.example.com', null],
  ['two@@example.com', null],
  ['user@localhost', null],
  ['<script>@x.cn', null],
  ['', null],
];
for (const [input, expected] of emails) {
  test(`normaliseEmail(${JSON.stringify(input)}) is ${JSON.stringify(expected)}`, () => assert.equal(normaliseEmail(input), expected));
}

const birthdays: [string, string | null][] = [
  ['1990-05-20', null],
  ['2026-11-23', null],
  ['2026-11-24', 'must not be in the future'],
  ['1899-12-31', 'must not be before 1900'],
  ['1990-02-30', 'must be a real date YYYY-MM-DD'],
  ['20-05-1990', 'must be a real date YYYY-MM-DD'],
];
for (const [d, problem] of birthdays) {
  test(`a birthday of ${d} is ${problem ?? 'accepted'} (today 2026-11-23)`, () => assert.equal(birthdayProblem(d, '2026-11-23')?.en ?? null, problem));
}

const defs = new Map<string, AttributeDefinition>([
  ['skin_type', { key: 'skin_type', labelZh: '肤质', labelEn: 'Skin type', type: 'enum', allowedValues: ['干性', '油性', '混合', '敏感', '中性'], position: 0, active: true }],
  ['height_cm', { key: 'height_cm', labelZh: '身高', labelEn: 'Height', type: 'number', allowedValues: [], position: 1, active: true }],
  ['wedding_day', { key: 'wedding_day', labelZh: '结婚纪念日', labelEn: 'Wedding day', type: 'date', allowedValues: [], position: 2, active: true }],
  ['hobby', { key: 'hobby', labelZh: '爱好', labelEn: 'Hobby', type: 'text', allowedValues: [], position: 3, active: true }],
  ['old', { key: 'old', labelZh: '旧', labelEn: 'Old', type: 'text', allowedValues: [], position: 4, active: false }],
]);
const attributeCases: [Record<string, unknown>, string[]][] = [
  [{ skin_type: '油性', height_cm: 165, wedding_day: '2020-10-01', hobby: '瑜伽' }, []],
  [{ skin_type: '超级油' }, ['attributes.skin_type']],
  [{ height_cm: '165' }, ['attributes.height_cm']],
  [{ wedding_day: '2020-13-01' }, ['attributes.wedding_day']],
  [{ hobby: 'x'.repeat(201) }, ['attributes.hobby']],
  [{ unknown_key: 'x' }, ['attributes.unknown_key']],
  [{ old: 'x' }, ['attributes.old']],
  [{ skin_type: null }, []],
];
for (const [values, paths] of attributeCases) {
  test(`attributes ${JSON.stringify(values).slice(0, 60)} give problems at [${paths.join(', ')}]`, () => {
    assert.deepEqual(checkAttributes(values, defs).problems.map((p) => p.path), paths);
  });
}

const queries: [string, { kind: string; q: string }][] = [
  ['13812345678', { kind: 'digits', q: '13812345678' }],
  ['+86 138 1234 5678', { kind: 'digits', q: '13812345678' }],
  ['0086-13812345678', { kind: 'digits', q: '13812345678' }],
  ['5678', { kind: 'digits', q: '5678' }],
  ['Li@Example.com', { kind: 'email', q: 'li@example.com' }],
  [' 王小明 ', { kind: 'text', q: '王小明' }],
];
for (const [raw, expected] of queries) {
  test(`the till query ${JSON.stringify(raw)} is read as ${expected.kind} ${expected.q}`, () => assert.deepEqual(classifyQuery(raw), expected));
}

test('LIKE wildcards typed by a user match only themselves', () => {
  assert.equal(escapeLike('50%_off\\'), '50\\%\\_off\\\\');
});
