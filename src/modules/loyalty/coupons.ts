import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { badRequest, conflict, fieldError, notFound } from '../../http/errors.ts';
import { nonEmptyText, text } from '../../lib/validation.ts';

/** No 0/O, 1/I/L: a code read aloud or typed from a receipt is never ambiguous. 31^12 ≈ 7.9e17 codes. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_LENGTH = 12;

export function newCode(length = CODE_LENGTH): string {
  let s = '';
  for (let i = 0; i < length; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/** What staff type or scan: case, spaces and dashes do not matter. */
export const normaliseCode = (raw: string) => raw.toUpperCase().replace(/[\s-]/g, '');

const wholeFen = z.number().int('must be a whole number of fen').min(0, 'must not be negative').max(1e13);
const positiveFen = z.number().int('must be a whole number of fen').min(1, 'must be at least 1 fen').max(1e13);
const CHANNELS = ['store', 'online', 'app', 'mini_program'] as const;

export const templateInput = z.strictObject({
  nameZh: nonEmptyText(100),
  nameEn: text(100).default(''),
  kind: z.enum(['amount', 'percent', 'gift']),
  amountOffFen: positiveFen.optional(),
  percentOff: z.number().int('must be a whole percent').min(1, 'must be at least 1').max(100, 'must be at most 100').optional(),
  giftName: text(100).optional(),
  minSpendFen: wholeFen.default(0),
  validFrom: z.iso.datetime({ offset: true }).optional(),
  validTo: z.iso.datetime({ offset: true }).optional(),
  validDays: z.number().int('must be a whole number of days').min(1).max(3650).optional(),
  categories: z.array(nonEmptyText(64)).max(100).default([]),
  storeIds: z.array(z.number().int().positive()).max(5000).default([]),
  channels: z.array(z.enum(CHANNELS)).max(4).default([]),
  tierCodes: z.array(nonEmptyText(32)).max(20).default([]),
  totalLimit: z.number().int().min(0, 'must not be negative').max(1e9).nullable().default(null),
  perMemberLimit: z.number().int().min(1, 'must be at least 1').max(1000).nullable().default(null),
  active: z.boolean().default(true),
});
export type TemplateInput = z.output<typeof templateInput>;

/** Rules zod cannot say per field: the value that goes with the kind, and a validity that makes sense. */
export function checkTemplate(t: TemplateInput): void {
  if (t.kind === 'amount' && t.amountOffFen == null) throw fieldError('amountOffFen', 'is required for an amount-off coupon', '满减券必须填写减免金额');
  if (t.kind === 'percent' && t.percentOff == null) throw fieldError('percentOff', 'is required for a percent-off coupon', '折扣券必须填写折扣');
  if (t.kind === 'gift' && !t.giftName) throw fieldError('giftName', 'is required for a gift coupon', '礼品券必须填写礼品名称');
  if (t.validTo == null && t.validDays == null) throw fieldError('validDays', 'give a fixed end date (validTo) or a number of days from issue', '请填写截止日期（validTo）或自领取起的有效天数');
  if (t.validFrom && t.validTo && Date.parse(t.validTo) <= Date.parse(t.validFrom)) throw fieldError('validTo', 'must be after validFrom', '必须晚于开始时间');
}

const TEMPLATE_COLUMNS = `id, name_zh AS "nameZh", name_en AS "nameEn", kind, amount_off_fen AS "amountOffFen", percent_off AS "percentOff",
  gift_name AS "giftName", min_spend_fen AS "minSpendFen", valid_from AS "validFrom", valid_to AS "validTo", valid_days AS "validDays",
  categories, store_ids AS "storeIds", channels, tier_codes AS "tierCodes", total_limit AS "totalLimit", per_member_limit AS "perMemberLimit",
  issued_count AS "issuedCount", active, created_at AS "createdAt", updated_at AS "updatedAt"`;

