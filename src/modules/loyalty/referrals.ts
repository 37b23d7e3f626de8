import { z } from 'zod';
import type { Db, Queryable } from '../../db/client.ts';
import { badRequest, conflict, fieldError, notFound } from '../../http/errors.ts';
import { returnWindowDays } from '../sales/index.ts';
import { bookPoints, SYSTEM, type BookEntry } from './ledger.ts';
import { expiryFor } from './programme.ts';
import { currentProgramme } from './store.ts';
import { issueCoupons, newCode, normaliseCode } from './coupons.ts';

export const REFERRAL_SETTING = 'loyalty.referralRewards';
export const REFERRAL_CODE_LENGTH = 8;

export const referralSettingsInput = z.strictObject({
  referrerTemplateId: z.number().int().positive().nullable().default(null),
  refereeTemplateId: z.number().int().positive().nullable().default(null),
});
export type ReferralSettings = z.output<typeof referralSettingsInput>;

export async function referralSettings(q: Queryable): Promise<ReferralSettings & { points: number }> {
  const r = await q.query(`SELECT value FROM settings WHERE key = $1`, [REFERRAL_SETTING]);
  const parsed = referralSettingsInput.safeParse(r.rows[0]?.value ?? {});
  const { programme } = await currentProgramme(q);
  return { ...(parsed.success ? parsed.data : { referrerTemplateId: null, refereeTemplateId: null }), points: programme.awards.referral };
}

export async function setReferralSettings(tx: Queryable, s: ReferralSettings) {
  for (const k of ['referrerTemplateId', 'refereeTemplateId'] as const) {
    if (s[k] != null && !(await tx.query(`SELECT 1 FROM coupon_templates WHERE id = $1`, [s[k]])).rows[0]) throw fieldError(k, 'unknown coupon template', '优惠券模板不存在');
  }
  await tx.query(`INSERT INTO settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`, [REFERRAL_SETTING, JSON.stringify(s)]);
  return referralSettings(tx);
}

async function activeCustomer(q: Queryable, id: number, path?: string) {
  const r = await q.query(`SELECT id, status, registered_at FROM customers WHERE id = $1`, [id]);
  if (r.rows[0]?.status !== 'active') {
    if (path) throw fieldError(path, 'unknown or inactive member', '会员不存在或已停用');
    throw notFound('Customer', '会员');
  }
  return r.rows[0];
}

