import type { Db } from '../../db/client.ts';
import type { Actor } from '../staff/index.ts';
import { MAX_BATCH } from './basket.ts';
import { bookPurchases, type BookResult } from './purchases.ts';

interface Pending {
  input: unknown;
  resolve: (r: BookResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Books single purchases in natural batches: while one batch is in the database, purchases arriving from the
 * same caller queue up, and the next batch takes them all (up to 1,000). An idle till's purchase goes at once;
 * under load, neighbours share one transaction instead of each paying a dozen round trips alone.
 * If a shared batch fails as a whole, each of its purchases is booked again on its own, so one bad purchase
 * never fails the others.
 */
export function purchaseBatcher(db: Db) {
  const lanes = new Map<string, { actor: Actor; queue: Pending[] }>();

  async function drain(key: string) {
    const lane = lanes.get(key)!;
    while (lane.queue.length) {
      const batch = lane.queue.splice(0, MAX_BATCH);
      try {
        const results = await bookPurchases(db, lane.actor, batch.map((p) => p.input));
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch (err) {
        if (batch.length === 1) batch[0]!.reject(err);
        else await Promise.all(batch.map((p) => bookPurchases(db, lane.actor, [p.input]).then(([r]) => p.resolve(r!), p.reject)));
      }
    }
    lanes.delete(key);
  }

  return function bookOne(actor: Actor, input: unknown): Promise<BookResult> {
    // Only purchases of the same caller with the same store scope may share a batch.
    const key = `${actor.kind}:${actor.id}:${actor.storeIds.join(',')}`;
    return new Promise((resolve, reject) => {
      const lane = lanes.get(key);
      if (lane) return void lane.queue.push({ input, resolve, reject });
      lanes.set(key, { actor, queue: [{ input, resolve, reject }] });
      void drain(key);
    });
  };
}