const templateParams = (t: TemplateInput) => [
  t.nameZh, t.nameEn, t.kind, t.kind === 'amount' ? t.amountOffFen : null, t.kind === 'percent' ? t.percentOff : null, t.kind === 'gift' ? t.giftName : null,
  t.minSpendFen, t.validFrom ?? null, t.validTo ?? null, t.validDays ?? null, t.categories, t.storeIds, t.channels, t.tierCodes, t.totalLimit, t.perMemberLimit, t.active,
];

export async function createTemplate(q: Queryable, t: TemplateInput) {
  checkTemplate(t);
  const r = await q.query(
    `INSERT INTO coupon_templates (name_zh, name_en, kind, amount_off_fen, percent_off, gift_name, min_spend_fen, valid_from, valid_to, valid_days,
       categories, store_ids, channels, tier_codes, total_limit, per_member_limit, active)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) RETURNING ${TEMPLATE_COLUMNS}`,
    templateParams(t),
  );
  return r.rows[0];
}

export async function updateTemplate(q: Queryable, id: number, t: TemplateInput) {
  checkTemplate(t);
  const cur = await q.query(`SELECT issued_count FROM coupon_templates WHERE id = $1 FOR UPDATE`, [id]);
  if (!cur.rows[0]) throw notFound('Coupon template', '优惠券模板');
  if (t.totalLimit != null && t.totalLimit < cur.rows[0].issued_count) throw fieldError('totalLimit', `must be at least the ${cur.rows[0].issued_count} already issued`, `不能少于已发放的 ${cur.rows[0].issued_count} 张`);
  const r = await q.query(
    `UPDATE coupon_templates SET name_zh=$1, name_en=$2, kind=$3, amount_off_fen=$4, percent_off=$5, gift_name=$6, min_spend_fen=$7, valid_from=$8, valid_to=$9,
       valid_days=$10, categories=$11, store_ids=$12, channels=$13, tier_codes=$14, total_limit=$15, per_member_limit=$16, active=$17, updated_at=now()
     WHERE id = $18 RETURNING ${TEMPLATE_COLUMNS}`,
    [...templateParams(t), id],
  );
  return r.rows[0];
}

export async function listTemplates(q: Queryable) {
  return (await q.query(`SELECT ${TEMPLATE_COLUMNS} FROM coupon_templates ORDER BY id DESC`)).rows;
}

export async function getTemplate(q: Queryable, id: number) {
  const r = await q.query(`SELECT ${TEMPLATE_COLUMNS} FROM coupon_templates WHERE id = $1`, [id]);
  if (!r.rows[0]) throw notFound('Coupon template', '优惠券模板');
  return r.rows[0];
}

export interface IssueOptions {
  reason: string;
  /** The natural key of this issue: a member gets at most `count` coupons of the template per ref. */
  ref: { type: string; id: string };
  /** Coupons per member (a catalogue redemption of 3 coupons); default 1. */
  count?: number;
  issuedBy?: string;
  /** Issue up to the template's total limit (in customer order) instead of refusing the whole batch. */
  partial?: boolean;
}

export interface IssueResult {
  templateId: number;
  issued: { customerId: number; couponId: number; code: string; validTo: string }[];
  /** Members who already had this ref's coupons (a retried issue). */
  replayed: number[];
  /** Members at the template's per-member limit. */
  overLimit: number[];
  /** Members left out because the total limit ran out (partial issues only). */
  exhausted: number[];
}

/**
 * Issues a template's coupons to many members in a few statements, inside the caller's transaction. The template
 * row is locked so total and per-member limits hold under concurrency; a ref already issued to a member is skipped.
 */
