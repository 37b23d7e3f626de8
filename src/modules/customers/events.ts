import type { Queryable } from '../../db/client.ts';
import type { Actor } from '../staff/index.ts';

/**
 * Other modules keep rows per customer (points, coupons, tickets…). When duplicates are merged, each
 * moves its rows from the merged customers to the survivor; when a customer is erased, each removes
 * or anonymises its personal data. Both run inside the customers module's transaction.
 */
export interface CustomerLifecycleListener {
  /** A customer was created through the API or the console (not by bulk import), in the creating transaction. */
  onCreated?(tx: Queryable, customerId: number, actor: Actor): Promise<void>;
  onMerged?(tx: Queryable, survivorId: number, mergedIds: number[]): Promise<void>;
  onErased?(tx: Queryable, customerId: number): Promise<void>;
  /** Adds this module's data to a customer's data-access export under its name. */
  exportData?(q: Queryable, customerId: number): Promise<unknown>;
}

const listeners = new Map<string, CustomerLifecycleListener>();

/** Wired once in `src/modules/registry.ts`. */
export function onCustomerLifecycle(name: string, l: CustomerLifecycleListener): void {
  listeners.set(name, l);
}

export function customerLifecycleListeners(): [string, CustomerLifecycleListener][] {
  return [...listeners];
}
