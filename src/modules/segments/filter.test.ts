import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, FILTER_LIMITS } from './filter.ts';

const today = '2026-11-23';
const compile = (f: unknown) => compileFilter(f, { today, timezone: 'Asia/Shanghai' });
const problem = (f: unknown) => {
  try {
    compile(f);
  } catch (e: any) {
    return { status: e.statusCode, code: e.code, path: e.fields?.[0]?.path, en: e.fields?.[0]?.en };
  }
  return null;
};

const compiles: [string, unknown, string, unknown[]][] = [
  ['an enum equality', { field: 'gender', op: 'eq', value: 'female' }, 'c.gender = $1::text', ['female']],
  ['a text list', { field: 'city', op: 'in', value: ['上海', '杭州'] }, 'c.city = ANY($1::text[])', [['上海', '杭州']]],
  ['tags held in any', { field: 'tags', op: 'has_any', value: ['VIP'] }, 'c.tags && $1::text[]', [['VIP']]],
  ['an age range as birthday bounds', { field: 'age', op: 'between', value: [25, 34] }, '(c.birthday <= $1::date AND c.birthday > $2::date)', ['2001-11-23', '1991-11-23']],
  ['a date within the last days, from business midnight', { field: 'registeredAt', op: 'within_last_days', value: 30 }, 'c.registered_at >= $1::timestamptz', ['2026-10-24 00:00:00 Asia/Shanghai']],
  ['a score join', { field: 'valueGrade', op: 'in', value: ['high', 'medium'] }, 's.value_grade = ANY($1::text[])', [['high', 'medium']]],
  ['consent granted', { field: 'consent', op: 'granted', value: 'sms' }, 'EXISTS (SELECT 1 FROM customer_consent_current cs WHERE cs.customer_id = c.id AND cs.channel = $1::text AND cs.granted)', ['sms']],
  ['a custom attribute', { field: 'attribute', op: 'eq', value: { key: 'skinType', value: '油性' } }, 'c.attributes->>$1::text = $2::text', ['skinType', '油性']],
  ['groups with NOT', { all: [{ field: 'gender', op: 'eq', value: 'male' }, { not: { any: [{ field: 'city', op: 'eq', value: '北京' }] } }] },
    '(c.gender = $1::text AND NOT (c.city = $2::text))', ['male', '北京']],
  ['an empty AND matches everyone', { all: [] }, 'TRUE', []],
];

for (const [name, filter, where, params] of compiles) {
  test(`compiles ${name}`, () => {
    const c = compile(filter);
    assert.equal(c.where, where);
    assert.deepEqual(c.params, params);
  });
}

test('a category bought in the last 90 days probes the activity roll-up', () => {
  const c = compile({ field: 'boughtCategory', op: 'within_last_days', value: { keys: ['护肤'], value: 90 } });
  assert.match(c.where, /^EXISTS \(SELECT 1 FROM customer_activity a WHERE a.customer_id = c.id AND a.dimension = 'category' AND a.key = \$1::text AND a.last_at >= \$2::timestamptz\)$/);
  assert.deepEqual(c.params, ['护肤', '2026-08-25 00:00:00 Asia/Shanghai']);
});

test('conditions on the all-purchases row under AND test that one row once', () => {
  const c = compile({ all: [
    { field: 'consent', op: 'granted', value: 'sms' }, { field: 'totalSpend', op: 'gte', value: 200_000 },
    { field: 'lastPurchase', op: 'not_within_last_days', value: 180 },
  ] });
  assert.equal(c.where.match(/customer_activity/g)?.length, 1);
  assert.match(c.where, /a.dimension = 'all' AND a.key = \$2::text AND a.spend_fen >= \$3::bigint AND a.last_at < \$4::timestamptz\)\)$/);
  assert.deepEqual(c.params, ['sms', '', 200_000, '2026-05-27 00:00:00 Asia/Shanghai']);
});

test('conditions on several keys keep a probe each, since they may hold on different rows', () => {
  const keys = ['彩妆', '香水'];
  const c = compile({ all: [{ field: 'boughtCategory', op: 'ever', value: { keys } }, { field: 'boughtCategory', op: 'within_last_days', value: { keys, value: 30 } }] });
  assert.equal(c.where.match(/customer_activity/g)?.length, 2);
});

test('conditions on one row under OR or NOT keep a probe each', () => {
  const spend = { field: 'totalSpend', op: 'gte', value: 100 };
  const recent = { field: 'lastPurchase', op: 'within_last_days', value: 30 };
  assert.equal(compile({ any: [spend, recent] }).where.match(/customer_activity/g)?.length, 2);
  assert.equal(compile({ all: [spend, { not: recent }] }).where.match(/customer_activity/g)?.length, 2);
});

