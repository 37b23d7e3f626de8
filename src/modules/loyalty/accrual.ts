import { prepared, type Queryable } from '../../db/client.ts';
import type { RecordedPurchase } from '../sales/index.ts';
import { bookedRefs, bookPoints, creditPoints, entryTierId, lockAccounts, readAccounts, tierNames, type BookedRef, type BookEntry, type MemberAccount } from './ledger.ts';
import { expiryFor, pointsForBasket, type EarnReason, type EarnResult } from './programme.ts';
import { programmeVersions, versionAt, type ProgrammeVersion } from './store.ts';
import { upgradeMembers } from './tiers.ts';

export type PurchaseLoyalty = {
  /** Points booked for this purchase: positive for a sale, negative (or 0) for a return. */
  pointsEarned: number;
  rules: (EarnReason | { code: string; points: number; en: string; zh: string; [k: string]: unknown })[];
  balance: number;
  tier: { code: string; nameZh: string; nameEn: string } | null;
  tierChanged: boolean;
};

/** What came back, on the same footing as the earn basis (what was paid): the refund, else the returned lines. */
const returnedAmount = (p: RecordedPurchase) => {
  if (p.paidFen !== 0) return Math.abs(p.paidFen);
  return p.lines.reduce((s, l) => s + Math.abs(l.amountFen), 0);
};

/** What a sale earned and what was taken back from it so far, as the ledger (or a run in progress) holds it. */
export interface OriginalEarn {
  earned: number;
  basisFen: number;
  returnedFen: number;
  owed: number;
}

export const originalKey = (customerId: number, purchaseId: number) => `${customerId}:${purchaseId}`;

/** The earn and reverse entries already booked for these (customer, original purchase) pairs, as OriginalEarn by originalKey. */
export async function loadOriginals(tx: Queryable, customerIds: number[], purchaseIds: number[]): Promise<Map<string, OriginalEarn>> {
  const originals = new Map<string, OriginalEarn>();
  // Several returns of one sale ask for it once: each of its entries must count once.
  const asked = new Map<string, [number, number]>();
  customerIds.forEach((c, i) => asked.set(originalKey(c, purchaseIds[i]!), [c, purchaseIds[i]!]));
  const pairs = [...asked.values()];
  if (pairs.length === 0) return originals;
  const r = await tx.query(
    // The earn entry by its ref key, the reversals by the sale they take back from: each probe has its own index.
    prepared(`SELECT k.customer_id, k.purchase_id, l.kind, l.points, l.details
       FROM unnest($1::bigint[], $2::bigint[]) AS k(customer_id, purchase_id)
       CROSS JOIN LATERAL (
         SELECT e.kind, e.points, e.details FROM loyalty_ledger e
          WHERE e.customer_id = k.customer_id AND e.kind = 'earn' AND e.ref_type = 'purchase' AND e.ref_id = k.purchase_id::text
         UNION ALL
         SELECT r.kind, r.points, r.details FROM loyalty_ledger r
          WHERE r.customer_id = k.customer_id AND r.kind = 'reverse' AND r.purchase_id = k.purchase_id) l`),
    [pairs.map(([c]) => c), pairs.map(([, id]) => id)],
  );
  for (const e of r.rows.filter((x) => x.kind === 'earn')) originals.set(originalKey(e.customer_id, e.purchase_id), { earned: e.points, basisFen: Number(e.details?.basisFen ?? 0), returnedFen: 0, owed: 0 });
  for (const x of r.rows.filter((x) => x.kind === 'reverse')) {
    const o = originals.get(originalKey(x.customer_id, x.purchase_id));
    if (!o) continue;
    o.returnedFen += Number(x.details?.returnedFen ?? 0);
    o.owed += Number(x.details?.owed ?? -x.points);
  }
  return originals;
}

/** Segment promotions: membership as last refreshed by the segments module, read only when a promotion needs it. */
export async function promotionSegments(tx: Queryable, versions: ProgrammeVersion[], customerIds: number[]): Promise<Map<number, number[]>> {
  const segmentIds = [...new Set(versions.flatMap((v) => v.programme.promotions.map((p) => p.segmentId)).filter((x): x is number => x != null))];
  const segmentsOf = new Map<number, number[]>();
  if (segmentIds.length && customerIds.length) {
    const r = await tx.query(`SELECT customer_id, segment_id FROM segment_members WHERE customer_id = ANY($1::bigint[]) AND segment_id = ANY($2::bigint[])`, [customerIds, segmentIds]);
    for (const x of r.rows) segmentsOf.set(x.customer_id, [...(segmentsOf.get(x.customer_id) ?? []), x.segment_id]);
  }
  return segmentsOf;
}

