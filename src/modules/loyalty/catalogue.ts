import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { conflict, fieldError, notFound } from '../../http/errors.ts';
import { nonEmptyText, text } from '../../lib/validation.ts';
import type { Actor } from '../staff/index.ts';
import { bookPoints, lockAccounts } from './ledger.ts';
import { expiryFor } from './programme.ts';
import { currentProgramme } from './store.ts';
import { ledgerActor } from './service.ts';
import { issueCoupons } from './coupons.ts';

export const itemInput = z.strictObject({
  kind: z.enum(['gift', 'coupon']),
  nameZh: nonEmptyText(100),
  nameEn: text(100).default(''),
  points: z.number().int('must be a whole number of points').min(1, 'must be at least 1').max(1e9),
  stock: z.number().int('must be a whole number').min(0, 'must not be negative').max(1e9),
  templateId: z.number().int().positive().nullable().default(null),
  perMemberLimit: z.number().int().min(1, 'must be at least 1').max(1000).nullable().default(null),
  active: z.boolean().default(true),
  activeFrom: z.iso.datetime({ offset: true }).nullable().default(null),
  activeTo: z.iso.datetime({ offset: true }).nullable().default(null),
});
export type ItemInput = z.output<typeof itemInput>;

async function checkItem(q: Queryable, i: ItemInput) {
  if (i.kind === 'coupon') {
    if (i.templateId == null) throw fieldError('templateId', 'is required for a coupon reward', '优惠券类奖品必须选择优惠券模板');
    const t = await q.query(`SELECT 1 FROM coupon_templates WHERE id = $1`, [i.templateId]);
    if (!t.rows[0]) throw fieldError('templateId', 'unknown coupon template', '优惠券模板不存在');
  }
  if (i.activeFrom && i.activeTo && Date.parse(i.activeTo) <= Date.parse(i.activeFrom)) throw fieldError('activeTo', 'must be after activeFrom', '必须晚于开始时间');
}

const ITEM_COLUMNS = `id, kind, name_zh AS "nameZh", name_en AS "nameEn", points, stock, template_id AS "templateId", per_member_limit AS "perMemberLimit",
  active, active_from AS "activeFrom", active_to AS "activeTo", created_at AS "createdAt", updated_at AS "updatedAt"`;
const itemParams = (i: ItemInput) => [i.kind, i.nameZh, i.nameEn, i.points, i.stock, i.kind === 'coupon' ? i.templateId : null, i.perMemberLimit, i.active, i.activeFrom, i.activeTo];

export async function createItem(q: Queryable, i: ItemInput) {
  await checkItem(q, i);
  const r = await q.query(
    `INSERT INTO loyalty_catalogue_items (kind, name_zh, name_en, points, stock, template_id, per_member_limit, active, active_from, active_to)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING ${ITEM_COLUMNS}`,
    itemParams(i),
  );
  return r.rows[0];
}

export async function updateItem(q: Queryable, id: number, i: ItemInput) {
  await checkItem(q, i);
  const r = await q.query(
    `UPDATE loyalty_catalogue_items SET kind=$1, name_zh=$2, name_en=$3, points=$4, stock=$5, template_id=$6, per_member_limit=$7, active=$8,
       active_from=$9, active_to=$10, updated_at=now() WHERE id = $11 RETURNING ${ITEM_COLUMNS}`,
    [...itemParams(i), id],
  );
  if (!r.rows[0]) throw notFound('Catalogue item', '兑换商品');
  return r.rows[0];
}

/** The catalogue; `available` lists only what a member can redeem now (active, in its dates, in stock). */
export async function listItems(q: Queryable, opts: { available?: boolean } = {}) {
  const where = opts.available ? `WHERE active AND stock > 0 AND (active_from IS NULL OR active_from <= now()) AND (active_to IS NULL OR active_to > now())` : '';
  return (await q.query(`SELECT ${ITEM_COLUMNS} FROM loyalty_catalogue_items ${where} ORDER BY points, id`)).rows;
}

const notAvailable = () => conflict('ITEM_NOT_AVAILABLE', 'This reward is not available now.', '该奖品当前不可兑换。');

/**
 * Redeems a catalogue item: in one transaction the member's account is locked, the per-member limit checked, stock
 * taken by a conditional UPDATE (never below zero), points debited via the ledger and, for a coupon reward, coupons issued.
 */