test('one value of one type travels as one parameter', () => {
  const c = compile({ all: [{ field: 'city', op: 'eq', value: '上海' }, { field: 'region', op: 'eq', value: '上海' }] });
  assert.equal(c.where, '(c.city = $1::text AND c.region = $1::text)');
  assert.deepEqual(c.params, ['上海']);
});

test('at most N purchases includes customers who never bought', () => {
  const c = compile({ field: 'purchaseCount', op: 'lte', value: 2 });
  assert.match(c.where, /^NOT EXISTS .* a.purchases > \$2::bigint\)$/);
});

test('joins are asked for only when a field needs them', () => {
  assert.deepEqual([...compile({ field: 'city', op: 'eq', value: '上海' }).joins], []);
  assert.deepEqual([...compile({ all: [{ field: 'tier', op: 'eq', value: 'gold' }, { field: 'churnRisk', op: 'eq', value: 'high' }] }).joins].sort(), ['loyalty', 'scores']);
});

test('hostile text only ever travels as a parameter', () => {
  const evil = "'); DROP TABLE customers; --";
  const c = compile({ any: [{ field: 'city', op: 'eq', value: evil }, { field: 'attribute', op: 'eq', value: { key: 'skinType', value: evil } }] });
  assert.ok(!c.where.includes('DROP'));
  assert.ok(c.params.includes(evil));
});

const rejects: [string, unknown, string, RegExp][] = [
  ['an unknown field', { field: 'salary', op: 'eq', value: 1 }, 'filter.field', /unknown field "salary"/],
  ['a field name carrying SQL', { field: 'c.name; DROP TABLE x', op: 'eq', value: 'a' }, 'filter.field', /unknown field/],
  ['an operator that does not fit the type', { field: 'gender', op: 'gte', value: 3 }, 'filter.op', /does not apply to gender/],
  ['an enum value outside its options', { field: 'gender', op: 'eq', value: 'robot' }, 'filter.value', /must be one of/],
  ['a number given as text', { field: 'pointsBalance', op: 'gte', value: '100' }, 'filter.value', /must be a number/],
  ['fractional fen', { field: 'totalSpend', op: 'gte', value: 10.5 }, 'filter.value', /whole number of fen/],
  ['a reversed range', { field: 'age', op: 'between', value: [40, 20] }, 'filter.value', /from must not be after to/],
  ['a bad date', { field: 'registeredAt', op: 'before', value: '2026-13-45' }, 'filter.value', /date YYYY-MM-DD/],
  ['a node that is neither group nor condition', { all: [{ any: 'x' }] }, 'filter.all[0].any', /must be a list/],
  ['an extra key', { field: 'city', op: 'eq', value: 'x', sql: '1=1' }, 'filter.sql', /unknown key/],
  ['a behaviour condition without keys', { field: 'boughtCategory', op: 'ever', value: { keys: [] } }, 'filter.value.keys', /non-empty list/],
  ['an attribute key with odd characters', { field: 'attribute', op: 'eq', value: { key: "a'b", value: 'x' } }, 'filter.value.key', /attribute key/],
  ['a value where none is taken', { field: 'city', op: 'is_set', value: 'x' }, 'filter.value', /takes no value/],
  ['not an object at all', 'city = 上海', 'filter', /group or a condition/],
];

for (const [name, filter, path, message] of rejects) {
  test(`rejects ${name} with a 400 naming ${path}`, () => {
    const p = problem(filter);
    assert.ok(p, 'expected a problem');
    assert.equal(p.status, 400);
    assert.equal(p.code, 'INVALID_FILTER');
    assert.equal(p.path, path);
    assert.match(p.en, message);
  });
}

test('rejects nesting deeper than the limit', () => {
  let f: unknown = { field: 'city', op: 'eq', value: 'x' };
  for (let i = 0; i < FILTER_LIMITS.depth + 2; i++) f = { not: f };
  assert.match(problem(f)!.en, /nesting deeper/);
});

test('rejects huge lists and too many conditions', () => {
  assert.match(problem({ field: 'city', op: 'in', value: Array.from({ length: FILTER_LIMITS.listItems + 1 }, (_, i) => `c${i}`) })!.en, /at most/);
  assert.match(problem({ any: Array.from({ length: FILTER_LIMITS.conditions + 1 }, () => ({ field: 'city', op: 'eq', value: 'x' })) })!.en, /more than/);
});
