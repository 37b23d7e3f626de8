import { AppError, type BilingualFieldProblem } from '../../http/errors.ts';
import { OTHER_SEGMENT, RFM_SEGMENTS } from '../analytics/index.ts';

/** A segment filter as stored (JSON): groups of conditions combined with AND (`all`), OR (`any`) and NOT. */
export type SegmentFilter = { all: SegmentFilter[] } | { any: SegmentFilter[] } | { not: SegmentFilter } | Condition;
export interface Condition {
  field: string;
  op: string;
  value?: unknown;
}

export const FILTER_LIMITS = { depth: 6, conditions: 60, listItems: 1000, textLength: 200 } as const;

type ValueKind = 'enum' | 'text' | 'number' | 'money' | 'date' | 'tags' | 'storeIds' | 'bool' | 'days';
type FieldType = 'enum' | 'text' | 'number' | 'money' | 'date' | 'tags' | 'store' | 'age' | 'consent' | 'activity' | 'attribute';

/** What a marketer can filter on. `source` names the joined table a field needs, so counts join only what they use. */
export interface FieldSpec {
  key: string;
  group: 'profile' | 'behaviour' | 'loyalty' | 'scores';
  type: FieldType;
  zh: string;
  en: string;
  /** For enums: the allowed values with labels. */
  options?: { value: string; zh: string; en: string }[];
  column?: string;
  source?: 'scores' | 'loyalty';
  /** For behaviour fields: which activity dimension (all purchases, a category, a store, a channel). */
  dimension?: 'all' | 'category' | 'store' | 'channel';
  measure?: 'last_at' | 'purchases' | 'spend_fen';
}

const opt = (value: string, zh: string, en: string) => ({ value, zh, en });