export async function redeemItem(tx: Queryable, actor: Actor, input: { customerId: number; itemId: number; quantity: number }, timeZone = 'Asia/Shanghai') {
  const cust = await tx.query(`SELECT status FROM customers WHERE id = $1`, [input.customerId]);
  if (cust.rows[0]?.status !== 'active') throw notFound('Customer', '会员');
  const item = (await tx.query(`SELECT * FROM loyalty_catalogue_items WHERE id = $1`, [input.itemId])).rows[0];
  if (!item) throw notFound('Catalogue item', '兑换商品');
  const now = new Date();
  if (!item.active || (item.active_from && new Date(item.active_from) > now) || (item.active_to && new Date(item.active_to) <= now)) throw notAvailable();
  const { programme, version } = await currentProgramme(tx);
  const accounts = await lockAccounts(tx, [input.customerId], programme.tiers[0]?.code ?? null);
  if (item.per_member_limit != null) {
    const had = await tx.query(
      `SELECT coalesce(sum(quantity), 0)::int AS n FROM loyalty_redemptions WHERE customer_id = $1 AND item_id = $2 AND status = 'done'`,
      [input.customerId, input.itemId],
    );
    if (had.rows[0].n + input.quantity > item.per_member_limit) {
      throw conflict('REDEMPTION_LIMIT_REACHED', `A member may redeem this reward at most ${item.per_member_limit} times.`, `每位会员最多可兑换该奖品 ${item.per_member_limit} 次。`, { limit: item.per_member_limit, redeemed: had.rows[0].n });
    }
  }
  const taken = await tx.query(`UPDATE loyalty_catalogue_items SET stock = stock - $2, updated_at = now() WHERE id = $1 AND stock >= $2 RETURNING stock`, [input.itemId, input.quantity]);
  if (!taken.rows[0]) throw conflict('OUT_OF_STOCK', 'This reward is out of stock.', '该奖品库存不足。', { itemId: input.itemId });
  const points = item.points * input.quantity;
  const red = (await tx.query(
    `INSERT INTO loyalty_redemptions (customer_id, item_id, quantity, points, created_by) VALUES ($1,$2,$3,$4,$5) RETURNING id, created_at`,
    [input.customerId, input.itemId, input.quantity, points, actor.name],
  )).rows[0];
  const [b] = await bookPoints(tx, [{
    customerId: input.customerId, kind: 'redeem', points: -points, reasonCode: 'CATALOGUE', reason: `redeemed ${item.name_zh} × ${input.quantity}`,
    ref: { type: 'redemption', id: String(red.id) }, programmeVersion: version, details: { itemId: item.id, quantity: input.quantity },
  }], { actor: ledgerActor(actor), accounts });
  let coupons: { couponId: number; code: string; validTo: string }[] = [];
  if (item.kind === 'coupon') {
    const issued = await issueCoupons(tx, item.template_id, [input.customerId], { reason: 'redemption', ref: { type: 'redemption', id: String(red.id) }, count: input.quantity, issuedBy: actor.name });
    if (issued.overLimit.length) throw conflict('COUPON_LIMIT_REACHED', 'The member already holds as many of these coupons as allowed.', '该会员持有此优惠券已达上限。');
    coupons = issued.issued.map(({ couponId, code, validTo }) => ({ couponId, code, validTo }));
    await tx.query(`UPDATE loyalty_redemptions SET coupon_ids = $3 WHERE customer_id = $1 AND id = $2`, [input.customerId, red.id, coupons.map((c) => c.couponId)]);
  }
  void timeZone;
  return {
    redemptionId: red.id, customerId: input.customerId, itemId: item.id, nameZh: item.name_zh, nameEn: item.name_en, kind: item.kind,
    quantity: input.quantity, points, balance: b!.balance, stockLeft: taken.rows[0].stock, coupons, status: 'done', createdAt: red.created_at,
  };
}

/** Cancels a redemption: refunds the points (a credit entry), restores the stock and voids its unused coupons. Once only. */
export async function cancelRedemption(tx: Queryable, actor: Actor, customerId: number, redemptionId: number, reason: string, timeZone = 'Asia/Shanghai') {
  const red = (await tx.query(`SELECT * FROM loyalty_redemptions WHERE customer_id = $1 AND id = $2 FOR UPDATE`, [customerId, redemptionId])).rows[0];
  if (!red) throw notFound('Redemption', '兑换记录');
  if (red.status === 'cancelled') throw conflict('REDEMPTION_CANCELLED', 'This redemption was already cancelled.', '该兑换已取消。');
  if (red.coupon_ids.length) {
    const used = await tx.query(`SELECT count(*)::int AS n FROM coupons WHERE customer_id = $1 AND id = ANY($2::bigint[]) AND status = 'used'`, [customerId, red.coupon_ids]);
    if (used.rows[0].n > 0) throw conflict('COUPON_USED', 'A coupon of this redemption has already been used.', '该兑换发放的优惠券已被使用，无法取消。');
    await tx.query(`UPDATE coupons SET status = 'void', voided_at = now(), void_reason = 'redemption cancelled' WHERE customer_id = $1 AND id = ANY($2::bigint[]) AND status = 'active'`, [customerId, red.coupon_ids]);
  }
  const { programme, version } = await currentProgramme(tx);
  const [b] = await bookPoints(tx, [{
    customerId, kind: 'refund', points: red.points, reasonCode: 'REDEMPTION_CANCELLED', reason, ref: { type: 'redemption', id: String(red.id) },
    programmeVersion: version, expiresAt: expiryFor(programme, new Date(), timeZone), details: { itemId: red.item_id, quantity: red.quantity },
  }], { actor: ledgerActor(actor), entryTierCode: programme.tiers[0]?.code });
  await tx.query(`UPDATE loyalty_catalogue_items SET stock = stock + $2, updated_at = now() WHERE id = $1`, [red.item_id, red.quantity]);
  await tx.query(`UPDATE loyalty_redemptions SET status = 'cancelled', cancelled_at = now(), cancel_reason = $3 WHERE customer_id = $1 AND id = $2`, [customerId, redemptionId, reason]);
  return { redemptionId, customerId, status: 'cancelled', refundedPoints: red.points, balance: b!.balance };
}

export async function memberRedemptions(q: Queryable, customerId: number) {
  const r = await q.query(
    `SELECT r.id, r.item_id AS "itemId", i.name_zh AS "nameZh", i.name_en AS "nameEn", i.kind, r.quantity, r.points, r.status, r.coupon_ids AS "couponIds",
            r.created_by AS "createdBy", r.created_at AS "createdAt", r.cancelled_at AS "cancelledAt"
       FROM loyalty_redemptions r JOIN loyalty_catalogue_items i ON i.id = r.item_id WHERE r.customer_id = $1 ORDER BY r.id DESC LIMIT 200`,
    [customerId],
  );
  return r.rows;
}
