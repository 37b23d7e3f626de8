import { prepared } from '../../db/client.ts';
import { timelineAt, type TimelineSource } from '../customers/index.ts';
import type { LedgerKind } from './ledger.ts';

/** Each ledger kind as a timeline event type, with its label in both languages. */
export const POINTS_EVENTS: Record<LedgerKind, { type: string; zh: string; en: string }> = {
  earn: { type: 'points_earned', zh: '获得积分', en: 'Points earned' },
  award: { type: 'points_awarded', zh: '奖励积分', en: 'Points awarded' },
  redeem: { type: 'points_redeemed', zh: '使用积分', en: 'Points redeemed' },
  refund: { type: 'points_refunded', zh: '退还积分', en: 'Points refunded' },
  expire: { type: 'points_expired', zh: '积分过期', en: 'Points expired' },
  adjust: { type: 'points_adjusted', zh: '积分调整', en: 'Points adjusted' },
  reverse: { type: 'points_reversed', zh: '退货扣回积分', en: 'Points taken back' },
};

const statement = () =>
  prepared(`SELECT id, kind, ${timelineAt('created_at')} AS at, points, reason_code AS "reasonCode", reason, purchase_id AS "purchaseId",
          ref_type AS "refType", ref_id AS "refId", expires_at AS "expiresAt", actor_name AS "actorName"
     FROM loyalty_ledger
    WHERE customer_id = $1 AND created_at < coalesce($2::timestamptz, 'infinity')
    ORDER BY created_at DESC, id DESC LIMIT $3`);

/**
 * A member's points entries for the customer 360 timeline, newest first: one index range scan of
 * `loyalty_ledger_customer_time_idx` (customer, time, id) backwards, one prepared statement.
 */
export const loyaltyTimeline: TimelineSource = async (q, customerId, before, limit) => {
  const r = await q.query(statement(), [customerId, before, limit]);
  return r.rows.map(({ id, kind, at, ...data }: any) => {
    const e = POINTS_EVENTS[kind as LedgerKind];
    return { at, source: 'loyalty', type: e?.type ?? `points_${kind}`, id: String(id), data: { ledgerId: id, kind, ...data, label: { zh: e?.zh ?? kind, en: e?.en ?? kind } } };
  });
};