export const FIELDS: FieldSpec[] = [
  { key: 'gender', group: 'profile', type: 'enum', zh: '性别', en: 'Gender', column: 'c.gender', options: [opt('female', '女', 'Female'), opt('male', '男', 'Male'), opt('other', '其他', 'Other')] },
  { key: 'age', group: 'profile', type: 'age', zh: '年龄', en: 'Age' },
  { key: 'kind', group: 'profile', type: 'enum', zh: '客户类型', en: 'Customer type', column: 'c.kind', options: [opt('person', '个人', 'Person'), opt('business', '企业', 'Business')] },
  { key: 'city', group: 'profile', type: 'text', zh: '城市', en: 'City', column: 'c.city' },
  { key: 'region', group: 'profile', type: 'text', zh: '地区', en: 'Region', column: 'c.region' },
  { key: 'occupation', group: 'profile', type: 'text', zh: '职业', en: 'Occupation', column: 'c.occupation' },
  { key: 'incomeBand', group: 'profile', type: 'text', zh: '收入水平', en: 'Income band', column: 'c.income_band' },
  { key: 'source', group: 'profile', type: 'text', zh: '来源渠道', en: 'Source', column: 'c.source' },
  { key: 'preferredChannel', group: 'profile', type: 'text', zh: '偏好渠道', en: 'Preferred channel', column: 'c.preferred_channel' },
  { key: 'tags', group: 'profile', type: 'tags', zh: '标签', en: 'Tags', column: 'c.tags' },
  { key: 'preferredStore', group: 'profile', type: 'store', zh: '常去门店', en: 'Preferred store', column: 'c.preferred_store_id' },
  { key: 'registeredAt', group: 'profile', type: 'date', zh: '注册时间', en: 'Registered', column: 'c.registered_at' },
  { key: 'attribute', group: 'profile', type: 'attribute', zh: '自定义属性', en: 'Custom attribute' },
  { key: 'consent', group: 'profile', type: 'consent', zh: '营销授权', en: 'Marketing consent', options: [opt('sms', '短信', 'SMS'), opt('email', '邮件', 'Email'), opt('phone', '电话', 'Phone'), opt('wechat', '微信', 'WeChat')] },
  { key: 'lastPurchase', group: 'behaviour', type: 'activity', zh: '最近购买时间', en: 'Last purchase', dimension: 'all', measure: 'last_at' },
  { key: 'purchaseCount', group: 'behaviour', type: 'activity', zh: '累计购买次数', en: 'Purchases (all time)', dimension: 'all', measure: 'purchases' },
  { key: 'totalSpend', group: 'behaviour', type: 'activity', zh: '累计消费金额', en: 'Spend (all time)', dimension: 'all', measure: 'spend_fen' },
  { key: 'boughtCategory', group: 'behaviour', type: 'activity', zh: '购买过品类', en: 'Bought category', dimension: 'category', measure: 'last_at' },
  { key: 'boughtAtStore', group: 'behaviour', type: 'activity', zh: '在门店购买过', en: 'Bought at store', dimension: 'store', measure: 'last_at' },
  { key: 'boughtViaChannel', group: 'behaviour', type: 'activity', zh: '通过渠道购买过', en: 'Bought via channel', dimension: 'channel', measure: 'last_at' },
  { key: 'tier', group: 'loyalty', type: 'text', zh: '会员等级', en: 'Tier', column: 'lt.code', source: 'loyalty' },
  { key: 'pointsBalance', group: 'loyalty', type: 'number', zh: '积分余额', en: 'Points balance', column: 'la.points_balance', source: 'loyalty' },
  { key: 'rfmSegment', group: 'scores', type: 'enum', zh: 'RFM 分群', en: 'RFM segment', column: 's.rfm_segment', source: 'scores',
    options: [...RFM_SEGMENTS, OTHER_SEGMENT].map((x) => opt(x.code, x.nameZh, x.nameEn)) },
  { key: 'valueGrade', group: 'scores', type: 'enum', zh: '价值等级', en: 'Value grade', column: 's.value_grade', source: 'scores', options: [opt('high', '高价值', 'High'), opt('medium', '中价值', 'Medium'), opt('low', '低价值', 'Low')] },
  { key: 'churnRisk', group: 'scores', type: 'enum', zh: '流失风险', en: 'Churn risk', column: 's.churn_risk', source: 'scores', options: [opt('high', '高', 'High'), opt('medium', '中', 'Medium'), opt('low', '低', 'Low')] },
  { key: 'rfmScore', group: 'scores', type: 'number', zh: 'RFM 得分', en: 'RFM score', column: 's.rfm_score', source: 'scores' },
  { key: 'pAlive', group: 'scores', type: 'number', zh: '活跃概率', en: 'Probability active', column: 's.p_alive', source: 'scores' },
  { key: 'predictedValue', group: 'scores', type: 'money', zh: '预测价值 (CLV)', en: 'Predicted value (CLV)', column: 's.clv_fen', source: 'scores' },
];

const FIELD_BY_KEY = new Map(FIELDS.map((f) => [f.key, f]));

/** Which operators each kind of field takes, and what value each operator needs. */
const OPS: Record<FieldType, Record<string, ValueKind | null>> = {
  enum: { eq: 'enum', neq: 'enum', in: 'enum', not_in: 'enum', is_set: null, is_not_set: null },
  text: { eq: 'text', neq: 'text', in: 'text', not_in: 'text', is_set: null, is_not_set: null },
  number: { eq: 'number', gte: 'number', lte: 'number', between: 'number', is_set: null, is_not_set: null },
  money: { gte: 'money', lte: 'money', between: 'money', is_set: null, is_not_set: null },
  date: { before: 'date', after: 'date', between: 'date', within_last_days: 'days', not_within_last_days: 'days' },
  tags: { has_any: 'text', has_all: 'text', has_none: 'text' },
  store: { in: 'storeIds', not_in: 'storeIds', is_set: null, is_not_set: null },
  age: { gte: 'number', lte: 'number', between: 'number', is_set: null, is_not_set: null },
  consent: { granted: 'enum', not_granted: 'enum' },
  attribute: { eq: 'text', neq: 'text', in: 'text', is_set: 'text', is_not_set: 'text' },
  activity: {},
};

