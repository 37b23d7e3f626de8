import type { Queryable } from '../../db/client.ts';
import type { Lang } from '../../http/errors.ts';
import { maskBirthday, maskEmail, maskMobile } from '../../lib/pii.ts';
import type { TabularColumn } from '../../lib/tabular-export.ts';
import { Conditions } from '../../db/conditions.ts';
import { CHANNELS } from './rules.ts';
import type { AttributeDefinition } from './rules.ts';

type Pii = 'mobile' | 'email' | 'birthday' | 'card' | 'text';

export interface ExportColumnDef {
  sql: string;
  en: string;
  zh: string;
  pii?: Pii;
  /** A consent column: true/false written as words in the reader's language. */
  consent?: boolean;
}

const CHANNEL_LABELS: Record<(typeof CHANNELS)[number], [string, string]> = { sms: ['SMS', '短信'], email: ['E-mail', '邮件'], phone: ['Phone', '电话'], wechat: ['WeChat', '微信'] };
const capitalised = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** The only columns a bulk export may ask for; anything else is a 400. */
export const EXPORT_COLUMNS: Record<string, ExportColumnDef> = {
  id: { sql: 'c.id', en: 'Customer ID', zh: '会员编号' },
  kind: { sql: 'c.kind', en: 'Kind', zh: '类型' },
  name: { sql: 'c.name', en: 'Name', zh: '姓名' },
  mobile: { sql: 'c.mobile', en: 'Mobile', zh: '手机号', pii: 'mobile' },
  email: { sql: 'c.email', en: 'E-mail', zh: '邮箱', pii: 'email' },
  gender: { sql: 'c.gender', en: 'Gender', zh: '性别' },
  birthday: { sql: 'c.birthday::text', en: 'Birthday', zh: '生日', pii: 'birthday' },
  region: { sql: 'c.region', en: 'Region', zh: '地区' },
  city: { sql: 'c.city', en: 'City', zh: '城市' },
  occupation: { sql: 'c.occupation', en: 'Occupation', zh: '职业' },
  incomeBand: { sql: 'c.income_band', en: 'Income band', zh: '收入区间' },
  cardNo: { sql: 'c.card_no', en: 'Member card', zh: '会员卡号', pii: 'card' },
  preferredStoreId: { sql: 'c.preferred_store_id', en: 'Preferred store ID', zh: '常去门店编号' },
  preferredStore: { sql: '(SELECT s.name FROM stores s WHERE s.id = c.preferred_store_id)', en: 'Preferred store', zh: '常去门店' },
  preferredChannel: { sql: 'c.preferred_channel', en: 'Preferred channel', zh: '偏好渠道' },
  source: { sql: 'c.source', en: 'Source', zh: '来源' },
  tags: { sql: 'c.tags', en: 'Tags', zh: '标签' },
  status: { sql: 'c.status', en: 'Status', zh: '状态' },
  registeredAt: { sql: 'c.registered_at', en: 'Registered at', zh: '注册时间' },
  createdAt: { sql: 'c.created_at', en: 'Created at', zh: '创建时间' },
  notes: { sql: 'c.notes', en: 'Notes', zh: '备注', pii: 'text' },
  ...Object.fromEntries(CHANNELS.map((ch) => [`consent${capitalised(ch)}`, {
    // One primary-key probe per row into the consent in force; a channel never asked is not granted.
    sql: `coalesce((SELECT cc.granted FROM customer_consent_current cc WHERE cc.customer_id = c.id AND cc.channel = '${ch}'), false)`,
    en: `Consent: ${CHANNEL_LABELS[ch][0]}`, zh: `同意接收${CHANNEL_LABELS[ch][1]}`, consent: true,
  }])),
};
export const ATTRIBUTE_COLUMN_PREFIX = 'attributes.';
export const EXPORT_COLUMN_KEYS = Object.keys(EXPORT_COLUMNS);
export const DEFAULT_EXPORT_COLUMNS = ['id', 'name', 'mobile', 'city', 'tags', 'registeredAt'];

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The fixed columns and one column per defined custom attribute (`attributes.<key>`, retired ones too: their values are still stored). */
export function exportColumnDefs(attributes: AttributeDefinition[]): Record<string, ExportColumnDef> {
  const out: Record<string, ExportColumnDef> = { ...EXPORT_COLUMNS };
  for (const d of attributes) {
    out[ATTRIBUTE_COLUMN_PREFIX + d.key] = { sql: `c.attributes ->> ${sqlText(d.key)}`, en: d.labelEn, zh: d.labelZh };
  }
  return out;
}

