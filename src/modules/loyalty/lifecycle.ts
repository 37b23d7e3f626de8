import type { Queryable } from '../../db/client.ts';
import type { CustomerLifecycleListener } from '../customers/index.ts';
import type { Actor } from '../staff/index.ts';
import { awardPoints, ledgerActor } from './service.ts';

/**
 * A member created through the API or the console earns the programme's sign-up points in the creating transaction
 * (once per member: the award's ref is 'signup'); with no sign-up points configured nothing is booked. Bulk imports
 * do not call this (see docs/loyalty.md, "Sign-up points").
 *
 * When duplicates merge, their points follow the survivor: ledger, lots and tier history move to the survivor (the
 * one-per-member sign-up award keeps its old member in its ref so both stay unique), the balances add up and the
 * survivor keeps the higher tier. The ledger stays append-only in content; only the owner changes, as a merge must
 * (the database's trigger, migration 0410, allows exactly this and nothing else).
 * An erasure keeps the points ledger (a financial record without personal data).
 */
export const loyaltyLifecycle = (timeZone: string): CustomerLifecycleListener => ({
  async onCreated(tx: Queryable, customerId: number, actor: Actor) {
    await awardPoints(tx, ledgerActor(actor), customerId, 'signup', 'signup', timeZone);
  },

  async onMerged(tx: Queryable, survivorId: number, mergedIds: number[]) {
    if (mergedIds.length === 0) return;
    const all = [survivorId, ...mergedIds].sort((a, b) => a - b);
    const accounts = await tx.query(
      `SELECT a.customer_id, a.points_balance, a.tier_id, t.rank FROM loyalty_accounts a LEFT JOIN loyalty_tiers t ON t.id = a.tier_id
        WHERE a.customer_id = ANY($1::bigint[]) ORDER BY a.customer_id FOR UPDATE OF a`,
      [all],
    );
    if (!accounts.rows.some((r) => mergedIds.includes(r.customer_id))) return;
    await tx.query(
      `UPDATE loyalty_ledger SET customer_id = $1,
              ref_id = CASE WHEN ref_type = 'award' AND ref_id = 'signup' THEN 'signup:' || customer_id ELSE ref_id END
        WHERE customer_id = ANY($2::bigint[])`,
      [survivorId, mergedIds],
    );
    await tx.query(`UPDATE loyalty_lots SET customer_id = $1 WHERE customer_id = ANY($2::bigint[])`, [survivorId, mergedIds]);
    await tx.query(`UPDATE loyalty_tier_changes SET customer_id = $1 WHERE customer_id = ANY($2::bigint[])`, [survivorId, mergedIds]);
    const total = accounts.rows.reduce((s, r) => s + Number(r.points_balance), 0);
    const best = [...accounts.rows].sort((a, b) => (b.rank ?? -1) - (a.rank ?? -1))[0]!;
    await tx.query(
      `INSERT INTO loyalty_accounts (customer_id, tier_id, points_balance, tier_since) VALUES ($1, $2, $3, now())
       ON CONFLICT (customer_id) DO UPDATE SET points_balance = EXCLUDED.points_balance,
         tier_id = EXCLUDED.tier_id,
         tier_since = CASE WHEN loyalty_accounts.tier_id IS DISTINCT FROM EXCLUDED.tier_id THEN now() ELSE loyalty_accounts.tier_since END,
         tier_downgrade_at = NULL, updated_at = now()`,
      [survivorId, best.tier_id, total],
    );
    await tx.query(`DELETE FROM loyalty_accounts WHERE customer_id = ANY($1::bigint[])`, [mergedIds]);
  },

  async exportData(q: Queryable, customerId: number) {
    const account = await q.query(
      `SELECT a.points_balance AS "pointsBalance", t.code AS tier, a.tier_since AS "tierSince" FROM loyalty_accounts a
         LEFT JOIN loyalty_tiers t ON t.id = a.tier_id WHERE a.customer_id = $1`,
      [customerId],
    );
    const ledger = await q.query(
      `SELECT id, kind, points, reason_code AS "reasonCode", reason, created_at AS "createdAt" FROM loyalty_ledger WHERE customer_id = $1 ORDER BY id`,
      [customerId],
    );
    return { account: account.rows[0] ?? null, ledger: ledger.rows };
  },
});
