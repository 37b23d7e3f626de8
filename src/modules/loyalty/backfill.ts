import type { Db, Queryable } from '../../db/client.ts';
import { recordAudit, SYSTEM_ACTOR } from '../staff/index.ts';
import type { RecordedPurchase, RecordedPurchaseLine } from '../sales/index.ts';
import { bookPoints, lockAccounts, type BookEntry, type LedgerActor } from './ledger.ts';
import { qualifyingTier } from './programme.ts';
import { programmeVersions, versionAt } from './store.ts';
import { loadOriginals, originalKey, promotionSegments, returnReversal, saleEarning } from './accrual.ts';
import { expireDueLots, expirePoints } from './expiry.ts';
import { upgradeMembers, windowStart } from './tiers.ts';

export const BACKFILL_ACTOR: LedgerActor = { kind: 'system', id: null, name: 'loyalty backfill' };

export interface BackfillOptions {
  /** Purchases per transaction, rounded up to whole members (all of a member's purchases go in one chunk). */
  chunkSize?: number;
  timeZone?: string;
  /** The run's "now": the tier window ends here and the final expiry expires what is due by then. */
  now?: Date;
  /** Run the points expiry once at the end (default true), as the nightly job would tonight. */
  expire?: boolean;
  log?: (line: string) => void;
}

export interface BackfillResult {
  chunks: number;
  members: number;
  sales: number;
  pointsEarned: number;
  returns: number;
  pointsReversed: number;
  shortfall: number;
  upgraded: number;
  /** Lots already expired when a later return of the same member came, expired before it as the nightly job would have. */
  expiredBeforeReturns: { lots: number; points: number };
  /** The final expiry run (null when `expire` is false). */
  expiry: { lots: number; points: number; members: number } | null;
  seconds: number;
}

/** [id, kind, original_purchase_id, purchased_at in epoch ms, paid_fen, total_fen, store_id, channel] */
type PurchaseTuple = [number, 'sale' | 'return', number | null, number, number, number, number | null, string];
/** [line_no, product_id, sku, category, quantity, unit_price_fen, amount_fen] */
type LineTuple = [number, number | null, string, string, number, number, number];

/** One chunk's members with their purchases in purchased_at order (as JSON: far cheaper to read than one row each). */
async function readChunk(tx: Queryable, range: string, args: unknown[]) {
  const p = await tx.query(
    `SELECT p.customer_id, json_agg(json_build_array(p.id, p.kind, p.original_purchase_id, (extract(epoch FROM p.purchased_at) * 1000)::float8,
                                                    p.paid_fen, p.total_fen, p.store_id, p.channel) ORDER BY p.purchased_at, p.id)::text AS purchases
       FROM purchases p WHERE ${range} GROUP BY p.customer_id`,
    args,
  );
  // What is already booked, by the members' key range of the ledger (not a probe per purchase).
  const l = await tx.query(`SELECT p.kind, p.ref_id FROM loyalty_ledger p WHERE ${range} AND p.ref_type = 'purchase' AND p.kind IN ('earn', 'reverse')`, args);
  const booked = new Set(l.rows.map((x) => `${x.kind}:${x.ref_id}`));
  const members = new Map<number, { purchases: PurchaseTuple[]; due: Set<number> }>();
  for (const x of p.rows) {
    const purchases = JSON.parse(x.purchases) as PurchaseTuple[];
    const due = new Set(purchases.filter((q) => !booked.has(`${q[1] === 'sale' ? 'earn' : 'reverse'}:${q[0]}`)).map((q) => q[0]));
    if (due.size) members.set(x.customer_id, { purchases, due });
  }
  return members;
}

/**
 * Books points for purchases that have none yet (loaded in bulk, not through the booking API), as if each member's
 * purchases were booked through the API now, one by one in purchased_at order: each sale is valued by saleEarning
 * with the version in force at its time and the member's running tier (their tier when the run finds them, raised by
 * the qualification rule bookings apply whenever their window spend and count cross a threshold), each return takes
 * back by returnReversal after the lots already expired by its time are expired. Then the expiry runs once.
 * Chunks of whole members, one transaction each, set-based; purchases that already have their entry are skipped,
 * so a second run books nothing.
 */
