import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/context.ts';
import type { JobDefinition } from '../jobs/runner.ts';
import type { Db } from '../db/client.ts';
import type { Config } from '../config.ts';
import { staffRoutes } from './staff/index.ts';
import { analyticsRoutes } from './analytics/index.ts';
import { customerRoutes, onCustomerLifecycle } from './customers/index.ts';
import { accruePurchases, loyaltyJobs, loyaltyLifecycle, loyaltyRoutes } from './loyalty/index.ts';
import { onPurchasesRecorded } from './sales/index.ts';

export interface ModuleEntry {
  name: string;
  routes?: (app: FastifyInstance, ctx: AppContext) => Promise<void>;
  jobs?: (ctx: { db: Db; config: Config }) => JobDefinition[];
}

/** Every module the app serves; a new module adds one line here. */
export const MODULES: ModuleEntry[] = [
  { name: 'staff', routes: staffRoutes },
  { name: 'customers', routes: customerRoutes },
  { name: 'analytics', routes: analyticsRoutes },
  { name: 'loyalty', routes: loyaltyRoutes, jobs: loyaltyJobs },
];

// Cross-module wiring: who reacts to purchases and to customer merges and erasures.
// (Listeners are registered here, e.g. onPurchasesRecorded('loyalty', …), onCustomerLifecycle('loyalty', …).)
const businessTimeZone = process.env.PATRON_TIMEZONE || 'Asia/Shanghai';
onPurchasesRecorded('loyalty', (tx, purchases) => accruePurchases(tx, purchases, businessTimeZone));
onCustomerLifecycle('loyalty', loyaltyLifecycle);
