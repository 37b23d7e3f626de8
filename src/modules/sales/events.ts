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

/**
 * A sale or a return as booked, handed to listeners inside the booking transaction. A return (kind 'return',
 * originalPurchaseId set) carries negative quantities and amounts and paidFen = minus the refund; each of its
 * lines has the lineNo of the sale line it gives back.
 */
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
 * Runs in the transaction that books a batch of purchases (one, or up to 1,000 from the bulk API), so a
 * listener can work set-based. It returns, per purchase id, what to add to that purchase's API answer
 * under the listener's name (e.g. `loyalty: { pointsEarned, balance, … }`). Throwing rolls the batch back.
 */
export type PurchaseListener = (tx: Queryable, purchases: RecordedPurchase[]) => Promise<Map<number, Record<string, unknown>> | undefined>;

const listeners = new Map<string, PurchaseListener>();

/** Wired once in `src/modules/registry.ts`, so the composition stays in one place. */
export function onPurchasesRecorded(name: string, fn: PurchaseListener): void {
  listeners.set(name, fn);
}

/** Called by the sales service for each booked batch; returns, per purchase id, the listeners' results by name. */
export async function notifyPurchasesRecorded(tx: Queryable, purchases: RecordedPurchase[]): Promise<Map<number, Record<string, unknown>>> {
  const out = new Map<number, Record<string, unknown>>();
  if (purchases.length === 0) return out;
  for (const [name, fn] of listeners) {
    const results = await fn(tx, purchases);
    if (!results) continue;
    for (const [purchaseId, r] of results) out.set(purchaseId, { ...out.get(purchaseId), [name]: r });
  }
  return out;
}
