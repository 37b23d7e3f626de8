import { normaliseMobile } from '../../../lib/phone.ts';
import { CONTROL_CHARACTERS } from '../../../lib/validation.ts';
import { cardShapeProblem, checkAttributes, INCOME_BANDS, PREFERRED_CHANNELS, type AttributeDefinition, type AttributeValue } from '../rules.ts';

/** Customer fields a column can be mapped to; `attributes.<key>` maps to a custom attribute. */
export const CUSTOMER_FIELDS = [
  'name', 'mobile', 'email', 'gender', 'birthday', 'city', 'region', 'cardNo', 'occupation', 'incomeBand',
  'tags', 'store', 'source', 'preferredChannel', 'notes',
] as const;
export type CustomerField = (typeof CUSTOMER_FIELDS)[number];

/** Purchase-line fields a column can be mapped to. */
export const PURCHASE_FIELDS = [
  'orderNo', 'mobile', 'cardNo', 'store', 'purchasedAt', 'sku', 'quantity', 'unitPrice', 'amount', 'discount', 'paid', 'channel',
] as const;

const HEADER_SYNONYMS: Record<string, string[]> = {
  name: ['姓名', '名字', '客户姓名', '会员姓名', '顾客姓名', '客户名称', 'name', 'fullname', 'customername', 'membername'],
  mobile: ['手机', '手机号', '手机号码', '移动电话', '电话', '联系电话', '电话号码', '会员手机', '会员手机号', 'mobile', 'phone', 'mobilephone', 'cellphone', 'cell', 'tel', 'telephone', 'phonenumber', 'mobileno'],
  email: ['邮箱', '电子邮箱', '电子邮件', '邮件', 'email', 'e-mail', 'mail', 'emailaddress'],
  gender: ['性别', 'gender', 'sex'],
  birthday: ['生日', '出生日期', '出生年月日', '生日日期', 'birthday', 'birthdate', 'dateofbirth', 'dob'],
  city: ['城市', '所在城市', '市', 'city'],
  region: ['省份', '省', '地区', '区域', '省市', 'region', 'province', 'state'],
  cardNo: ['会员卡号', '卡号', '会员号', '会员编号', 'card', 'cardno', 'cardnumber', 'membercard', 'memberno', 'membershipno'],
  occupation: ['职业', '工作', 'occupation', 'job', 'profession'],
  incomeBand: ['收入', '收入水平', '月收入', '年收入', '收入区间', 'income', 'incomeband', 'incomelevel'],
  tags: ['标签', '客户标签', 'tags', 'tag', 'labels'],
  store: ['门店', '门店编码', '门店代码', '所属门店', '常去门店', '开卡门店', 'store', 'storecode', 'shop', 'shopcode'],
  source: ['来源', '来源渠道', '注册渠道', '渠道来源', 'source', 'sourcechannel'],
  preferredChannel: ['偏好渠道', '首选渠道', '联系偏好', 'preferredchannel', 'channelpreference'],
  notes: ['备注', '说明', '备注信息', 'notes', 'note', 'remark', 'remarks', 'comment', 'comments'],
  orderNo: ['订单号', '订单编号', '单号', '小票号', '流水号', 'order', 'orderno', 'ordernumber', 'orderid', 'receiptno'],
  purchasedAt: ['时间', '购买时间', '下单时间', '交易时间', '消费时间', '日期', 'time', 'date', 'purchasedat', 'orderdate', 'ordertime'],
  sku: ['商品编码', '商品编号', '货号', 'sku', 'productcode', 'itemcode'],
  quantity: ['数量', '件数', 'quantity', 'qty'],
  unitPrice: ['单价', '价格', 'unitprice', 'price'],
  amount: ['金额', '小计', '行金额', 'amount', 'lineamount', 'subtotal'],
  discount: ['折扣', '优惠', '优惠金额', '折扣金额', 'discount'],
  paid: ['实付', '实付金额', '实收', '支付金额', 'paid', 'paidamount'],
  channel: ['渠道', '销售渠道', 'channel'],
};

