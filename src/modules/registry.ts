import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/context.ts';
import type { JobDefinition } from '../jobs/runner.ts';
import type { Db } from '../db/client.ts';
import type { Config } from '../config.ts';
import { staffRoutes } from './staff/index.ts';
import { analyticsRoutes, analyticsJobs } from './analytics/index.ts';
import { customerRoutes, importJobs, importRoutes, onCustomerLifecycle, privacyJobs, privacyRoutes, readPurchaseRollupWith, registerTimelineSource } from './customers/index.ts';
import { accrualBasis, accruePurchases, type AccrualBasis, loyaltyJobs, loyaltyLifecycle, loyaltyRoutes, loyaltyTimeline, rewardsJobs, rewardsLifecycle, rewardsRoutes } from './loyalty/index.ts';
import { onPurchasesRecorded, salesRoutes } from './sales/index.ts';
import { segmentRoutes, refreshDailySegments, recordActivity, rebuildActivity, activityOf } from './segments/index.ts';

export interface ModuleEntry {
  name: string;
  routes?: (app: FastifyInstance, ctx: AppContext) => Promise<void>;
  jobs?: (ctx: { db: Db; config: Config }) => JobDefinition[];
}

/** Every module the app serves; a new module adds one line here. */
export const MODULES: ModuleEntry[] = [
  { name: 'staff', routes: staffRoutes },
  { name: 'customers', routes: customerRoutes },
  { name: 'customers-privacy', routes: privacyRoutes, jobs: privacyJobs },
  { name: 'customers-import', routes: importRoutes, jobs: importJobs },
  { name: 'sales', routes: salesRoutes },
  { name: 'analytics', routes: analyticsRoutes, jobs: analyticsJobs },
  {
    name: 'segments',
    routes: segmentRoutes,
    jobs: ({ db, config }) => [
      {
        name: 'segments-rebuild-activity', cron: '0 3 * * *', policy: 'stately',
        handler: async () => {
          await db.tx((tx) => rebuildActivity(tx));
          // A refilled table has no statistics or visibility map until this runs; filters need both.
          await db.exec('VACUUM ANALYZE customer_activity');
        },
      },
      { name: 'segments-refresh', cron: '30 3 * * *', policy: 'stately', handler: async () => { await refreshDailySegments(db, config.timezone); } },
    ],
  },
  { name: 'loyalty', routes: loyaltyRoutes, jobs: loyaltyJobs },
  { name: 'loyalty-rewards', routes: rewardsRoutes, jobs: rewardsJobs },
];

// Cross-module wiring: who reacts to purchases and to customer merges and erasures.
const businessTimeZone = process.env.PATRON_TIMEZONE || 'Asia/Shanghai';
// Loyalty reads its members' accounts ahead, in the round trip that inserts their new sales.
onPurchasesRecorded<AccrualBasis>(
  'loyalty',
  (tx, purchases, ahead) => accruePurchases(tx, purchases, businessTimeZone, ahead),
  (tx, customerIds) => accrualBasis(tx, customerIds, { lock: false }),
);
onCustomerLifecycle('loyalty', loyaltyLifecycle(businessTimeZone));
onCustomerLifecycle('loyalty-rewards', rewardsLifecycle);
// Points earned, used, expired, adjusted and taken back show in the customer 360 timeline.
registerTimelineSource('loyalty', loyaltyTimeline);
onPurchasesRecorded('segments', async (tx, purchases) => {
  await recordActivity(tx, purchases);
  return undefined;
});
// The customer 360's key figures read the activity roll-up the segments module keeps current.
readPurchaseRollupWith(activityOf);
onCustomerLifecycle('segments', {
  async onMerged(tx, survivorId, mergedIds) {
    await tx.query('DELETE FROM segment_members WHERE customer_id = ANY($1::bigint[])', [mergedIds]);
    await rebuildActivity(tx, [survivorId, ...mergedIds]);
  },
  async onErased(tx, customerId) {
    await tx.query('DELETE FROM segment_members WHERE customer_id = $1', [customerId]);
  },
});