/** Behaviour fields: operators depend on what they measure. */
const ACTIVITY_OPS: Record<NonNullable<FieldSpec['measure']>, Record<string, ValueKind | null>> = {
  last_at: { within_last_days: 'days', not_within_last_days: 'days', before: 'date', after: 'date', ever: null, never: null },
  purchases: { gte: 'number', lte: 'number', between: 'number' },
  spend_fen: { gte: 'money', lte: 'money', between: 'money' },
};

export function operatorsFor(f: FieldSpec): Record<string, ValueKind | null> {
  return f.type === 'activity' ? ACTIVITY_OPS[f.measure!] : OPS[f.type];
}

export interface CompiledFilter {
  /** A boolean SQL expression over `c` (customers) and, when used, `s` (scores), `la`/`lt` (loyalty). */
  where: string;
  params: unknown[];
  joins: Set<'scores' | 'loyalty'>;
}

class FilterProblem extends Error {
  constructor(public path: string, public en: string, public zh: string) {
    super(en);
  }
}

const DAY_MS = 86_400_000;

/** A test of one customer's single activity row (one dimension, one key): tests of the same row under AND share one probe. */
interface RowProbe {
  row: string;
  conds: string[];
}
type Part = string | RowProbe;
const sql = (p: Part): string =>
  typeof p === 'string' ? p : `EXISTS (SELECT 1 FROM customer_activity a WHERE ${[p.row, ...p.conds].join(' AND ')})`;

/**
 * Compiles a stored filter into a parameterised SQL condition. Values only ever travel as parameters;
 * field names and operators come from the catalogue above, never from the filter's text.
 * `today` is the business date (YYYY-MM-DD) that ages and "last N days" count from.
 */
