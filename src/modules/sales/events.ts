import type { Queryable } from '../../db/client.ts';

export interface RecordedPurchaseLine {
  lineNo: number;
  productId: number | null;
  sku: string;
  category: string;
  quantity: number;
  unitPriceFen: number;
  amountFen: number;
}

/** A sale or a return as booked, handed to listeners inside the booking transaction. */
export interface RecordedPurchase {
  customerId: number;
  purchaseId: number;
  kind: 'sale' | 'return';
  originalPurchaseId: number | null;
  storeId: number | null;
  channel: string;
  purchasedAt: Date;
  totalFen: number;
  paidFen: number;
  lines: RecordedPurchaseLine[];
}

/**
 * Runs in the transaction that books the purchase; what it returns is added to the API response under
 * its name (e.g. `loyalty: { pointsEarned, balance, … }`). Throwing rolls the whole purchase back.
 */
export type PurchaseListener = (tx: Queryable, purchase: RecordedPurchase) => Promise<Record<string, unknown> | undefined>;

const listeners = new Map<string, PurchaseListener>();

/** Wired once in `src/modules/registry.ts`, so the composition stays in one place. */
export function onPurchaseRecorded(name: string, fn: PurchaseListener): void {
  listeners.set(name, fn);
}

/** Called by the sales service for each booked purchase; returns the listeners' results by name. */
export async function notifyPurchaseRecorded(tx: Queryable, p: RecordedPurchase): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of listeners) {
    const r = await fn(tx, p);
    if (r !== undefined) out[name] = r;
  }
  return out;
}
