import type { Db } from '../../db/client.ts';
import type { Config } from '../../config.ts';
import type { JobDefinition } from '../../jobs/runner.ts';
import { evaluateAllTiers } from './tiers.ts';
import { expirePoints } from './expiry.ts';
import { BACKFILL_JOB, backfillJob } from './backfill.ts';

export { bookPoints, lockAccounts, balances, insufficientPoints, SYSTEM as LOYALTY_SYSTEM_ACTOR, type BookEntry, type Booked, type LedgerKind, type LedgerActor } from './ledger.ts';
export { pointsForBasket, expiryFor, qualifyingTier, type Programme, type Basket, type EarnResult } from './programme.ts';
export { currentProgramme, programmeVersions, versionAt } from './store.ts';
export { accrualBasis, accruePurchases, type AccrualBasis, type PurchaseLoyalty } from './accrual.ts';
export { awardPoints, memberSummary } from './service.ts';
export { evaluateAllTiers } from './tiers.ts';
export { expirePoints } from './expiry.ts';
export { backfillPoints, BACKFILL_JOB, type BackfillOptions, type BackfillResult } from './backfill.ts';
export { loyaltyRoutes } from './routes.ts';
export { loyaltyLifecycle } from './lifecycle.ts';
export { loyaltyTimeline, POINTS_EVENTS } from './timeline.ts';

/** Nightly, in the business time zone: tiers at 02:30, then expiry at 03:30; the points backfill only when asked. */
export function loyaltyJobs({ db, config }: { db: Db; config: Config }): JobDefinition[] {
  return [
    { name: 'loyalty.evaluate-tiers', cron: '30 2 * * *', policy: 'stately', handler: () => evaluateAllTiers(db, { timeZone: config.timezone }) },
    { name: 'loyalty.expire-points', cron: '30 3 * * *', policy: 'stately', handler: () => expirePoints(db) },
    { name: BACKFILL_JOB, policy: 'stately', handler: (data: { requestedBy?: string }) => backfillJob(db, config.timezone, data ?? {}) },
  ];
}
export { issueCoupons, redeemCoupon, voidCoupon, memberCoupons, type IssueOptions, type IssueResult } from './coupons.ts';
export { redeemItem, cancelRedemption } from './catalogue.ts';
export { runPerks } from './perks.ts';
export { referralCode, linkReferral, settleReferrals, referralReport, rewardsLifecycle } from './referrals.ts';
export { rewardsRoutes, rewardsJobs } from './rewards-routes.ts';