export interface ExportFilter {
  city?: string;
  tag?: string;
  storeId?: number;
  createdFrom?: string;
  createdTo?: string;
  status?: 'active' | 'merged' | 'erased';
  /** A store-scoped actor exports only customers whose preferred store is theirs. */
  storeIds?: number[];
}

/** The WHERE clause and its parameters; every value is a parameter, never spliced into the text. */
export function exportWhere(f: ExportFilter): { where: string; params: unknown[] } {
  const c = new Conditions().add('c.status = ?', f.status ?? 'active');
  if (f.city) c.add('c.city = ?', f.city);
  if (f.tag) c.add('c.tags @> ARRAY[?]::text[]', f.tag);
  if (f.storeId != null) c.add('c.preferred_store_id = ?', f.storeId);
  if (f.storeIds?.length) c.add('c.preferred_store_id = ANY(?::bigint[])', f.storeIds);
  if (f.createdFrom) c.add('c.created_at >= ?::date', f.createdFrom);
  if (f.createdTo) c.add(`c.created_at < ?::date + 1`, f.createdTo);
  return { where: c.sql, params: c.params };
}

/** Rows in keyset batches by id: each batch is one indexed range query, so memory stays at one batch whatever the total. */
export async function* customerBatches(
  q: Queryable, columns: string[], f: ExportFilter, batchSize = 5000, defs: Record<string, ExportColumnDef> = EXPORT_COLUMNS,
): AsyncGenerator<Record<string, unknown>[]> {
  const { where, params } = exportWhere(f);
  const select = ['c.id AS "__id"', ...columns.map((k, i) => `${defs[k]!.sql} AS "c${i}"`)].join(', ');
  const text = `SELECT ${select} FROM customers c WHERE ${where} AND c.id > $${params.length + 1} ORDER BY c.id LIMIT $${params.length + 2}`;
  let after = 0;
  for (;;) {
    const r = await q.query(text, [...params, after, batchSize]);
    if (r.rows.length === 0) return;
    yield r.rows;
    after = r.rows[r.rows.length - 1].__id;
    if (r.rows.length < batchSize) return;
  }
}

const maskers: Record<Pii, (v: any) => string | null> = {
  mobile: maskMobile,
  email: maskEmail,
  birthday: maskBirthday,
  card: maskMobile,
  text: (v) => (v == null || v === '' ? v : '***'),
};
const CONSENT_WORDS: Record<Lang, [string, string]> = { en: ['granted', 'not granted'], zh: ['已同意', '未同意'] };

/** The output columns in the caller's language, masking personal fields for roles without `customers.pii`. */
export function exportColumns(
  columns: string[], lang: Lang, seePii: boolean, defs: Record<string, ExportColumnDef> = EXPORT_COLUMNS,
): TabularColumn<Record<string, unknown>>[] {
  return columns.map((key, i) => {
    const def = defs[key]!;
    const col = `c${i}`;
    const mask = !seePii && def.pii ? maskers[def.pii] : null;
    const [yes, no] = CONSENT_WORDS[lang];
    const value = def.consent ? (r: Record<string, unknown>) => (r[col] ? yes : no) : mask ? (r: Record<string, unknown>) => mask(r[col]) : (r: Record<string, unknown>) => r[col];
    return { key, header: def[lang], value };
  });
}

/** Counts rows as they pass, and tells `onEnd` how many went out and whether the stream finished. */
export async function* counted<R>(batches: AsyncIterable<R[]>, onEnd: (rows: number, completed: boolean) => Promise<void>): AsyncGenerator<R[]> {
  let rows = 0;
  let completed = false;
  try {
    for await (const b of batches) {
      rows += b.length;
      yield b;
    }
    completed = true;
  } finally {
    await onEnd(rows, completed);
  }
}