export async function backfillPoints(db: Db, opts: BackfillOptions = {}): Promise<BackfillResult> {
  const started = Date.now();
  const chunkSize = Math.max(1, opts.chunkSize ?? 10_000);
  const timeZone = opts.timeZone ?? 'Asia/Shanghai';
  const now = opts.now ?? new Date();
  const out: BackfillResult = {
    chunks: 0, members: 0, sales: 0, pointsEarned: 0, returns: 0, pointsReversed: 0, shortfall: 0, upgraded: 0,
    expiredBeforeReturns: { lots: 0, points: 0 }, expiry: null, seconds: 0,
  };
  let after = 0; // customer ids are identities: 1 and up
  for (;;) {
    const b = await db.query(`SELECT customer_id FROM purchases WHERE customer_id > $1 ORDER BY customer_id OFFSET $2 LIMIT 1`, [after, chunkSize - 1]);
    const upTo: number | null = b.rows[0]?.customer_id ?? null;
    const range = upTo == null ? 'p.customer_id > $1' : 'p.customer_id > $1 AND p.customer_id <= $2';
    const args = upTo == null ? [after] : [after, upTo];
    const wrote = await db.tx(async (tx) => {
      const chunk = await readChunk(tx, range, args);
      if (chunk.size === 0) return false;
      const versions = await programmeVersions(tx);
      const current = versionAt(versions, now);
      const ladder = current.programme.tiers;
      const members = [...chunk.keys()];
      const accounts = await lockAccounts(tx, members, ladder[0]?.code ?? null);

      const lines = new Map<number, LineTuple[]>();
      const l = await tx.query(
        `SELECT p.purchase_id, json_agg(json_build_array(p.line_no, p.product_id, p.sku, p.category, p.quantity, p.unit_price_fen, p.amount_fen) ORDER BY p.line_no)::text AS lines
           FROM purchase_lines p WHERE ${range} GROUP BY p.purchase_id`,
        args,
      );
      for (const x of l.rows) lines.set(x.purchase_id, JSON.parse(x.lines));
      const toLines = (id: number): RecordedPurchaseLine[] =>
        (lines.get(id) ?? []).map(([lineNo, productId, sku, category, quantity, unitPriceFen, amountFen]) => ({ lineNo, productId, sku, category, quantity, unitPriceFen, amountFen }));

      const returns = [...chunk].flatMap(([c, m]) => m.purchases.filter((q) => q[1] === 'return' && q[2] != null && m.due.has(q[0])).map((q) => [c, q[2]!] as const));
      const originals = await loadOriginals(tx, returns.map((x) => x[0]), returns.map((x) => x[1]));
      const segmentsOf = await promotionSegments(tx, versions, members);

      // The tier window as an upgrade after a booking sees it: sales add what was paid, returns take off the refund.
      const windowFrom = windowStart(current.programme, now);
      const rank = (code: string | null) => ladder.findIndex((t) => t.code === code) + 1;

      // Round 2k holds credits, round 2k+1 each member's (k+1)-th return: a return meets exactly the lots earned
      // before it, once those already expired by its time are gone.
      const rounds: { entries: BookEntry[]; dueBy: Map<number, Date> }[] = [];
      const into = (i: number) => (rounds[i] ??= { entries: [], dueBy: new Map() });
      const buyers: number[] = [];
      const touched = new Set<number>();
      for (const [customerId, m] of chunk) {
        let tierCode = accounts.get(customerId)!.tierCode;
        let spend = 0, n = 0, round = 0, sold = false;
        for (const [id, kind, originalPurchaseId, atMs, paidFen, totalFen, storeId, channel] of m.purchases) {
          const at = new Date(atMs);
          if (m.due.has(id)) {
            const p: RecordedPurchase = { customerId, purchaseId: id, kind, originalPurchaseId, storeId, channel, purchasedAt: at, totalFen, paidFen, lines: toLines(id) };
            if (kind === 'sale') {
              const { entry } = saleEarning(p, tierCode, segmentsOf.get(customerId) ?? [], versions, timeZone);
              if (entry) {
                originals.set(originalKey(customerId, id), { earned: entry.points, basisFen: Number(entry.details!.basisFen), returnedFen: 0, owed: 0 });
                into(round).entries.push(entry);
              }
              sold = true;
            } else {
              const o = originalPurchaseId != null ? originals.get(originalKey(customerId, originalPurchaseId)) : undefined;
              const { entry } = returnReversal(p, o);
              if (entry) {
                const r = into(round + 1);
                r.entries.push(entry);
                r.dueBy.set(customerId, at);
                round += 2;
              }
            }
          }
          if (at >= windowFrom && at <= now) {
            if (kind === 'sale') {
              spend += paidFen;
              n += 1;
            } else spend -= Math.abs(paidFen);
          }
          if (kind === 'sale') {
            const q = qualifyingTier(current.programme, spend, n);
            if (rank(q.code) > rank(tierCode)) tierCode = q.code;
          }
        }
        if (sold) buyers.push(customerId);
      }

      for (const round of rounds) {
        if (!round || round.entries.length === 0) continue;
        if (round.dueBy.size) {
          const x = await expireDueLots(tx, now, { customerIds: [...round.dueBy.keys()], dueBy: [...round.dueBy.values()] });
          out.expiredBeforeReturns.lots += x.lots;
          out.expiredBeforeReturns.points += x.points;
        }
        const booked = await bookPoints(tx, round.entries, { actor: BACKFILL_ACTOR, entryTierCode: ladder[0]?.code ?? null });
        for (const e of booked) {
          if (e.replayed) continue;
          touched.add(e.customerId);
          if (e.kind === 'earn') {
            out.sales += 1;
            out.pointsEarned += e.points;
          } else {
            out.returns += 1;
            out.pointsReversed -= e.points;
            out.shortfall += e.shortfall;
          }
        }
      }
      out.upgraded += (await upgradeMembers(tx, current.programme, buyers, now)).size;
      out.members += touched.size;
      if (touched.size) out.chunks += 1;
      return touched.size > 0;
    });
    if (wrote && opts.log && out.chunks % 10 === 0) opts.log(`  … ${out.members.toLocaleString('en')} members, ${out.sales.toLocaleString('en')} sales so far`);
    if (upTo == null) break;
    after = upTo;
  }
  if (opts.expire !== false) out.expiry = await expirePoints(db, { now });
  out.seconds = Math.round((Date.now() - started) / 100) / 10;
  return out;
}

export const BACKFILL_JOB = 'loyalty.backfill-points';

/** The background job behind POST /api/loyalty/backfill: runs the backfill and leaves its figures in the audit log. */
export async function backfillJob(db: Db, timeZone: string, data: { requestedBy?: string }): Promise<BackfillResult> {
  const result = await backfillPoints(db, { timeZone });
  await recordAudit(db, { ...SYSTEM_ACTOR, name: 'loyalty backfill' }, { action: 'loyalty.backfill', entity: 'loyalty_ledger', details: { requestedBy: data.requestedBy ?? null, ...result } });
  return result;
}
