import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/context.ts';
import type { JobDefinition } from '../jobs/runner.ts';
import type { Db } from '../db/client.ts';
import type { Config } from '../config.ts';
import { staffRoutes } from './staff/index.ts';
import { analyticsRoutes, analyticsJobs } from './analytics/index.ts';
import { customerRoutes } from './customers/index.ts';

export interface ModuleEntry {
  name: string;
  routes?: (app: FastifyInstance, ctx: AppContext) => Promise<void>;
  jobs?: (ctx: { db: Db; config: Config }) => JobDefinition[];
}

/** Every module the app serves; a new module adds one line here. */
export const MODULES: ModuleEntry[] = [
  { name: 'staff', routes: staffRoutes },
  { name: 'customers', routes: customerRoutes },
  { name: 'analytics', routes: analyticsRoutes, jobs: analyticsJobs },
];

// Cross-module wiring: who reacts to purchases and to customer merges and erasures.
// (Listeners are registered here, e.g. onPurchasesRecorded('loyalty', …), onCustomerLifecycle('loyalty', …).)