export async function issueCoupons(tx: Queryable, templateId: number, customerIds: number[], opts: IssueOptions): Promise<IssueResult> {
  const count = opts.count ?? 1;
  const t = (await tx.query(
    `SELECT id, active, valid_from, valid_to, valid_days, total_limit, per_member_limit, issued_count FROM coupon_templates WHERE id = $1 FOR UPDATE`,
    [templateId],
  )).rows[0];
  if (!t) throw notFound('Coupon template', '优惠券模板');
  if (!t.active) throw conflict('COUPON_TEMPLATE_INACTIVE', 'This coupon template is not active.', '该优惠券模板已停用。', { templateId });
  const now = new Date();
  if (t.valid_to && new Date(t.valid_to) <= now) throw conflict('COUPON_TEMPLATE_ENDED', 'This coupon template has ended.', '该优惠券模板已过期。', { templateId });
  const ids = [...new Set(customerIds)].sort((a, b) => a - b);
  const result: IssueResult = { templateId, issued: [], replayed: [], overLimit: [], exhausted: [] };
  if (ids.length === 0) return result;
  const refIds = Array.from({ length: count }, (_, k) => (count === 1 ? opts.ref.id : `${opts.ref.id}#${k + 1}`));
  // One pass: which members already hold this ref, and how many live coupons of the template each holds.
  const seen = await tx.query(
    `SELECT c.id AS customer_id,
            EXISTS (SELECT 1 FROM coupons x WHERE x.customer_id = c.id AND x.template_id = $2 AND x.ref_type = $3 AND x.ref_id = ANY($4::text[])) AS replayed,
            (SELECT count(*) FROM coupons x WHERE x.customer_id = c.id AND x.template_id = $2 AND x.status <> 'void')::int AS held
       FROM unnest($1::bigint[]) AS c(id)`,
    [ids, templateId, opts.ref.type, refIds],
  );
  let eligible: number[] = [];
  for (const row of seen.rows) {
    if (row.replayed) result.replayed.push(row.customer_id);
    else if (t.per_member_limit != null && row.held + count > t.per_member_limit) result.overLimit.push(row.customer_id);
    else eligible.push(row.customer_id);
  }
  if (t.total_limit != null) {
    const room = Math.floor((t.total_limit - t.issued_count) / count);
    if (eligible.length > room) {
      if (!opts.partial) {
        throw conflict('COUPON_LIMIT_REACHED', `Only ${t.total_limit - t.issued_count} coupons of this template are left.`, `该优惠券仅剩 ${t.total_limit - t.issued_count} 张可发放。`, { templateId, left: t.total_limit - t.issued_count });
      }
      result.exhausted = eligible.slice(Math.max(0, room));
      eligible = eligible.slice(0, Math.max(0, room));
    }
  }
  if (eligible.length === 0) return result;
  const validFrom = t.valid_from && new Date(t.valid_from) > now ? new Date(t.valid_from) : now;
  const byDays = t.valid_days != null ? new Date(now.getTime() + t.valid_days * 86_400_000) : null;
  const validTo = t.valid_to && (!byDays || new Date(t.valid_to) < byDays) ? new Date(t.valid_to) : byDays!;
  const custs: number[] = [];
  const refs: string[] = [];
  const codes: string[] = [];
  for (const c of eligible) for (const r of refIds) { custs.push(c); refs.push(r); codes.push(newCode()); }
  const rows = await tx.query(
    `WITH ins AS (
       INSERT INTO coupons (customer_id, template_id, code, valid_from, valid_to, reason, ref_type, ref_id, issued_by)
       SELECT i.customer_id, $4, i.code, $5, $6, $7, $8, i.ref_id, $9 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS i(customer_id, ref_id, code)
       RETURNING customer_id, id, code, valid_to)
     INSERT INTO coupon_codes (code, customer_id, coupon_id) SELECT code, customer_id, id FROM ins RETURNING code, customer_id, coupon_id`,
    [custs, refs, codes, templateId, validFrom, validTo, opts.reason, opts.ref.type, opts.issuedBy ?? 'system'],
  );
  await tx.query(`UPDATE coupon_templates SET issued_count = issued_count + $2 WHERE id = $1`, [templateId, rows.rowCount]);
  result.issued = rows.rows.map((x) => ({ customerId: x.customer_id, couponId: x.coupon_id, code: x.code, validTo: validTo.toISOString() }));
  return result;
}

export const purchaseContext = z.strictObject({
  amountFen: wholeFen,
  storeId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  channel: z.enum(CHANNELS).default('store'),
  lines: z.array(z.strictObject({ category: nonEmptyText(64), amountFen: wholeFen })).max(1000).optional(),
  reference: text(64).optional(),
});
export type PurchaseContext = z.output<typeof purchaseContext>;