/** A member's referral code, made on first request; codes never collide (the code is the key; a clash retries). */
export async function referralCode(tx: Queryable, customerId: number): Promise<{ customerId: number; code: string }> {
  await activeCustomer(tx, customerId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const mine = await tx.query(`SELECT code FROM loyalty_referral_codes WHERE customer_id = $1`, [customerId]);
    if (mine.rows[0]) return { customerId, code: mine.rows[0].code };
    await tx.query(`INSERT INTO loyalty_referral_codes (code, customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [newCode(REFERRAL_CODE_LENGTH), customerId]);
  }
  throw new Error('could not allocate a referral code');
}

/**
 * Links a new member to the member whose code they registered with. Refused: an unknown code (400), one's own code
 * (400 SELF_REFERRAL), a member already linked (409 ALREADY_REFERRED) or who has bought before (409 REFEREE_NOT_NEW).
 */
export async function linkReferral(tx: Queryable, input: { customerId: number; code: string }) {
  await activeCustomer(tx, input.customerId, 'customerId');
  const code = normaliseCode(input.code);
  const owner = (await tx.query(`SELECT customer_id FROM loyalty_referral_codes WHERE code = $1`, [code])).rows[0];
  if (!owner) throw badRequest('REFERRAL_CODE_UNKNOWN', 'code: no member has this referral code.', 'code：推荐码不存在。', [{ path: 'code', en: 'no member has this referral code', zh: '推荐码不存在' }]);
  if (owner.customer_id === input.customerId) throw badRequest('SELF_REFERRAL', 'code: a member cannot refer themselves.', 'code：不能使用自己的推荐码。', [{ path: 'code', en: 'is the member’s own code', zh: '是会员自己的推荐码' }]);
  const prior = (await tx.query(`SELECT referrer_id, code FROM loyalty_referrals WHERE customer_id = $1 FOR UPDATE`, [input.customerId])).rows[0];
  if (prior) throw conflict('ALREADY_REFERRED', 'This member was already referred.', '该会员已有推荐人。', { referrerId: prior.referrer_id });
  const bought = await tx.query(`SELECT 1 FROM purchases WHERE customer_id = $1 AND kind = 'sale' LIMIT 1`, [input.customerId]);
  if (bought.rows[0]) throw conflict('REFEREE_NOT_NEW', 'Only a new member without purchases can be referred.', '只有尚未消费的新会员才能被推荐。');
  const r = await tx.query(
    `INSERT INTO loyalty_referrals (customer_id, referrer_id, code) VALUES ($1, $2, $3) ON CONFLICT (customer_id) DO NOTHING
     RETURNING customer_id AS "customerId", referrer_id AS "referrerId", code, status, linked_at AS "linkedAt"`,
    [input.customerId, owner.customer_id, code],
  );
  if (!r.rows[0]) throw conflict('ALREADY_REFERRED', 'This member was already referred.', '该会员已有推荐人。');
  return r.rows[0];
}

/**
 * The daily settlement: referrals whose referee has a sale older than the return window and not fully returned are
 * marked rewarded by a conditional UPDATE (once only), and both sides get the programme's referral points (refs make
 * the ledger entries idempotent too) and the configured coupons.
 */
export async function settleReferrals(db: Db, opts: { now?: Date; timeZone: string; batch?: number }) {
  const now = opts.now ?? new Date();
  const days = await returnWindowDays(db);
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  let settled = 0;
  for (;;) {
    const n = await db.tx(async (tx) => {
      const r = await tx.query(
        `WITH due AS (
           SELECT r.customer_id, q.id AS purchase_id
             FROM loyalty_referrals r
             CROSS JOIN LATERAL (
               SELECT p.id FROM purchases p
                WHERE p.customer_id = r.customer_id AND p.kind = 'sale' AND p.purchased_at <= $1 AND p.paid_fen > 0
                  AND p.paid_fen > (SELECT coalesce(sum(abs(x.paid_fen)), 0) FROM purchases x WHERE x.customer_id = p.customer_id AND x.original_purchase_id = p.id AND x.kind = 'return')
                ORDER BY p.purchased_at, p.id LIMIT 1) q
            WHERE r.status = 'pending'
            ORDER BY r.customer_id LIMIT $2
            FOR UPDATE OF r SKIP LOCKED)
         UPDATE loyalty_referrals r SET status = 'rewarded', rewarded_at = now(), qualifying_purchase_id = due.purchase_id
           FROM due WHERE r.customer_id = due.customer_id AND r.status = 'pending'
         RETURNING r.customer_id, r.referrer_id`,
        [cutoff, opts.batch ?? 5000],
      );
      if (r.rows.length === 0) return 0;
      const { programme, version } = await currentProgramme(tx);
      const settings = await referralSettings(tx);
      const expiresAt = expiryFor(programme, new Date(), opts.timeZone);
      if (settings.points > 0) {
        const entries: BookEntry[] = [];
        for (const x of r.rows) {
          const common = { kind: 'award' as const, points: settings.points, reasonCode: 'REFERRAL', programmeVersion: version, expiresAt };
          entries.push({ ...common, customerId: x.referrer_id, reason: 'points for referral', ref: { type: 'award', id: `referral:${x.customer_id}` }, details: { refereeId: x.customer_id } });
          entries.push({ ...common, customerId: x.customer_id, reason: 'points for joining by referral', ref: { type: 'award', id: 'referred' }, details: { referrerId: x.referrer_id } });
        }
        await bookPoints(tx, entries, { actor: SYSTEM, entryTierCode: programme.tiers[0]?.code });
      }
      for (const [side, templateId] of [['referrer', settings.referrerTemplateId], ['referee', settings.refereeTemplateId]] as const) {
        if (templateId == null) continue;
        const live = await tx.query(`SELECT 1 FROM coupon_templates WHERE id = $1 AND active AND (valid_to IS NULL OR valid_to > now())`, [templateId]);
        if (!live.rows[0]) continue;
        // One issue per referee: the referrer's ref names the referee, so two referees give two coupons.
        const byRef = side === 'referee' ? [[r.rows.map((x) => x.customer_id), 'referred']] : r.rows.map((x) => [[x.referrer_id], `referral:${x.customer_id}`]);
        for (const [ids, ref] of byRef as [number[], string][]) await issueCoupons(tx, templateId, ids, { reason: 'referral', ref: { type: 'referral', id: ref }, partial: true });
      }
      return r.rows.length;
    });
    settled += n;
    if (n < (opts.batch ?? 5000)) break;
  }
  return { settled, returnWindowDays: days };
}

/** Referral rate per month (referred new members / all new members) and the share of members who referred someone. */
export async function referralReport(q: Queryable, opts: { from: string; to: string; timeZone: string }) {
  const months = await q.query(
    `SELECT to_char(c.registered_at AT TIME ZONE $3, 'YYYY-MM') AS month, count(*)::int AS "newMembers", count(r.customer_id)::int AS referred,
            count(r.customer_id) FILTER (WHERE r.status = 'rewarded')::int AS rewarded
       FROM customers c LEFT JOIN loyalty_referrals r ON r.customer_id = c.id
      WHERE c.registered_at >= ($1::date)::timestamp AT TIME ZONE $3 AND c.registered_at < (($2::date + 1)::timestamp AT TIME ZONE $3) AND c.status <> 'merged'
      GROUP BY 1 ORDER BY 1`,
    [opts.from, opts.to, opts.timeZone],
  );
  const totals = (await q.query(
    `SELECT (SELECT count(*) FROM customers WHERE status = 'active')::int AS members,
            (SELECT count(DISTINCT referrer_id) FROM loyalty_referrals)::int AS referrers,
            (SELECT count(*) FROM loyalty_referrals)::int AS referrals,
            (SELECT count(*) FROM loyalty_referrals WHERE status = 'rewarded')::int AS rewarded`,
  )).rows[0];
  const monthList: string[] = [];
  for (let [y, m] = opts.from.split('-').map(Number) as [number, number]; `${y}-${String(m).padStart(2, '0')}` <= opts.to.slice(0, 7) && monthList.length < 240; m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    monthList.push(`${y}-${String(m).padStart(2, '0')}`);
  }
  const byMonth = new Map(months.rows.map((x) => [x.month, x]));
  const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 10000) / 10000);
  return {
    from: opts.from, to: opts.to,
    months: monthList.map((month) => {
      const x = byMonth.get(month) ?? { month, newMembers: 0, referred: 0, rewarded: 0 };
      return { ...x, rate: ratio(x.referred, x.newMembers) };
    }),
    ...totals,
    referrerShare: ratio(totals.referrers, totals.members),
  };
}

export async function memberReferrals(q: Queryable, customerId: number) {
  const code = (await q.query(`SELECT code FROM loyalty_referral_codes WHERE customer_id = $1`, [customerId])).rows[0]?.code ?? null;
  const referredBy = (await q.query(`SELECT referrer_id AS "referrerId", status, linked_at AS "linkedAt", rewarded_at AS "rewardedAt" FROM loyalty_referrals WHERE customer_id = $1`, [customerId])).rows[0] ?? null;
  const referred = (await q.query(
    `SELECT r.customer_id AS "customerId", r.status, r.linked_at AS "linkedAt", r.rewarded_at AS "rewardedAt"
       FROM loyalty_referrals r WHERE r.referrer_id = $1 ORDER BY r.linked_at DESC LIMIT 200`,
    [customerId],
  )).rows;
  return { customerId, code, referredBy, referred: await withReferrerRewards(q, customerId, referred) };
}

/** Each referee with what the referrer got for them: the points booked under ref (award, referral:<referee>) and the coupons under (referral, referral:<referee>). */
async function withReferrerRewards<T extends { customerId: number }>(q: Queryable, referrerId: number, referred: T[]) {
  if (referred.length === 0) return [];
  const refs = referred.map((x) => `referral:${x.customerId}`);
  const points = await q.query(`SELECT ref_id, sum(points)::int AS points FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'award' AND ref_type = 'award' AND ref_id = ANY($2::text[]) GROUP BY ref_id`, [referrerId, refs]);
  const coupons = await q.query(`SELECT ref_id, array_agg(code ORDER BY id) AS codes FROM coupons WHERE customer_id = $1 AND ref_type = 'referral' AND ref_id = ANY($2::text[]) GROUP BY ref_id`, [referrerId, refs]);
  const pointsBy = new Map(points.rows.map((r) => [r.ref_id, r.points as number]));
  const couponsBy = new Map(coupons.rows.map((r) => [r.ref_id, r.codes as string[]]));
  return referred.map((x) => ({ ...x, rewardPoints: pointsBy.get(`referral:${x.customerId}`) ?? 0, rewardCoupons: couponsBy.get(`referral:${x.customerId}`) ?? [] }));
}

/** When duplicates merge, their coupons, redemptions, perk grants and referral links move to the survivor. */
export const rewardsLifecycle = {
  /** A member's coupons, redemptions, perks and referral links for their data-access export. */
  async exportData(q: Queryable, customerId: number) {
    const rows = async (sql: string) => (await q.query(sql, [customerId])).rows;
    return {
      coupons: await rows(`SELECT id, template_id, code, status, valid_from, valid_to, reason, issued_at, used_at, discount_fen FROM coupons WHERE customer_id = $1 ORDER BY id`),
      redemptions: await rows(`SELECT id, item_id, quantity, points, status, created_at, cancelled_at FROM loyalty_redemptions WHERE customer_id = $1 ORDER BY id`),
      perks: await rows(`SELECT occasion, year, points, template_id, granted_at FROM loyalty_perk_grants WHERE customer_id = $1 ORDER BY granted_at`),
      referralCode: (await rows(`SELECT code FROM loyalty_referral_codes WHERE customer_id = $1`))[0]?.code ?? null,
      referredBy: (await rows(`SELECT referrer_id, status, linked_at, rewarded_at FROM loyalty_referrals WHERE customer_id = $1`))[0] ?? null,
      referred: await rows(`SELECT customer_id, status, linked_at, rewarded_at FROM loyalty_referrals WHERE referrer_id = $1 ORDER BY linked_at`),
    };
  },
  async onMerged(tx: Queryable, survivorId: number, mergedIds: number[]) {
    // The ref gets the old owner appended so a coupon both held under the same ref keeps its own row.
    await tx.query(`UPDATE coupons SET customer_id = $1, ref_id = ref_id || ':merged:' || customer_id WHERE customer_id = ANY($2::bigint[])`, [survivorId, mergedIds]);
    await tx.query(`UPDATE coupon_codes SET customer_id = $1 WHERE customer_id = ANY($2::bigint[])`, [survivorId, mergedIds]);
    await tx.query(`UPDATE loyalty_redemptions SET customer_id = $1 WHERE customer_id = ANY($2::bigint[])`, [survivorId, mergedIds]);
    await tx.query(
      `INSERT INTO loyalty_perk_grants (customer_id, occasion, year, points, template_id, granted_at)
       SELECT $1, occasion, year, points, template_id, granted_at FROM loyalty_perk_grants WHERE customer_id = ANY($2::bigint[]) ON CONFLICT DO NOTHING`,
      [survivorId, mergedIds],
    );
    await tx.query(`DELETE FROM loyalty_perk_grants WHERE customer_id = ANY($1::bigint[])`, [mergedIds]);
    await tx.query(`UPDATE loyalty_referrals SET referrer_id = $1 WHERE referrer_id = ANY($2::bigint[]) AND customer_id <> $1`, [survivorId, mergedIds]);
    await tx.query(`DELETE FROM loyalty_referrals WHERE customer_id = $1 AND referrer_id = $1`, [survivorId]);
    await tx.query(
      `UPDATE loyalty_referrals SET customer_id = $1 WHERE customer_id = ANY($2::bigint[]) AND referrer_id <> $1
         AND NOT EXISTS (SELECT 1 FROM loyalty_referrals s WHERE s.customer_id = $1)
         AND customer_id = (SELECT min(customer_id) FROM loyalty_referrals WHERE customer_id = ANY($2::bigint[]))`,
      [survivorId, mergedIds],
    );
    await tx.query(`DELETE FROM loyalty_referrals WHERE customer_id = ANY($1::bigint[])`, [mergedIds]);
    await tx.query(`DELETE FROM loyalty_referral_codes WHERE customer_id = ANY($1::bigint[])`, [mergedIds]);
  },
};
