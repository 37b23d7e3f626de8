import type { Db } from '../../db/client.ts';
import type { Actor } from '../staff/index.ts';
import type { ParsedPurchase } from './basket.ts';
import { bookPurchases, type BookResult } from './purchases.ts';

interface Pending {
  input: ParsedPurchase;
  member: string;
  resolve: (r: BookResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Batches of one caller in the database at once, per app process: one more starts only when at least MORE_AT
 * purchases wait. A batch is half a dozen pipelined round trips, so under light load a second one in flight only
 * split the queue into smaller batches that cost more per purchase (on 2 cores, a third more CPU and a longer
 * tail); under heavy load, large batches side by side keep both cores busy. Since batches lock their members'
 * accounts only at the end, a third in flight waits little: at 200 tills, 3,406 instead of 2,701 purchases/s.
 */
const IN_FLIGHT = 3;
const MORE_AT = 96;

/** At most this many single purchases share a batch: a batch of the whole queue held 1,500 tills up in waves (docs/decisions.md). */
const SHARED_MAX = 250;

/** The member as the purchase names them (one member named two ways only costs a wait, never a wrong booking). */
export const memberKey = (p: Pick<ParsedPurchase, 'customerId' | 'mobile' | 'cardNo'>) =>
  p.customerId !== undefined ? `id:${p.customerId}` : p.mobile !== undefined ? `mobile:${p.mobile}` : `card:${p.cardNo ?? ''}`;

/**
 * Takes up to `max` purchases from the front of the queue, skipping those of members a batch in flight holds:
 * they stay queued, in order, for a later batch. Two batches sharing a member would otherwise run one after the
 * other, the second waiting on the first's account and roll-up locks until it commits.
 */
export function takeBatch<T>(queue: T[], keyOf: (x: T) => string, busy: ReadonlySet<string>, max: number): T[] {
  if (busy.size === 0) return queue.splice(0, max);
  const batch: T[] = [];
  const kept: T[] = [];
  for (const x of queue) (batch.length < max && !busy.has(keyOf(x)) ? batch : kept).push(x);
  queue.splice(0, queue.length, ...kept);
  return batch;
}

/**
 * Books single purchases in natural batches: while a caller's batches are in the database, purchases arriving
 * from the same caller queue up, and the next batch takes them all (up to SHARED_MAX). An idle till's purchase goes
 * at once; under load, neighbours share one transaction instead of each paying its round trips alone.
 * If a shared batch fails as a whole, each of its purchases is booked again on its own, so one bad purchase
 * never fails the others.
 */
export function purchaseBatcher(db: Db) {
  const lanes = new Map<string, { actor: Actor; queue: Pending[]; inFlight: number; busy: Set<string> }>();

  async function book(actor: Actor, batch: Pending[]) {
    try {
      const results = await bookPurchases(db, actor, batch.map((p) => p.input), { parsed: true });
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else await Promise.all(batch.map((p) => bookPurchases(db, actor, [p.input], { parsed: true }).then(([r]) => p.resolve(r!), p.reject)));
    }
  }

  function pump(key: string) {
    const lane = lanes.get(key)!;
    while (lane.queue.length && (lane.inFlight === 0 || (lane.inFlight < IN_FLIGHT && lane.queue.length >= MORE_AT))) {
      const batch = takeBatch(lane.queue, (p) => p.member, lane.busy, SHARED_MAX);
      if (!batch.length) break;
      for (const p of batch) lane.busy.add(p.member);
      lane.inFlight++;
      void book(lane.actor, batch).finally(() => {
        for (const p of batch) lane.busy.delete(p.member);
        lane.inFlight--;
        if (lane.queue.length) pump(key);
        else if (lane.inFlight === 0) lanes.delete(key);
      });
    }
  }

  return function bookOne(actor: Actor, input: ParsedPurchase): Promise<BookResult> {
    // Only purchases of the same caller with the same store scope may share a batch.
    const key = `${actor.kind}:${actor.id}:${actor.storeIds.join(',')}`;
    return new Promise((resolve, reject) => {
      let lane = lanes.get(key);
      if (!lane) lanes.set(key, (lane = { actor, queue: [], inFlight: 0, busy: new Set() }));
      lane.queue.push({ input, member: memberKey(input), resolve, reject });
      pump(key);
    });
  };
}