/** The ledger key of a purchase's entry (an earn for a sale, a reversal for a return): what a replay finds it by. */
const ledgerKeyOf = (p: RecordedPurchase) => ({
  customerId: p.customerId,
  kind: p.kind === 'sale' ? ('earn' as const) : ('reverse' as const),
  ref: purchaseRef(p.purchaseId),
});
const purchaseRef = (purchaseId: number) => ({ type: 'purchase', id: String(purchaseId) });

/** A sale valued with the programme version in force at its purchasedAt and the member's tier; the entry is null when it earns nothing. */
export function saleEarning(p: RecordedPurchase, tierCode: string | null, segmentIds: number[], versions: ProgrammeVersion[], timeZone: string): { earned: EarnResult; entry: BookEntry | null } {
  const v = versionAt(versions, p.purchasedAt);
  const earned = pointsForBasket({ lines: p.lines, paidFen: p.paidFen, tierCode, segmentIds }, v.programme, p.purchasedAt, timeZone);
  if (earned.points <= 0) return { earned, entry: null };
  return {
    earned,
    // Spelled out, not spread from ledgerKeyOf: V8 adds properties after a leading spread on a slow path (5 µs a sale).
    entry: {
      customerId: p.customerId, kind: 'earn', ref: purchaseRef(p.purchaseId), points: earned.points, reasonCode: 'PURCHASE', reason: 'points for a purchase',
      purchaseId: p.purchaseId, programmeVersion: v.version,
      expiresAt: expiryFor(v.programme, p.purchasedAt, timeZone), details: { basisFen: earned.basisFen, tier: tierCode, reasons: earned.reasons },
    },
  };
}

/**
 * What a return takes back from its original (by returned amount, cumulative over several returns, never more than
 * was earned), moving `o` on; the entry is null when there is nothing to take back.
 */
export function returnReversal(p: RecordedPurchase, o: OriginalEarn | undefined): { rule: PurchaseLoyalty['rules'][number]; entry: BookEntry | null } {
  if (!o || o.earned <= 0 || o.owed >= o.earned) {
    const why = !o ? 'the original purchase earned no points' : 'everything it earned was already taken back';
    const whyZh = !o ? '原订单未获得积分' : '原订单积分已全部扣回';
    return { rule: { code: 'NOTHING_TO_REVERSE', points: 0, en: why, zh: whyZh }, entry: null };
  }
  const amount = returnedAmount(p);
  o.returnedFen += amount;
  const cumulative = o.basisFen > 0 ? Math.floor((o.earned * Math.min(o.returnedFen, o.basisFen)) / o.basisFen) : o.earned;
  const owedNow = Math.max(0, cumulative - o.owed);
  o.owed += owedNow;
  const rule = { code: 'RETURN_REVERSAL', points: -owedNow, originalPurchaseId: p.originalPurchaseId, returnedFen: amount, en: `returned ¥${amount / 100} of purchase ${p.originalPurchaseId}`, zh: `退货 ¥${amount / 100}（原订单 ${p.originalPurchaseId}）` };
  return {
    rule,
    entry: {
      customerId: p.customerId, kind: 'reverse', ref: purchaseRef(p.purchaseId), points: -owedNow, reasonCode: 'RETURN', reason: 'points taken back for a return',
      purchaseId: p.originalPurchaseId, clamp: true,
      details: { returnPurchaseId: p.purchaseId, originalPurchaseId: p.originalPurchaseId, returnedFen: amount, owed: owedNow },
    },
  };
}

/** What a batch is valued with: the programme's versions, the members' accounts (locked when `lock`), and the time it was read. */
export interface AccrualBasis {
  now: Date;
  versions: ProgrammeVersion[];
  accounts: Map<number, MemberAccount>;
}

/** Reads the basis in one round trip: the programme's version check with the accounts, read unlocked for sales only. */
export function accrualBasis(tx: Queryable, customerIds: number[], { lock }: { lock: boolean }): Promise<AccrualBasis> {
  const now = new Date();
  const versionsRead = programmeVersions(tx);
  const entryTier = versionsRead.then((versions) => entryTierCode(versions, now));
  const accounts = lock ? entryTier.then((code) => lockAccounts(tx, customerIds, code)) : readAccounts(tx, customerIds, entryTier);
  return Promise.all([versionsRead, accounts]).then(([versions, accounts]) => ({ now, versions, accounts }));
}

const entryTierCode = (versions: ProgrammeVersion[], at: Date) => versionAt(versions, at).programme.tiers[0]?.code ?? null;

/**
 * The sales hook: values every sale of the batch with the programme version in force at its purchasedAt and the
 * member's tier, takes back from each return its share of what the original earned (by returned amount, cumulative
 * over several returns, never more than was earned; a return finding the points already spent takes the balance to
 * zero and records the shortfall), books it all with bookPoints, then upgrades members who now qualify.
 * A handful of statements however large the batch; a replayed purchase finds its entry and books nothing.
 * `ahead` is the basis of a batch of new sales, read with their insert (the sales listener's read-ahead).
 */