export function compileFilter(filter: unknown, opts: { today: string; timezone?: string; paramOffset?: number }): CompiledFilter {
  const params: unknown[] = [];
  const joins = new Set<'scores' | 'loyalty'>();
  const offset = opts.paramOffset ?? 0;
  const today = new Date(`${opts.today}T00:00:00Z`);
  let conditions = 0;
  const reused = new Map<string, string>();
  const param = (v: unknown, cast: string) => {
    // The same scalar under the same type is passed once, so tests of one activity row render alike and can merge.
    const k = typeof v === 'string' || typeof v === 'number' ? `${cast}|${typeof v}|${v}` : undefined;
    const known = k === undefined ? undefined : reused.get(k);
    if (known) return known;
    params.push(v);
    const ref = `$${offset + params.length}::${cast}`;
    if (k !== undefined) reused.set(k, ref);
    return ref;
  };
  const timezone = opts.timezone ?? 'Asia/Shanghai';
  // A business date starts at midnight in the business time zone, not in UTC.
  const startOf = (date: string) => param(`${date} 00:00:00 ${timezone}`, 'timestamptz');
  const nextDate = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

  const walk = (node: unknown, path: string, depth: number): Part => {
    if (depth > FILTER_LIMITS.depth) throw new FilterProblem(path, `nesting deeper than ${FILTER_LIMITS.depth} levels`, `嵌套超过 ${FILTER_LIMITS.depth} 层`);
    if (!node || typeof node !== 'object' || Array.isArray(node)) throw new FilterProblem(path, 'must be a group or a condition', '必须是条件组或条件');
    const keys = Object.keys(node);
    const n = node as Record<string, unknown>;
    if (keys.length === 1 && (keys[0] === 'all' || keys[0] === 'any')) {
      const list = n[keys[0]];
      if (!Array.isArray(list)) throw new FilterProblem(`${path}.${keys[0]}`, 'must be a list', '必须是列表');
      if (list.length === 0) return keys[0] === 'all' ? 'TRUE' : 'FALSE';
      const parts = list.map((child, i) => walk(child, `${path}.${keys[0]}[${i}]`, depth + 1));
      return `(${(keys[0] === 'all' ? mergeProbes(parts) : parts).map(sql).join(keys[0] === 'all' ? ' AND ' : ' OR ')})`;
    }
    if (keys.length === 1 && keys[0] === 'not') return `NOT ${sql(walk(n.not, `${path}.not`, depth + 1))}`;
    const unknown = keys.find((k) => !['field', 'op', 'value'].includes(k));
    if (unknown) throw new FilterProblem(`${path}.${unknown}`, 'unknown key: a node is {all}, {any}, {not} or {field, op, value}', '未知的键：节点应为 all、any、not 或 field/op/value');
    if (++conditions > FILTER_LIMITS.conditions) throw new FilterProblem(path, `more than ${FILTER_LIMITS.conditions} conditions`, `条件超过 ${FILTER_LIMITS.conditions} 个`);
    return condition(n, path);
  };

  // A customer has at most one row per (dimension, key), so "a row with A and a row with B" is "a row with A and B":
  // one probe instead of one join per condition.
  const mergeProbes = (parts: Part[]): Part[] => {
    const out: Part[] = [];
    const byRow = new Map<string, RowProbe>();
    for (const p of parts) {
      if (typeof p === 'string') out.push(p);
      else if (byRow.has(p.row)) byRow.get(p.row)!.conds.push(...p.conds);
      else {
        const copy = { row: p.row, conds: [...p.conds] };
        byRow.set(p.row, copy);
        out.push(copy);
      }
    }
    return out;
  };

  const condition = (n: Record<string, unknown>, path: string): Part => {
    const field = typeof n.field === 'string' ? FIELD_BY_KEY.get(n.field) : undefined;
    if (!field) throw new FilterProblem(`${path}.field`, `unknown field ${JSON.stringify(n.field)?.slice(0, 60)}`, `未知字段 ${JSON.stringify(n.field)?.slice(0, 60)}`);
    const ops = operatorsFor(field);
    const op = typeof n.op === 'string' && Object.hasOwn(ops, n.op) ? n.op : undefined;
    if (!op) throw new FilterProblem(`${path}.op`, `operator ${JSON.stringify(n.op)?.slice(0, 40)} does not apply to ${field.key}`, `运算符 ${JSON.stringify(n.op)?.slice(0, 40)} 不适用于字段 ${field.zh}`);
    if (field.source) joins.add(field.source);
    const kind = ops[op];
    const v = (p = 'value') => `${path}.${p}`;
    const value = n.value;

    const scalar = (x: unknown, k: ValueKind, p: string): unknown => {
      switch (k) {
        case 'text':
        case 'enum': {
          if (typeof x !== 'string' || x.length === 0 || x.length > FILTER_LIMITS.textLength) throw new FilterProblem(p, `must be text of 1–${FILTER_LIMITS.textLength} characters`, `必须是 1–${FILTER_LIMITS.textLength} 个字符的文本`);
          if (k === 'enum' && field.options && !field.options.some((o) => o.value === x)) throw new FilterProblem(p, `must be one of ${field.options.map((o) => o.value).join(', ')}`, `必须是以下之一：${field.options.map((o) => o.zh).join('、')}`);
          return x;
        }
        case 'number':
          if (typeof x !== 'number' || !Number.isFinite(x)) throw new FilterProblem(p, 'must be a number', '必须是数字');
          return x;
        case 'money':
          if (!Number.isSafeInteger(x)) throw new FilterProblem(p, 'must be a whole number of fen', '必须是整数（分）');
          return x;
        case 'days':
          if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > 36500) throw new FilterProblem(p, 'must be a whole number of days from 1 to 36500', '必须是 1–36500 的整数天数');
          return x;
        case 'date':
          if (typeof x !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(x) || Number.isNaN(Date.parse(x))) throw new FilterProblem(p, 'must be a date YYYY-MM-DD', '必须是日期 YYYY-MM-DD');
          return x;
        case 'storeIds':
          if (!Number.isSafeInteger(x) || (x as number) < 1) throw new FilterProblem(p, 'must be a store id', '必须是门店编号');
          return x;
        default:
          return x;
      }
    };
    const list = (k: ValueKind): unknown[] => {
      if (!Array.isArray(value) || value.length === 0) throw new FilterProblem(v(), 'must be a non-empty list', '必须是非空列表');
      if (value.length > FILTER_LIMITS.listItems) throw new FilterProblem(v(), `at most ${FILTER_LIMITS.listItems} items`, `最多 ${FILTER_LIMITS.listItems} 项`);
      return value.map((x, i) => scalar(x, k, `${v()}[${i}]`));
    };
    const range = (k: ValueKind): [unknown, unknown] => {
      if (!Array.isArray(value) || value.length !== 2) throw new FilterProblem(v(), 'must be [from, to]', '必须是 [起, 止]');
      const [a, b] = [scalar(value[0], k, `${v()}[0]`), scalar(value[1], k, `${v()}[1]`)];
      if ((a as any) > (b as any)) throw new FilterProblem(v(), 'from must not be after to', '起始值不能大于结束值');
      return [a, b];
    };
    const noValue = () => {
      if (value !== undefined && value !== null) throw new FilterProblem(v(), 'this operator takes no value', '该运算符不需要取值');
    };
    const daysAgo = (days: number) => new Date(today.getTime() - days * DAY_MS).toISOString().slice(0, 10);
    const pgType = kind === 'number' ? 'numeric' : kind === 'money' || kind === 'storeIds' ? 'bigint' : 'text';

    switch (field.type) {
      case 'enum':
      case 'text':
      case 'number':
      case 'money':
      case 'store': {
        const col = field.column!;
        if (op === 'is_set') return noValue(), `${col} IS NOT NULL`;
        if (op === 'is_not_set') return noValue(), `${col} IS NULL`;
        if (op === 'eq') return `${col} = ${param(scalar(value, kind!, v()), pgType)}`;
        if (op === 'neq') return `${col} IS DISTINCT FROM ${param(scalar(value, kind!, v()), pgType)}`;
        if (op === 'in') return `${col} = ANY(${param(list(kind!), `${pgType}[]`)})`;
        if (op === 'not_in') return `(NOT (${col} = ANY(${param(list(kind!), `${pgType}[]`)})) OR ${col} IS NULL)`;
        if (op === 'gte') return `${col} >= ${param(scalar(value, kind!, v()), pgType)}`;
        if (op === 'lte') return `${col} <= ${param(scalar(value, kind!, v()), pgType)}`;
        const [a, b] = range(kind!);
        return `${col} BETWEEN ${param(a, pgType)} AND ${param(b, pgType)}`;
      }
      case 'date': {
        const col = field.column!;
        if (op === 'before') return `${col} < ${startOf(scalar(value, 'date', v()) as string)}`;
        if (op === 'after') return `${col} >= ${startOf(nextDate(scalar(value, 'date', v()) as string))}`;
        if (op === 'within_last_days') return `${col} >= ${startOf(daysAgo(scalar(value, 'days', v()) as number))}`;
        if (op === 'not_within_last_days') return `${col} < ${startOf(daysAgo(scalar(value, 'days', v()) as number))}`;
        const [a, b] = range('date');
        return `(${col} >= ${startOf(a as string)} AND ${col} < ${startOf(nextDate(b as string))})`;
      }
      case 'tags': {
        const tags = param(list('text'), 'text[]');
        if (op === 'has_any') return `c.tags && ${tags}`;
        if (op === 'has_all') return `c.tags @> ${tags}`;
        return `NOT (c.tags && ${tags})`;
      }
      case 'age': {
        // Age bounds become birthday bounds, so an index on birthday could serve them.
        const bornOnOrBefore = (age: number) => `${param(`${today.getUTCFullYear() - age}${opts.today.slice(4)}`, 'date')}`;
        const bornAfter = (age: number) => `${param(`${today.getUTCFullYear() - age - 1}${opts.today.slice(4)}`, 'date')}`;
        const age = (x: unknown, p: string) => {
          const a = scalar(x, 'number', p) as number;
          if (!Number.isInteger(a) || a < 0 || a > 130) throw new FilterProblem(p, 'must be a whole age from 0 to 130', '必须是 0–130 的整数年龄');
          return a;
        };
        if (op === 'is_set') return noValue(), 'c.birthday IS NOT NULL';
        if (op === 'is_not_set') return noValue(), 'c.birthday IS NULL';
        if (op === 'gte') return `c.birthday <= ${bornOnOrBefore(age(value, v()))}`;
        if (op === 'lte') return `c.birthday > ${bornAfter(age(value, v()))}`;
        const [a, b] = range('number');
        return `(c.birthday <= ${bornOnOrBefore(age(a, `${v()}[0]`))} AND c.birthday > ${bornAfter(age(b, `${v()}[1]`))})`;
      }
      case 'consent': {
        const granted = `EXISTS (SELECT 1 FROM customer_consent_current cs WHERE cs.customer_id = c.id AND cs.channel = ${param(scalar(value, 'enum', v()), 'text')} AND cs.granted)`;
        return op === 'granted' ? granted : `NOT ${granted}`;
      }
      case 'attribute': {
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new FilterProblem(v(), 'must be {key, value}', '必须是 {key, value}');
        const a = value as Record<string, unknown>;
        const key = a.key;
        if (typeof key !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(key)) throw new FilterProblem(v('value.key'), 'must be an attribute key (letters, digits, _)', '必须是属性键（字母、数字、下划线）');
        const k = param(key, 'text');
        if (op === 'is_set') return `c.attributes ? ${k}`;
        if (op === 'is_not_set') return `NOT (c.attributes ? ${k})`;
        if (op === 'in') {
          if (!Array.isArray(a.value) || a.value.length === 0 || a.value.length > FILTER_LIMITS.listItems) throw new FilterProblem(v('value.value'), 'must be a non-empty list', '必须是非空列表');
          return `c.attributes->>${k} = ANY(${param(a.value.map((x, i) => scalar(x, 'text', `${v('value.value')}[${i}]`)), 'text[]')})`;
        }
        const val = param(scalar(a.value, 'text', v('value.value')), 'text');
        return op === 'eq' ? `c.attributes->>${k} = ${val}` : `c.attributes->>${k} IS DISTINCT FROM ${val}`;
      }
      case 'activity':
        return activity(field, op, kind, value, path, { scalar, daysAgo, param, startOf, nextDate });
    }
  };

  const activity = (
    field: FieldSpec, op: string, kind: ValueKind | null, value: unknown, path: string,
    h: { scalar: (x: unknown, k: ValueKind, p: string) => unknown; daysAgo: (d: number) => string; param: (v: unknown, cast: string) => string; startOf: (d: string) => string; nextDate: (d: string) => string },
  ): Part => {
    // Category, store and channel conditions carry which ones in `value.keys` and the measure in `value.value`.
    let keys: string[] = [''];
    let measured: unknown = value;
    const vp = `${path}.value`;
    if (field.dimension !== 'all') {
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new FilterProblem(vp, 'must be {keys: [...], value}', '必须是 {keys: [...], value}');
      const o = value as Record<string, unknown>;
      const bad = Object.keys(o).find((k) => k !== 'keys' && k !== 'value');
      if (bad) throw new FilterProblem(`${vp}.${bad}`, 'unknown key', '未知的键');
      if (!Array.isArray(o.keys) || o.keys.length === 0 || o.keys.length > FILTER_LIMITS.listItems) throw new FilterProblem(`${vp}.keys`, 'must be a non-empty list', '必须是非空列表');
      keys = o.keys.map((k, i) => {
        if (field.dimension === 'store') return String(h.scalar(k, 'storeIds', `${vp}.keys[${i}]`));
        return h.scalar(k, 'text', `${vp}.keys[${i}]`) as string;
      });
      measured = o.value;
    }
    // One key compares with =, which the planner estimates far better than = ANY of a one-element array.
    const keyMatch = keys.length === 1 ? `a.key = ${h.param(keys[0], 'text')}` : `a.key = ANY(${h.param(keys, 'text[]')})`;
    const probe = (cond: string): RowProbe | string => {
      const row = `a.customer_id = c.id AND a.dimension = '${field.dimension}' AND ${keyMatch}`;
      const p = { row, conds: cond ? [cond] : [] };
      // With several keys a customer has several rows, and two conditions may hold on different ones.
      return keys.length === 1 ? p : sql(p);
    };
    const inner = (cond: string) => sql(probe(cond));
    const one = (k: ValueKind) => {
      if (measured === undefined || measured === null) throw new FilterProblem(field.dimension === 'all' ? vp : `${vp}.value`, 'is required', '必填');
      return h.scalar(measured, k, field.dimension === 'all' ? vp : `${vp}.value`);
    };
    const rangeOf = (k: ValueKind) => {
      const p = field.dimension === 'all' ? vp : `${vp}.value`;
      if (!Array.isArray(measured) || measured.length !== 2) throw new FilterProblem(p, 'must be [from, to]', '必须是 [起, 止]');
      const a = h.scalar(measured[0], k, `${p}[0]`);
      const b = h.scalar(measured[1], k, `${p}[1]`);
      if ((a as any) > (b as any)) throw new FilterProblem(p, 'from must not be after to', '起始值不能大于结束值');
      return [a, b];
    };
    const m = `a.${field.measure}`;
    const cast = 'bigint';
    switch (op) {
      case 'ever': return probe('');
      case 'never': return `NOT ${inner('')}`;
      case 'within_last_days': return probe(`${m} >= ${h.startOf(h.daysAgo(one('days') as number))}`);
      // Bought before but not within the window: lapsed rather than never. With one key there is one row to test.
      case 'not_within_last_days': {
        const since = h.startOf(h.daysAgo(one('days') as number));
        return keys.length === 1 ? probe(`${m} < ${since}`) : `(${inner('')} AND NOT ${inner(`${m} >= ${since}`)})`;
      }
      case 'before': return probe(`${m} < ${h.startOf(one('date') as string)}`);
      case 'after': return probe(`${m} >= ${h.startOf(h.nextDate(one('date') as string))}`);
      case 'gte': return probe(`${m} >= ${h.param(one(kind!), cast)}`);
      case 'lte': {
        const bound = h.param(one(kind!), cast);
        // Never having bought counts as zero purchases and zero spend.
        return field.dimension === 'all' ? `NOT ${inner(`${m} > ${bound}`)}` : probe(`${m} <= ${bound}`);
      }
      default: {
        const [a, b] = rangeOf(kind!);
        return probe(`${m} BETWEEN ${h.param(a, cast)} AND ${h.param(b, cast)}`);
      }
    }
  };

  try {
    const where = sql(walk(filter, 'filter', 1));
    return { where, params, joins };
  } catch (e) {
    if (e instanceof FilterProblem) throw filterError([{ path: e.path, en: e.en, zh: e.zh }]);
    throw e;
  }
}

const filterError = (fields: BilingualFieldProblem[]) =>
  new AppError(400, 'INVALID_FILTER', { en: `Invalid segment filter: ${fields.map((f) => `${f.path}: ${f.en}`).join('; ')}`, zh: `分群条件无效：${fields.map((f) => `${f.path}：${f.zh}`).join('；')}` }, fields);

/** The FROM clause a compiled filter needs: customers, plus scores and loyalty only when used. */
export function filterFrom(joins: Set<'scores' | 'loyalty'>): string {
  let from = 'customers c';
  if (joins.has('scores')) from += ' LEFT JOIN customer_scores s ON s.customer_id = c.id';
  if (joins.has('loyalty')) from += ' LEFT JOIN loyalty_accounts la ON la.customer_id = c.id LEFT JOIN loyalty_tiers lt ON lt.id = la.tier_id';
  return from;
}
