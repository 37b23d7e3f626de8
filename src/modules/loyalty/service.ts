import type { Queryable } from '../../db/client.ts';
import { forbidden, notFound } from '../../http/errors.ts';
import { can, recordAudit, type Actor } from '../staff/index.ts';
import { bookPoints, type LedgerActor } from './ledger.ts';
import { expiryFor, qualifies, type Programme } from './programme.ts';
import { currentProgramme } from './store.ts';

export const ledgerActor = (a: Actor): LedgerActor => ({ kind: a.kind, id: a.id, name: a.name });

async function assertCustomer(q: Queryable, customerId: number) {
  const r = await q.query(`SELECT id, status FROM customers WHERE id = $1`, [customerId]);
  if (!r.rows[0] || r.rows[0].status !== 'active') throw notFound('Customer', '会员');
}

const tierView = (programme: Programme, code: string | null) => {
  const t = programme.tiers.find((x) => x.code === code);
  return t ? { code: t.code, nameZh: t.nameZh, nameEn: t.nameEn, benefits: t.benefits } : null;
};

/** What the till and the service desk show: tier and progress to the next, balance, expiring points, recent entries. */
export async function memberSummary(q: Queryable, customerId: number, timeZone: string) {
  await assertCustomer(q, customerId);
  const now = new Date();
  const { programme, version } = await currentProgramme(q, now);
  const since = new Date(now);
  since.setUTCMonth(since.getUTCMonth() - programme.qualification.windowMonths);
  const r = await q.query(
    `SELECT a.points_balance, a.tier_since, a.tier_downgrade_at, t.code AS tier_code,
            (SELECT coalesce(sum(CASE WHEN p.kind = 'sale' THEN p.paid_fen ELSE -abs(p.paid_fen) END), 0)::bigint FROM purchases p WHERE p.customer_id = $1 AND p.purchased_at >= $2) AS spend,
            (SELECT count(*) FROM purchases p WHERE p.customer_id = $1 AND p.purchased_at >= $2 AND p.kind = 'sale') AS n
       FROM (SELECT $1::bigint AS customer_id) c
       LEFT JOIN loyalty_accounts a ON a.customer_id = c.customer_id
       LEFT JOIN loyalty_tiers t ON t.id = a.tier_id`,
    [customerId, since],
  );
  const a = r.rows[0];
  const tierCode: string | null = a.tier_code ?? programme.tiers[0]?.code ?? null;
  const idx = programme.tiers.findIndex((t) => t.code === tierCode);
  const next = programme.tiers[idx + 1] ?? null;
  const spend = Math.max(0, a.spend);
  const n = a.n;
  let progress = null;
  if (next) {
    const spendNeededFen = next.minSpendFen > 0 ? Math.max(0, next.minSpendFen - spend) : null;
    const purchasesNeeded = next.minPurchases > 0 ? Math.max(0, next.minPurchases - n) : null;
    const ratio = Math.min(1, Math.max(next.minSpendFen > 0 ? spend / next.minSpendFen : 0, next.minPurchases > 0 ? n / next.minPurchases : 0));
    progress = {
      nextTier: tierView(programme, next.code),
      spendNeededFen,
      purchasesNeeded,
      percent: Math.floor(ratio * 100),
      qualifiesNow: qualifies(programme.qualification.match, next, spend, n),
      zh: spendNeededFen != null ? `还差 ¥${(spendNeededFen / 100).toLocaleString('zh-CN')} 升级${next.nameZh}` : `还差 ${purchasesNeeded} 笔消费升级${next.nameZh}`,
      en: spendNeededFen != null ? `¥${(spendNeededFen / 100).toLocaleString('en')} more to reach ${next.nameEn}` : `${purchasesNeeded} more purchases to reach ${next.nameEn}`,
    };
  }
  const expiring = await q.query(
    `SELECT expires_at AS "expiresAt", sum(remaining)::bigint AS points FROM loyalty_lots
      WHERE customer_id = $1 AND remaining > 0 AND expires_at IS NOT NULL GROUP BY expires_at ORDER BY expires_at LIMIT 12`,
    [customerId],
  );
  return {
    customerId,
    programmeVersion: version,
    balance: a.points_balance ?? 0,
    valueFen: (a.points_balance ?? 0) * programme.pointValueFen,
    pointValueFen: programme.pointValueFen,
    tier: tierView(programme, tierCode),
    tierSince: a.tier_since,
    downgradeAt: a.tier_downgrade_at,
    window: { months: programme.qualification.windowMonths, spendFen: spend, purchases: n },
    progress,
    expiring: expiring.rows,
    recent: await ledgerPage(q, customerId, { limit: 20 }),
    adjustLimit: programme.adjustLimit,
    timeZone,
  };
}