export async function accruePurchases(tx: Queryable, purchases: RecordedPurchase[], timeZone = 'Asia/Shanghai', ahead?: Promise<AccrualBasis>): Promise<Map<number, PurchaseLoyalty>> {
  const out = new Map<number, PurchaseLoyalty>();
  if (purchases.length === 0) return out;
  // Sales only earn, and a credit needs no balance: their accounts are locked last, by creditPoints. A return may take points back, so it locks first.
  const creditsOnly = purchases.every((p) => p.kind === 'sale');
  const customerIds = purchases.map((p) => p.customerId);
  const members = [...new Set(customerIds)];
  // New sales come with their basis read ahead, and no ledger entry can refer to them yet; otherwise the basis and the
  // ledger's replay check (its refs are this batch's purchases) go out together.
  const readAhead = creditsOnly && ahead !== undefined;
  const [{ now, versions, accounts }, alreadyBooked] = await Promise.all([
    readAhead ? ahead : accrualBasis(tx, customerIds, { lock: !creditsOnly }),
    readAhead ? new Map<string, BookedRef>() : bookedRefs(tx, purchases.map(ledgerKeyOf)),
  ]);
  const current = versionAt(versions, now);

  const returns = purchases.filter((p) => p.kind === 'return' && p.originalPurchaseId != null);
  const originals = await loadOriginals(tx, returns.map((p) => p.customerId), returns.map((p) => p.originalPurchaseId!));
  const segmentsOf = await promotionSegments(tx, versions, members);

  const entries: BookEntry[] = [];
  const pending = new Map<number, { rules: PurchaseLoyalty['rules']; entry: number | null }>();
  for (const p of purchases) {
    if (p.kind === 'sale') {
      const { earned, entry } = saleEarning(p, accounts.get(p.customerId)!.tierCode, segmentsOf.get(p.customerId) ?? [], versions, timeZone);
      pending.set(p.purchaseId, { rules: earned.reasons, entry: entry ? entries.length : null });
      if (entry) entries.push(entry);
      continue;
    }
    const o = p.originalPurchaseId != null ? originals.get(originalKey(p.customerId, p.originalPurchaseId)) : undefined;
    const { rule, entry } = returnReversal(p, o);
    pending.set(p.purchaseId, { rules: [rule], entry: entry ? entries.length : null });
    if (entry) entries.push(entry);
  }

  const buyers = [...new Set(purchases.filter((p) => p.kind === 'sale').map((p) => p.customerId))];
  // The tier check reads purchases, not points: it goes out in the same packet as the ledger's insert. After creditPoints'
  // balance move it runs with the accounts locked, so it sees every purchase of a concurrent batch over the same member.
  const newMemberTier = creditsOnly ? await entryTierId(tx, entryTierCode(versions, now)) : null;
  const booking = creditsOnly
    ? creditPoints(tx, entries, { customerIds: members, entryTierId: newMemberTier, booked: alreadyBooked })
    : bookPoints(tx, entries, { accounts, booked: alreadyBooked }).then((booked) => ({ booked, accounts }));
  const [{ booked, accounts: after }, upgraded] = await Promise.all([booking, upgradeMembers(tx, current.programme, buyers, now)]);
  const finalBalance = new Map([...after].map(([id, a]) => [id, a.balance]));
  for (const b of booked) if (!b.replayed) finalBalance.set(b.customerId, b.balance);
  for (const b of booked) if (b.replayed) finalBalance.set(b.customerId, Math.max(finalBalance.get(b.customerId) ?? 0, b.balance));

  const tiers = await tierNames(tx, [...upgraded.values()]);
  for (const p of purchases) {
    const pend = pending.get(p.purchaseId)!;
    const b = pend.entry == null ? null : booked[pend.entry]!;
    let rules = pend.rules;
    if (b?.replayed && p.kind === 'sale') rules = (b.details.reasons as PurchaseLoyalty['rules']) ?? rules;
    if (b && b.shortfall) rules = [...rules, { code: 'POINTS_ALREADY_SPENT', points: 0, shortfall: b.shortfall, en: `${b.shortfall} points were already spent`, zh: `${b.shortfall} 积分已使用，无法扣回` }];
    const newTier = upgraded.get(p.customerId);
    const tierId = newTier ?? after.get(p.customerId)!.tierId;
    out.set(p.purchaseId, {
      pointsEarned: b ? b.points : 0,
      rules,
      balance: finalBalance.get(p.customerId) ?? 0,
      tier: tierId != null ? (tiers.get(tierId) ?? null) : null,
      tierChanged: newTier != null,
    });
  }
  return out;
}