export interface CouponRules {
  kind: 'amount' | 'percent' | 'gift';
  amountOffFen: number | null;
  percentOff: number | null;
  minSpendFen: number;
  categories: string[];
  storeIds: number[];
  channels: string[];
  tierCodes: string[];
}

/** Whether a coupon applies to a purchase and what it takes off; a pure rule, tested by table. */
export function applyCoupon(rules: CouponRules, ctx: PurchaseContext, tierCode: string | null): { ok: true; discountFen: number; applicableFen: number } | { ok: false; reason: string } {
  if (rules.channels.length && !rules.channels.includes(ctx.channel)) return { ok: false, reason: 'CHANNEL' };
  if (rules.storeIds.length && (ctx.storeId == null || !rules.storeIds.map(Number).includes(ctx.storeId))) return { ok: false, reason: 'STORE' };
  if (rules.tierCodes.length && (tierCode == null || !rules.tierCodes.includes(tierCode))) return { ok: false, reason: 'TIER' };
  let applicable = ctx.amountFen;
  if (rules.categories.length) {
    if (!ctx.lines) return { ok: false, reason: 'CATEGORY' };
    applicable = ctx.lines.filter((l) => rules.categories.includes(l.category)).reduce((a, l) => a + l.amountFen, 0);
    if (applicable === 0) return { ok: false, reason: 'CATEGORY' };
  }
  if (applicable < rules.minSpendFen) return { ok: false, reason: 'MIN_SPEND' };
  const discountFen = rules.kind === 'amount' ? Math.min(rules.amountOffFen ?? 0, applicable)
    : rules.kind === 'percent' ? Math.floor((applicable * (rules.percentOff ?? 0)) / 100) : 0;
  return { ok: true, discountFen, applicableFen: applicable };
}

const REASONS: Record<string, [string, string]> = {
  CHANNEL: ['not valid in this channel', '不适用于该渠道'],
  STORE: ['not valid in this store', '不适用于该门店'],
  TIER: ["not valid for the member's tier", '不适用于该会员等级'],
  CATEGORY: ['no goods of the categories it covers', '没有适用品类的商品'],
  MIN_SPEND: ['the minimum spend is not reached', '未达到最低消费'],
  NOT_YET_VALID: ['not valid yet', '尚未到使用时间'],
};

/** Redeems a coupon once at the till: the coupon row is locked, so of many concurrent redemptions exactly one wins. */
export async function redeemCoupon(tx: Queryable, input: { code: string; customerId: number } & PurchaseContext) {
  const code = normaliseCode(input.code);
  const hit = (await tx.query(`SELECT customer_id, coupon_id FROM coupon_codes WHERE code = $1`, [code])).rows[0];
  if (!hit) throw notFound('Coupon', '优惠券');
  if (hit.customer_id !== input.customerId) throw conflict('COUPON_NOT_YOURS', 'This coupon belongs to another member.', '该优惠券不属于此会员。');
  const c = (await tx.query(
    `SELECT c.id, c.status, c.valid_from, c.valid_to, c.template_id, t.kind, t.amount_off_fen AS "amountOffFen", t.percent_off AS "percentOff", t.gift_name,
            t.min_spend_fen AS "minSpendFen", t.categories, t.store_ids AS "storeIds", t.channels, t.tier_codes AS "tierCodes", t.name_zh, t.name_en,
            (SELECT lt.code FROM loyalty_accounts a JOIN loyalty_tiers lt ON lt.id = a.tier_id WHERE a.customer_id = c.customer_id) AS tier_code
       FROM coupons c JOIN coupon_templates t ON t.id = c.template_id
      WHERE c.customer_id = $1 AND c.id = $2 FOR UPDATE OF c`,
    [hit.customer_id, hit.coupon_id],
  )).rows[0];
  if (c.status === 'used') throw conflict('COUPON_USED', 'This coupon has already been used.', '该优惠券已使用。');
  if (c.status === 'void') throw conflict('COUPON_VOID', 'This coupon was cancelled.', '该优惠券已作废。');
  const now = new Date();
  if (new Date(c.valid_to) <= now) throw conflict('COUPON_EXPIRED', 'This coupon has expired.', '该优惠券已过期。', { validTo: c.valid_to });
  const fit = new Date(c.valid_from) > now ? { ok: false as const, reason: 'NOT_YET_VALID' } : applyCoupon(c, input, c.tier_code);
  if (!fit.ok) {
    const [en, zh] = REASONS[fit.reason]!;
    throw conflict('COUPON_NOT_APPLICABLE', `This coupon does not apply: ${en}.`, `该优惠券不适用：${zh}。`, { reason: fit.reason });
  }
  await tx.query(
    `UPDATE coupons SET status = 'used', used_at = now(), used_store_id = $3, used_channel = $4, used_reference = $5, discount_fen = $6
      WHERE customer_id = $1 AND id = $2 AND status = 'active'`,
    [hit.customer_id, c.id, input.storeId ?? null, input.channel, input.reference ?? null, fit.discountFen],
  );
  return {
    couponId: c.id, code, customerId: input.customerId, templateId: c.template_id, nameZh: c.name_zh, nameEn: c.name_en, kind: c.kind,
    discountFen: fit.discountFen, giftName: c.kind === 'gift' ? c.gift_name : null, usedAt: now.toISOString(),
  };
}