export async function ledgerPage(q: Queryable, customerId: number, opts: { limit: number; beforeId?: number }) {
  const r = await q.query(
    `SELECT id, kind, points, reason_code AS "reasonCode", reason, ref_type AS "refType", ref_id AS "refId", purchase_id AS "purchaseId",
            programme_version AS "programmeVersion", expires_at AS "expiresAt", details, actor_kind AS "actorKind", actor_name AS "actorName", created_at AS "createdAt"
       FROM loyalty_ledger WHERE customer_id = $1 ${opts.beforeId ? 'AND id < $3' : ''} ORDER BY id DESC LIMIT $2`,
    opts.beforeId ? [customerId, opts.limit, opts.beforeId] : [customerId, opts.limit],
  );
  return r.rows;
}

/** Points as payment at the till: a debit that never overdraws (409 INSUFFICIENT_POINTS). */
export async function redeemPoints(tx: Queryable, actor: Actor, customerId: number, input: { points: number; reference?: string; note?: string }) {
  await assertCustomer(tx, customerId);
  const { programme, version } = await currentProgramme(tx);
  const [b] = await bookPoints(tx, [{
    customerId, kind: 'redeem', points: -input.points, reasonCode: 'POINTS_PAYMENT', reason: input.note ?? 'points used as payment',
    programmeVersion: version, details: { reference: input.reference ?? null, valueFen: input.points * programme.pointValueFen },
  }], { actor: ledgerActor(actor), entryTierCode: programme.tiers[0]?.code });
  return { ledgerId: b!.ledgerId, points: input.points, valueFen: input.points * programme.pointValueFen, balance: b!.balance, reference: input.reference ?? null };
}

/** A manual correction with a reason; above the programme's limit it needs loyalty.adjust_large (403 otherwise). */
export async function adjustPoints(tx: Queryable, actor: Actor, customerId: number, input: { points: number; reasonCode: string; reason: string }, timeZone = 'Asia/Shanghai') {
  await assertCustomer(tx, customerId);
  const { programme, version } = await currentProgramme(tx);
  if (Math.abs(input.points) > programme.adjustLimit && !can(actor, 'loyalty.adjust_large')) {
    throw forbidden('ADJUSTMENT_OVER_LIMIT', `Adjustments over ${programme.adjustLimit} points need a manager.`, `超过 ${programme.adjustLimit} 积分的调整需要店长权限。`);
  }
  const [b] = await bookPoints(tx, [{
    customerId, kind: 'adjust', points: input.points, reasonCode: input.reasonCode, reason: input.reason, programmeVersion: version,
    expiresAt: input.points > 0 ? expiryFor(programme, new Date(), timeZone) : null,
  }], { actor: ledgerActor(actor), entryTierCode: programme.tiers[0]?.code });
  await recordAudit(tx, actor, { action: 'loyalty.adjust', entity: 'loyalty_ledger', entityId: b!.ledgerId, customerId, details: { points: input.points, reasonCode: input.reasonCode, reason: input.reason } });
  return { ledgerId: b!.ledgerId, points: input.points, balance: b!.balance };
}

export type AwardKind = 'signup' | 'review' | 'referral';

/**
 * Points for signing up, a review or a referral, at the programme's configured amounts; once per (kind, reference):
 * the sign-up once per member, a review once per review id, a referral once per referred customer.
 */