const headerIndex = new Map<string, string>();
for (const [field, names] of Object.entries(HEADER_SYNONYMS)) for (const n of names) headerIndex.set(n, field);

const squash = (h: string) => h.trim().toLowerCase().replace(/[\s_\-.:：()（）*]/g, '');

/** The field a header names, in Chinese or English, or null. */
export function recogniseHeader(header: string, kind: 'customers' | 'purchases'): string | null {
  const field = headerIndex.get(squash(header)) ?? null;
  if (!field) return null;
  const allowed: readonly string[] = kind === 'customers' ? CUSTOMER_FIELDS : PURCHASE_FIELDS;
  return allowed.includes(field) ? field : null;
}

export const ATTRIBUTE_PREFIX = 'attributes.';

/** The defined attribute a header names by its key or either label, or undefined. */
function attributeForHeader(header: string, attributes: AttributeDefinition[]): AttributeDefinition | undefined {
  const h = squash(header);
  return h ? attributes.find((d) => d.active && [d.key, d.labelZh, d.labelEn].some((x) => squash(x) === h)) : undefined;
}

/**
 * A suggested target per column: recognised headers map to their field, headers naming a defined custom attribute
 * (by key or label) to that attribute, each target at most once (first column wins); the rest are ignored (null).
 */
export function suggestMapping(columns: string[], kind: 'customers' | 'purchases', hasHeader: boolean, attributes: AttributeDefinition[] = []): (string | null)[] {
  const used = new Set<string>();
  return columns.map((c) => {
    if (!hasHeader) return null;
    const f = recogniseHeader(c, kind);
    if (f && !used.has(f)) {
      used.add(f);
      return f;
    }
    const def = kind === 'customers' ? attributeForHeader(c, attributes) : undefined;
    if (def && !used.has(ATTRIBUTE_PREFIX + def.key)) {
      used.add(ATTRIBUTE_PREFIX + def.key);
      return ATTRIBUTE_PREFIX + def.key;
    }
    return null;
  });
}

export interface Problem {
  field: string;
  zh: string;
  en: string;
}

/** Gender as written in Chinese and English spreadsheets. */
export function normaliseGender(s: string): 'female' | 'male' | 'other' | null | undefined {
  const v = s.trim().toLowerCase();
  if (!v) return null;
  if (['女', 'f', 'female', '女士', '女性', 'w', 'woman', '小姐'].includes(v)) return 'female';
  if (['男', 'm', 'male', '男士', '男性', '先生', 'man'].includes(v)) return 'male';
  if (['其他', 'other', 'o', 'x', '未知', 'unknown'].includes(v)) return 'other';
  return undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');

function validDate(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/** Excel's serial day number (1900 date system, with its 1900-02-29 bug) as YYYY-MM-DD. */
export function excelSerialToDate(serial: number): string | null {
  if (!Number.isFinite(serial) || serial < 1 || serial > 2958465) return null;
  const dt = new Date(Date.UTC(1899, 11, 30) + Math.floor(serial) * 86400000);
  return `${dt.getUTCFullYear()}-${pad(dt.getUTCMonth() + 1)}-${pad(dt.getUTCDate())}`;
}

/**
 * A date from the ways people write them: 1990-01-02, 1990/1/2, 1990.1.2, 1990年1月2日, 19900102,
 * an ISO date-time, or an Excel serial day number. null for empty, undefined when unreadable.
 */
export function parseDate(s: string): string | null | undefined {
  const v = s.trim();
  if (!v) return null;
  let m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(v);
  if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3])) ?? undefined;
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3])) ?? undefined;
  if (/^\d{1,5}(\.\d+)?$/.test(v)) return excelSerialToDate(Number(v)) ?? undefined;
  return undefined;
}