/** Cancels an unused coupon; a used one stays used (409 COUPON_USED). Voiding twice answers the same. */
export async function voidCoupon(tx: Queryable, rawCode: string, reason: string) {
  const code = normaliseCode(rawCode);
  const hit = (await tx.query(`SELECT customer_id, coupon_id FROM coupon_codes WHERE code = $1`, [code])).rows[0];
  if (!hit) throw notFound('Coupon', '优惠券');
  const c = (await tx.query(`SELECT status FROM coupons WHERE customer_id = $1 AND id = $2 FOR UPDATE`, [hit.customer_id, hit.coupon_id])).rows[0];
  if (c.status === 'used') throw conflict('COUPON_USED', 'This coupon has already been used.', '该优惠券已使用。');
  if (c.status === 'active') {
    await tx.query(`UPDATE coupons SET status = 'void', voided_at = now(), void_reason = $3 WHERE customer_id = $1 AND id = $2`, [hit.customer_id, hit.coupon_id, reason]);
  }
  return { couponId: hit.coupon_id, customerId: hit.customer_id, code, status: 'void' };
}

export type CouponState = 'active' | 'used' | 'expired' | 'void';

/** A member's coupons; 'expired' is an active coupon whose window has passed. */
export async function memberCoupons(q: Queryable, customerId: number, state?: CouponState) {
  const filter = state === 'active' ? `AND c.status = 'active' AND c.valid_to > now()`
    : state === 'expired' ? `AND c.status = 'active' AND c.valid_to <= now()`
    : state === 'used' ? `AND c.status = 'used'` : state === 'void' ? `AND c.status = 'void'` : '';
  const r = await q.query(
    `SELECT c.id, c.code, c.template_id AS "templateId", t.name_zh AS "nameZh", t.name_en AS "nameEn", t.kind, t.amount_off_fen AS "amountOffFen",
            t.percent_off AS "percentOff", t.gift_name AS "giftName", t.min_spend_fen AS "minSpendFen",
            CASE WHEN c.status = 'active' AND c.valid_to <= now() THEN 'expired' ELSE c.status END AS state,
            c.valid_from AS "validFrom", c.valid_to AS "validTo", c.reason, c.issued_at AS "issuedAt", c.used_at AS "usedAt", c.discount_fen AS "discountFen"
       FROM coupons c JOIN coupon_templates t ON t.id = c.template_id
      WHERE c.customer_id = $1 ${filter} ORDER BY c.id DESC LIMIT 500`,
    [customerId],
  );
  return r.rows;
}

export const badCustomerList = () => badRequest('VALIDATION_FAILED', 'customerIds: unknown or inactive members', 'customerIds：会员不存在或已停用', [{ path: 'customerIds', en: 'unknown or inactive members', zh: '会员不存在或已停用' }]);