export async function awardPoints(tx: Queryable, actor: LedgerActor, customerId: number, kind: AwardKind, reference: string, timeZone = 'Asia/Shanghai') {
  await assertCustomer(tx, customerId);
  const { programme, version } = await currentProgramme(tx);
  const points = programme.awards[kind];
  const ref = kind === 'signup' ? 'signup' : `${kind}:${reference}`;
  if (points <= 0) {
    return { ledgerId: null, points: 0, replayed: false, balance: null };
  }
  const [b] = await bookPoints(tx, [{
    customerId, kind: 'award', points, reasonCode: kind.toUpperCase(), reason: `points for ${kind}`, ref: { type: 'award', id: ref },
    programmeVersion: version, expiresAt: expiryFor(programme, new Date(), timeZone), details: { reference },
  }], { actor, entryTierCode: programme.tiers[0]?.code });
  return { ledgerId: b!.ledgerId, points: b!.points, replayed: b!.replayed, balance: b!.balance };
}

/**
 * Per month (business time zone): issued, redeemed, expired, taken back and adjusted; liability now; tiers.
 * A cancelled redemption's refund gives back what was redeemed, so it nets off `redeemed` (in the month of the cancellation).
 */
export async function loyaltyReport(q: Queryable, opts: { from: string; to: string; timeZone: string }) {
  const { programme } = await currentProgramme(q);
  const months = await q.query(
    `SELECT to_char(created_at AT TIME ZONE $3, 'YYYY-MM') AS month,
            coalesce(sum(points) FILTER (WHERE points > 0 AND kind <> 'refund'), 0)::bigint AS issued,
            coalesce(-sum(points) FILTER (WHERE kind IN ('redeem', 'refund')), 0)::bigint AS redeemed,
            coalesce(-sum(points) FILTER (WHERE kind = 'expire'), 0)::bigint AS expired,
            coalesce(-sum(points) FILTER (WHERE kind = 'reverse'), 0)::bigint AS reversed,
            coalesce(-sum(points) FILTER (WHERE kind = 'adjust' AND points < 0), 0)::bigint AS "adjustedDown"
       FROM loyalty_ledger
      WHERE created_at >= ($1::date)::timestamp AT TIME ZONE $3 AND created_at < (($2::date + 1)::timestamp AT TIME ZONE $3)
      GROUP BY 1 ORDER BY 1`,
    [opts.from, opts.to, opts.timeZone],
  );
  const totals = await q.query(`SELECT coalesce(sum(points_balance), 0)::bigint AS points, count(*) AS members FROM loyalty_accounts`);
  const distribution = await q.query(
    `SELECT t.code, t.name_zh AS "nameZh", t.name_en AS "nameEn", t.rank, count(a.customer_id) AS members
       FROM loyalty_tiers t LEFT JOIN loyalty_accounts a ON a.tier_id = t.id GROUP BY t.id ORDER BY t.rank`,
  );
  const movements = await q.query(
    `SELECT to_char(changed_at AT TIME ZONE $3, 'YYYY-MM') AS month,
            count(*) FILTER (WHERE direction = 'up') AS upgrades, count(*) FILTER (WHERE direction = 'down') AS downgrades
       FROM loyalty_tier_changes
      WHERE changed_at >= ($1::date)::timestamp AT TIME ZONE $3 AND changed_at < (($2::date + 1)::timestamp AT TIME ZONE $3)
      GROUP BY 1 ORDER BY 1`,
    [opts.from, opts.to, opts.timeZone],
  );
  const points = totals.rows[0].points;
  const monthList: string[] = [];
  for (let [y, m] = opts.from.split('-').map(Number) as [number, number]; `${y}-${String(m).padStart(2, '0')}` <= opts.to.slice(0, 7) && monthList.length < 240; m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    monthList.push(`${y}-${String(m).padStart(2, '0')}`);
  }
  const zero = { issued: 0, redeemed: 0, expired: 0, reversed: 0, adjustedDown: 0 };
  const byMonth = new Map(months.rows.map((x) => [x.month, x]));
  const moves = new Map(movements.rows.map((x) => [x.month, x]));
  return {
    from: opts.from, to: opts.to, pointValueFen: programme.pointValueFen,
    months: monthList.map((month) => byMonth.get(month) ?? { month, ...zero }),
    outstanding: { points, valueFen: points * programme.pointValueFen, members: totals.rows[0].members },
    tiers: distribution.rows.filter((t) => programme.tiers.some((p) => p.code === t.code) || t.members > 0),
    movements: monthList.map((month) => moves.get(month) ?? { month, upgrades: 0, downgrades: 0 }),
  };
}
