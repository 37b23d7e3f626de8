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
 * `ahead` is what the listener's `readAhead` returned, when the batch is new sales booked with one.
 */
export type PurchaseListener<A = unknown> = (tx: Queryable, purchases: RecordedPurchase[], ahead?: Promise<A>) => Promise<Map<number, Record<string, unknown>> | undefined>;

/**
 * Reads a listener needs that depend only on the members: called just before a batch of new sales is inserted, so
 * they go to the database in the same round trip as the insert. The sales are new, so nothing yet refers to them.
 */
export type ReadAhead<A = unknown> = (tx: Queryable, customerIds: number[]) => Promise<A>;

const listeners = new Map<string, { fn: PurchaseListener; readAhead?: ReadAhead }>();

/** Wired once in `src/modules/registry.ts`, so the composition stays in one place. */
export function onPurchasesRecorded<A>(name: string, fn: PurchaseListener<A>, readAhead?: ReadAhead<A>): void {
  listeners.set(name, { fn: fn as PurchaseListener, readAhead });
}

/** What each listener read ahead for a batch of new sales, by listener name. */
export type ReadAheads = Map<string, Promise<unknown>>;

/** Starts every listener's read-ahead for the members of a batch of new sales; pass the result to notifyPurchasesRecorded. */
export function readAheadForNewSales(tx: Queryable, customerIds: number[]): ReadAheads {
  const out: ReadAheads = new Map();
  for (const [name, { readAhead }] of listeners) {
    if (!readAhead) continue;
    const read = readAhead(tx, customerIds);
    // A batch that fails before its listeners run never awaits this; its failure is the batch's, not a second one.
    read.catch(() => {});
    out.set(name, read);
  }
  return out;
}

/** Called by the sales service for each booked batch; returns, per purchase id, the listeners' results by name. */
export async function notifyPurchasesRecorded(tx: Queryable, purchases: RecordedPurchase[], aheads?: ReadAheads): Promise<Map<number, Record<string, unknown>>> {
  const out = new Map<number, Record<string, unknown>>();
  if (purchases.length === 0) return out;
  for (const [name, { fn }] of listeners) {
    const results = await fn(tx, purchases, aheads?.get(name));
    if (!results) continue;
    for (const [purchaseId, r] of results) out.set(purchaseId, { ...out.get(purchaseId), [name]: r });
  }
  return out;
}