/** A birthday: a real date, not in the future, not before 1900. */
export function parseBirthday(s: string, today: string): string | null | undefined {
  const d = parseDate(s);
  if (!d) return d;
  if (d < '1900-01-01' || d > today) return undefined;
  return d;
}

const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9\u0080-\uffff](?:[A-Za-z0-9\u0080-\uffff-]*[A-Za-z0-9\u0080-\uffff])?(?:\.[A-Za-z0-9\u0080-\uffff](?:[A-Za-z0-9\u0080-\uffff-]*[A-Za-z0-9\u0080-\uffff])?)+$/;

/** Lower-cased and trimmed; null for empty, undefined when it is not an address. Full-width @ and dots are accepted. */
export function normaliseEmail(s: string): string | null | undefined {
  const v = s.trim().replace(/＠/g, '@').replace(/[。．]/g, '.').toLowerCase();
  if (!v) return null;
  if (v.length > 254 || !EMAIL.test(v)) return undefined;
  return v;
}

/** Tags separated by commas, semicolons, 、 or |, in either width; trimmed, de-duplicated. */
export function splitTags(s: string): string[] {
  const out: string[] = [];
  for (const t of s.split(/[,，;；|、\n]+/)) {
    const v = t.trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

const LIMITS: Record<string, number> = {
  name: 100, city: 50, region: 50, occupation: 50, incomeBand: 50, source: 50, preferredChannel: 30, cardNo: 64, store: 64, notes: 2000, tags: 1000, attribute: 500,
};
const FIELD_ZH: Record<string, string> = {
  name: '姓名', mobile: '手机号', email: '邮箱', gender: '性别', birthday: '生日', city: '城市', region: '省份', cardNo: '会员卡号',
  occupation: '职业', incomeBand: '收入', tags: '标签', store: '门店', source: '来源', preferredChannel: '偏好渠道', notes: '备注',
};
export const fieldZh = (f: string) => FIELD_ZH[f] ?? (f.startsWith(ATTRIBUTE_PREFIX) ? f.slice(ATTRIBUTE_PREFIX.length) : f);

/** An attribute cell as the API would receive it: numbers as numbers, dates in the ways spreadsheets write them as YYYY-MM-DD. */
function attributeCell(v: string, def: AttributeDefinition | undefined): unknown {
  if (def?.type === 'number') return /^[+-]?\d{1,13}(\.\d+)?$/.test(v.replace(/,/g, '')) ? Number(v.replace(/,/g, '')) : v;
  if (def?.type === 'date') return parseDate(v) ?? v;
  return v;
}

const INCOME_WORDS: Record<string, (typeof INCOME_BANDS)[number]> = {
  '5000以下': 'below_5k', '5千以下': 'below_5k', '<5k': 'below_5k',
  '5000-10000': '5k_10k', '5k-10k': '5k_10k', '5千-1万': '5k_10k',
  '10000-20000': '10k_20k', '10k-20k': '10k_20k', '1万-2万': '10k_20k',
  '20000-50000': '20k_50k', '20k-50k': '20k_50k', '2万-5万': '20k_50k',
  '50000以上': 'above_50k', '5万以上': 'above_50k', '>50k': 'above_50k',
};

/** One of the income bands, written as its code or as a range in yuan; null when it is none of them. */
export function normaliseIncomeBand(s: string): (typeof INCOME_BANDS)[number] | null {
  const v = s.trim().toLowerCase().replace(/\s/g, '').replace(/[~～—–]/g, '-');
  return (INCOME_BANDS as readonly string[]).includes(v) ? (v as (typeof INCOME_BANDS)[number]) : INCOME_WORDS[v] ?? null;
}

const PREFERRED_CHANNEL_WORDS: Record<string, (typeof PREFERRED_CHANNELS)[number]> = {
  短信: 'sms', 手机短信: 'sms', 邮件: 'email', 邮箱: 'email', 电子邮件: 'email', 'e-mail': 'email', 电话: 'phone', 微信: 'wechat',
  门店: 'in_store', 到店: 'in_store', 店内: 'in_store', instore: 'in_store', 'in-store': 'in_store',
};

/** One of the preferred channels, written as its code or in Chinese; null when it is none of them. */
export function normalisePreferredChannel(s: string): (typeof PREFERRED_CHANNELS)[number] | null {
  const v = s.trim().toLowerCase().replace(/\s/g, '');
  return (PREFERRED_CHANNELS as readonly string[]).includes(v) ? (v as (typeof PREFERRED_CHANNELS)[number]) : PREFERRED_CHANNEL_WORDS[v] ?? null;
}

export interface CustomerRow {
  name: string;
  mobile: string | null;
  email: string | null;
  gender: string | null;
  birthday: string | null;
  city: string | null;
  region: string | null;
  cardNo: string | null;
  occupation: string | null;
  incomeBand: string | null;
  tags: string[];
  storeId: number | null;
  source: string | null;
  preferredChannel: string | null;
  notes: string | null;
  attributes: Record<string, AttributeValue>;
}

export interface RowContext {
  mapping: (string | null)[];
  columnCount: number;
  /** CSV rows must have the header's number of cells; XLSX rows drop trailing empty cells, so they may be short. */
  strictWidth: boolean;
  stores: Map<string, number>;
  today: string;
  /** The custom attribute definitions by key, loaded once per run: a mapped attribute's values are checked as the API checks them. */
  attributes: Map<string, AttributeDefinition>;
}

/**
 * One input row to a clean customer, or the first problem that rejects it (field and reason in zh and en).
 * Pure: the service does the I/O.
 */
export function cleanCustomerRow(cells: string[], ctx: RowContext): { row: CustomerRow } | { problem: Problem } {
  if (ctx.strictWidth && cells.length < ctx.columnCount) {
    return { problem: { field: '(row)', zh: `列数不足：应有 ${ctx.columnCount} 列，实际 ${cells.length} 列`, en: `missing columns: expected ${ctx.columnCount}, found ${cells.length}` } };
  }
  if (cells.length > ctx.columnCount && cells.slice(ctx.columnCount).some((c) => c.trim() !== '')) {
    return { problem: { field: '(row)', zh: `多出的列：应有 ${ctx.columnCount} 列，实际 ${cells.length} 列`, en: `extra columns: expected ${ctx.columnCount}, found ${cells.length}` } };
  }
  const row: CustomerRow = {
    name: '', mobile: null, email: null, gender: null, birthday: null, city: null, region: null, cardNo: null, occupation: null,
    incomeBand: null, tags: [], storeId: null, source: null, preferredChannel: null, notes: null, attributes: {},
  };
  for (let i = 0; i < ctx.mapping.length; i++) {
    const target = ctx.mapping[i];
    if (!target) continue;
    const raw = cells[i] ?? '';
    const isAttr = target.startsWith(ATTRIBUTE_PREFIX);
    const limit = LIMITS[isAttr ? 'attribute' : target];
    if (raw.includes('\uFFFD')) {
      return { problem: { field: target, zh: `${fieldZh(target)}含无法识别的字符（文件编码不对？）`, en: `${target} has unreadable characters (wrong file encoding?)` } };
    }
    if (limit !== undefined && raw.trim().length > limit) {
      return { problem: { field: target, zh: `${fieldZh(target)}过长（${raw.trim().length} 个字符，最多 ${limit}）`, en: `${target} is too long (${raw.trim().length} characters, at most ${limit})` } };
    }
    if (raw.length > 1000 && limit === undefined) {
      return { problem: { field: target, zh: `${fieldZh(target)}过长（${raw.length} 个字符）`, en: `${target} is too long (${raw.length} characters)` } };
    }
    const v = target === 'notes' ? raw.trim() : raw.trim().replace(/\s+/g, ' ');
    if (CONTROL_CHARACTERS.test(v)) return { problem: { field: target, zh: `${fieldZh(target)}含控制字符`, en: `${target} contains control characters` } };
    if (isAttr) {
      if (!v) continue;
      const key = target.slice(ATTRIBUTE_PREFIX.length);
      const checked = checkAttributes({ [key]: attributeCell(v, ctx.attributes.get(key)) }, ctx.attributes);
      const p = checked.problems[0];
      if (p) {
        const label = ctx.attributes.get(key)?.labelZh ?? key;
        return { problem: { field: target, zh: `${label}${p.zh}`, en: `${target} ${p.en}` } };
      }
      row.attributes[key] = checked.values[key]!;
      continue;
    }
    switch (target) {
      case 'name': row.name = v; break;
      case 'mobile': {
        if (!v) break;
        const m = normaliseMobile(v);
        if (!m) {
          const hint = /^\d(\.\d+)?e\+?\d+$/i.test(v);
          return { problem: { field: 'mobile', zh: hint ? '手机号无效（被 Excel 写成了科学计数法）' : '手机号无效', en: hint ? 'invalid mobile (Excel wrote it in scientific notation)' : 'invalid mobile' } };
        }
        row.mobile = m;
        break;
      }
      case 'email': {
        const e = normaliseEmail(v);
        if (e === undefined) return { problem: { field: 'email', zh: '邮箱无效', en: 'invalid email' } };
        row.email = e;
        break;
      }
      case 'gender': {
        const g = normaliseGender(v);
        if (g === undefined) return { problem: { field: 'gender', zh: '性别无效（应为 男/女）', en: 'invalid gender (expected male/female)' } };
        row.gender = g;
        break;
      }
      case 'birthday': {
        const d = parseBirthday(v, ctx.today);
        if (d === undefined) return { problem: { field: 'birthday', zh: '生日无效', en: 'invalid birthday' } };
        row.birthday = d;
        break;
      }
      case 'incomeBand': {
        if (!v) break;
        const b = normaliseIncomeBand(v);
        if (!b) return { problem: { field: 'incomeBand', zh: `收入区间无效（应为 ${INCOME_BANDS.join('、')} 之一）`, en: `invalid income band (expected one of ${INCOME_BANDS.join(', ')})` } };
        row.incomeBand = b;
        break;
      }
      case 'preferredChannel': {
        if (!v) break;
        const ch = normalisePreferredChannel(v);
        if (!ch) return { problem: { field: 'preferredChannel', zh: '偏好渠道无效（应为 短信/邮件/电话/微信/门店）', en: `invalid preferred channel (expected one of ${PREFERRED_CHANNELS.join(', ')})` } };
        row.preferredChannel = ch;
        break;
      }
      case 'cardNo': {
        if (!v) break;
        // A generated card (PT + 10 digits) may name the member who holds it, as an export re-imported does; classify refuses one nobody holds.
        const p = cardShapeProblem(v);
        if (p) return { problem: { field: 'cardNo', zh: `会员卡号${p.zh}`, en: `cardNo ${p.en}` } };
        row.cardNo = v;
        break;
      }
      case 'tags': row.tags = splitTags(v).map((t) => t.slice(0, 32)).slice(0, 50); break;
      case 'store': {
        if (!v) break;
        const id = ctx.stores.get(v) ?? ctx.stores.get(v.toLowerCase());
        if (id === undefined) return { problem: { field: 'store', zh: '门店不存在', en: 'unknown store' } };
        row.storeId = id;
        break;
      }
      default:
        (row as any)[target] = v || null;
    }
  }
  if (!row.name && !row.mobile) return { problem: { field: 'name', zh: '需要姓名或手机号', en: 'needs a name or a mobile' } };
  return { row };
}

/** The keys by which two rows are the same person: mobile, card, email, name + birthday. */
export function duplicateKeys(r: CustomerRow): string[] {
  const keys: string[] = [];
  if (r.mobile) keys.push(`m:${r.mobile}`);
  if (r.cardNo) keys.push(`c:${r.cardNo}`);
  if (r.email) keys.push(`e:${r.email}`);
  if (r.name && r.birthday) keys.push(`b:${r.name}\u0000${r.birthday}`);
  return keys;
}

/** Fills the first occurrence's empty fields from a later duplicate; tags and attributes are united. */
export function mergeInto(first: CustomerRow, later: CustomerRow): void {
  for (const k of Object.keys(first) as (keyof CustomerRow)[]) {
    if (k === 'tags') {
      for (const t of later.tags) if (!first.tags.includes(t)) first.tags.push(t);
    } else if (k === 'attributes') {
      for (const [ak, av] of Object.entries(later.attributes)) if (!(ak in first.attributes)) first.attributes[ak] = av;
    } else if (first[k] == null || first[k] === '') {
      (first as any)[k] = later[k];
    }
  }
}

/** Yuan as written ("12.5", "¥1,234.50", "￥8") to whole fen, by string arithmetic; null for empty, undefined when not an amount. */
export function parseFen(s: string): number | null | undefined {
  const v = s.trim().replace(/^[¥￥]/, '').replace(/,/g, '').replace(/元$/, '').trim();
  if (!v) return null;
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/**
 * A purchase time as people write it, read in the business time zone (UTC+8, no daylight saving) unless it carries
 * an offset: 2026-01-02 13:45[:00], 2026/1/2 13:45, 2026年1月2日 13:45, a bare date (midnight), ISO 8601, or an Excel serial.
 */
export function parseDateTime(s: string): string | null | undefined {
  const v = s.trim();
  if (!v) return null;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return Number.isNaN(Date.parse(v)) ? undefined : new Date(v).toISOString();
  let date: string | null | undefined;
  let time = '00:00:00';
  const m = /^(.+?)(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  if (m && m[2] !== undefined) {
    const [h, mi, se] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
    if (h > 23 || mi > 59 || se > 59) return undefined;
    time = `${pad(h)}:${pad(mi)}:${pad(se)}`;
    date = parseDate(m[1]!);
  } else if (/^\d{1,5}\.\d+$/.test(v)) {
    const serial = Number(v);
    date = excelSerialToDate(serial);
    const secs = Math.round((serial % 1) * 86400);
    time = `${pad(Math.floor(secs / 3600) % 24)}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}`;
  } else {
    date = parseDate(v);
  }
  if (!date) return undefined;
  return new Date(`${date}T${time}+08:00`).toISOString();
}

const CHANNEL_WORDS: Record<string, string> = {
  门店: 'store', 线下: 'store', 实体店: 'store', store: 'store', pos: 'store',
  线上: 'online', 商城: 'online', 网店: 'online', 官网: 'online', online: 'online', web: 'online',
  app: 'app', 应用: 'app', 小程序: 'mini_program', 微信小程序: 'mini_program', mini_program: 'mini_program', miniprogram: 'mini_program',
};

export interface PurchaseLineRow {
  orderNo: string;
  mobile: string | null;
  cardNo: string | null;
  storeCode: string | null;
  purchasedAt: string;
  sku: string;
  quantity: number;
  unitPriceFen: number;
  amountFen: number | null;
  discountFen: number | null;
  paidFen: number | null;
  channel: string | null;
}

const PURCHASE_ZH: Record<string, string> = {
  orderNo: '订单号', mobile: '手机号', cardNo: '会员卡号', store: '门店', purchasedAt: '时间', sku: '商品编码', quantity: '数量',
  unitPrice: '单价', amount: '金额', discount: '折扣', paid: '实付', channel: '渠道',
};

/** One purchase line row to clean values, or the first problem that rejects it. */
export function cleanPurchaseRow(cells: string[], ctx: Pick<RowContext, 'mapping' | 'columnCount' | 'strictWidth'>): { row: PurchaseLineRow } | { problem: Problem } {
  if (ctx.strictWidth && cells.length < ctx.columnCount) {
    return { problem: { field: '(row)', zh: `列数不足：应有 ${ctx.columnCount} 列，实际 ${cells.length} 列`, en: `missing columns: expected ${ctx.columnCount}, found ${cells.length}` } };
  }
  if (cells.length > ctx.columnCount && cells.slice(ctx.columnCount).some((c) => c.trim() !== '')) {
    return { problem: { field: '(row)', zh: `多出的列：应有 ${ctx.columnCount} 列，实际 ${cells.length} 列`, en: `extra columns: expected ${ctx.columnCount}, found ${cells.length}` } };
  }
  const v: Record<string, string> = {};
  for (let i = 0; i < ctx.mapping.length; i++) {
    const target = ctx.mapping[i];
    if (!target) continue;
    const raw = (cells[i] ?? '').trim();
    const zh = PURCHASE_ZH[target] ?? target;
    if (raw.includes('\uFFFD')) return { problem: { field: target, zh: `${zh}含无法识别的字符（文件编码不对？）`, en: `${target} has unreadable characters (wrong file encoding?)` } };
    if (raw.length > 128 || CONTROL_CHARACTERS.test(raw)) return { problem: { field: target, zh: `${zh}过长或含控制字符`, en: `${target} is too long or contains control characters` } };
    v[target] = raw;
  }
  const bad = (field: string, zhWhy: string, enWhy: string) => ({ problem: { field, zh: `${PURCHASE_ZH[field] ?? field}${zhWhy}`, en: `${field} ${enWhy}` } });
  if (!v.orderNo) return bad('orderNo', '为空', 'is empty');
  if (!v.sku) return bad('sku', '为空', 'is empty');
  let mobile: string | null = null;
  if (v.mobile) {
    mobile = normaliseMobile(v.mobile);
    if (!mobile) return { problem: { field: 'mobile', zh: '手机号无效', en: 'invalid mobile' } };
  }
  const cardNo = v.cardNo || null;
  if (!mobile && !cardNo) return { problem: { field: 'mobile', zh: '需要会员手机号或会员卡号', en: 'needs a member mobile or card number' } };
  const purchasedAt = parseDateTime(v.purchasedAt ?? '');
  if (purchasedAt === null) return bad('purchasedAt', '为空：需要购买时间', 'is empty: the purchase time is needed');
  if (purchasedAt === undefined) return bad('purchasedAt', '无效', 'is not a valid time');
  const quantity = Number(v.quantity ?? '1');
  if (!Number.isInteger(quantity) || quantity <= 0 || quantity > 1_000_000) return bad('quantity', '应为正整数', 'must be a positive whole number');
  const money: Record<string, number | null> = {};
  for (const f of ['unitPrice', 'amount', 'discount', 'paid']) {
    const fen = parseFen(v[f] ?? '');
    if (fen === undefined) return bad(f, '不是有效金额（元，最多两位小数）', 'is not an amount in yuan with at most two decimals');
    money[f] = fen;
  }
  let unitPriceFen = money.unitPrice;
  if (unitPriceFen == null) {
    if (money.amount == null || money.amount % quantity !== 0) return bad('unitPrice', '为空', 'is empty');
    unitPriceFen = money.amount / quantity;
  }
  let channel: string | null = null;
  if (v.channel) {
    channel = CHANNEL_WORDS[v.channel.toLowerCase().replace(/\s/g, '')] ?? null;
    if (!channel) return bad('channel', '无效（门店/线上/app/小程序）', 'is not one of store, online, app, mini_program');
  }
  return {
    row: {
      orderNo: v.orderNo, mobile, cardNo: mobile ? null : cardNo, storeCode: v.store || null, purchasedAt, sku: v.sku, quantity, unitPriceFen,
      amountFen: money.amount ?? null, discountFen: money.discount ?? null, paidFen: money.paid ?? null, channel,
    },
  };
}
