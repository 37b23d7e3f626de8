import { insertRows, prepared, queueWrite, rowsParam, type Queryable } from '../../db/client.ts';
import { badRequest, conflict } from '../../http/errors.ts';

export type LedgerKind = 'earn' | 'reverse' | 'redeem' | 'adjust' | 'expire' | 'award' | 'refund';

export interface LedgerActor {
  kind: string;
  id: number | null;
  name: string;
}

export const SYSTEM: LedgerActor = { kind: 'system', id: null, name: 'system' };

/** One change to a member's points. Credits (points > 0) open a lot; debits (points < 0) consume lots. */
export interface BookEntry {
  customerId: number;
  kind: LedgerKind;
  points: number;
  reasonCode: string;
  reason?: string;
  /** The natural key that makes the entry idempotent: one entry per (customer, kind, ref). */
  ref?: { type: string; id: string };
  purchaseId?: number | null;
  programmeVersion?: number | null;
  /** Credits only: when the lot expires (null: never). */
  expiresAt?: Date | null;
  details?: Record<string, unknown>;
  /** Debits only: take what the balance holds instead of refusing (a return's reversal), recording the shortfall. */
  clamp?: boolean;
}

export interface Booked {
  customerId: number;
  ledgerId: number | null;
  kind: LedgerKind;
  points: number;
  requested: number;
  shortfall: number;
  /** The balance right after this entry (for a replay: the balance now). */
  balance: number;
  /** True when the entry was already booked by an earlier call with the same ref; nothing was written. */
  replayed: boolean;
  details: Record<string, unknown>;
}

export interface MemberAccount {
  customerId: number;
  balance: number;
  tierId: number | null;
  tierCode: string | null;
}

export interface TierName {
  code: string;
  nameZh: string;
  nameEn: string;
}

let tierCache: Map<number, TierName> | null = null;

/** The tier table (a handful of rows), cached per process; re-read when an unknown id shows up or the programme changes. */
export async function tierNames(q: Queryable, mustHave: (number | null)[] = []): Promise<Map<number, TierName>> {
  if (!tierCache || mustHave.some((id) => id != null && !tierCache!.has(id))) {
    const r = await q.query(`SELECT id, code, name_zh, name_en FROM loyalty_tiers`);
    tierCache = new Map(r.rows.map((t) => [t.id, { code: t.code, nameZh: t.name_zh, nameEn: t.name_en }]));
  }
  return tierCache;
}

export const forgetTierNames = () => {
  tierCache = null;
};

const LOCK_ACCOUNTS = `SELECT customer_id, points_balance, tier_id FROM loyalty_accounts WHERE customer_id = ANY($1::bigint[]) ORDER BY customer_id FOR UPDATE`;

/** The id of the tier new members start in (read from the cached tier table, re-read once when it is missing). */
export async function entryTierId(q: Queryable, entryTierCode: string | null): Promise<number | null> {
  if (!entryTierCode) return null;
  const find = (tiers: Map<number, TierName>) => [...tiers].find(([, t]) => t.code === entryTierCode)?.[0];
  return find(await tierNames(q)) ?? find(await tierNames(q, [-1])) ?? null;
}

const accountsFrom = async (q: Queryable, rows: { customer_id: number; points_balance: number; tier_id: number | null }[]) => {
  const tiers = await tierNames(q, rows.map((x) => x.tier_id));
  return new Map(rows.map((x) => [x.customer_id, { customerId: x.customer_id, balance: x.points_balance, tierId: x.tier_id, tierCode: x.tier_id != null ? (tiers.get(x.tier_id)?.code ?? null) : null }]));
};

/**
 * Creates the missing accounts (in the entry tier), then locks every named account in customer order, so
 * concurrent debits of one member queue up and batches over many members never deadlock each other. The
 * creation is its own statement, first: a batch that locked accounts and then met one a concurrent batch was
 * creating would wait for that batch while holding locks it may need, and two such batches deadlocked.
 * Existing accounts are locked, not rewritten: the balance update that follows is their one new version.
 */
export async function lockAccounts(tx: Queryable, customerIds: number[], entryTierCode: string | null): Promise<Map<number, MemberAccount>> {
  const ids = [...new Set(customerIds)].sort((a, b) => a - b);
  // Sent in one packet with the lock; the only rows it holds are accounts no other batch can see yet.
  await queueWrite(
    tx,
    prepared(`INSERT INTO loyalty_accounts (customer_id, tier_id, tier_since)
     SELECT c, $2::bigint, now() FROM unnest($1::bigint[]) AS c ORDER BY c
     ON CONFLICT (customer_id) DO NOTHING`),
    [ids, await entryTierId(tx, entryTierCode)],
  );
  // A new statement sees every account the insert found another batch creating, now committed.
  const { rows } = await tx.query(prepared(LOCK_ACCOUNTS), [ids]);
  return accountsFrom(tx, rows);
}

/**
 * The named members' accounts as they stand, without a lock; a member without one yet shows as new, in the
 * entry tier with nothing. What a batch of credits values its purchases with before `creditPoints` locks. The
 * entry tier may still be on its way (the programme's version check), so the read goes out without waiting for it.
 */
export async function readAccounts(q: Queryable, customerIds: number[], entryTier: string | null | Promise<string | null>): Promise<Map<number, MemberAccount>> {
  const ids = [...new Set(customerIds)];
  const read = q.query(prepared(`SELECT customer_id, points_balance, tier_id FROM loyalty_accounts WHERE customer_id = ANY($1::bigint[])`), [ids]);
  const [{ rows }, entryTierCode] = await Promise.all([read, entryTier]);
  const entryId = await entryTierId(q, entryTierCode);
  const accounts = await accountsFrom(q, rows);
  for (const id of ids) if (!accounts.has(id)) accounts.set(id, { customerId: id, balance: 0, tierId: entryId, tierCode: entryId == null ? null : entryTierCode });
  return accounts;
}

export interface BookedRef { id: number; points: number; details: Record<string, unknown> }
const refKey = (c: number, k: string, t: string, id: string) => `${c}\u0000${k}\u0000${t}\u0000${id}`;

/** The entries already in the ledger under the same (member, kind, ref), by one index probe per ref. */
export async function bookedRefs(tx: Queryable, entries: Pick<BookEntry, 'customerId' | 'kind' | 'ref'>[]): Promise<Map<string, BookedRef>> {
  const existing = new Map<string, BookedRef>();
  const withRef = entries.filter((e) => e.ref);
  if (!withRef.length) return existing;
  const r = await tx.query(
    // One index probe per ref, however few entries the planner believes the ledger holds (it grows with every booking).
    prepared(`SELECT l.customer_id, l.kind, l.ref_type, l.ref_id, l.id, l.points, l.details
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS k(customer_id, kind, ref_type, ref_id)
       CROSS JOIN LATERAL (SELECT * FROM loyalty_ledger l
                            WHERE l.customer_id = k.customer_id AND l.kind = k.kind AND l.ref_type = k.ref_type AND l.ref_id = k.ref_id) l`),
    [withRef.map((e) => e.customerId), withRef.map((e) => e.kind), withRef.map((e) => e.ref!.type), withRef.map((e) => e.ref!.id)],
  );
  for (const x of r.rows) existing.set(refKey(x.customer_id, x.kind, x.ref_type, x.ref_id), { id: x.id, points: x.points, details: x.details });
  return existing;
}

const LEDGER_COLUMNS = [
  { name: 'customer_id', type: 'bigint' }, { name: 'kind', type: 'text' }, { name: 'points', type: 'bigint' },
  { name: 'reason_code', type: 'text' }, { name: 'reason', type: 'text' }, { name: 'ref_type', type: 'text' },
  { name: 'ref_id', type: 'text' }, { name: 'purchase_id', type: 'bigint' }, { name: 'programme_version', type: 'int' },
  { name: 'expires_at', type: 'timestamptz' }, { name: 'details', type: 'jsonb' }, { name: 'actor_kind', type: 'text' },
  { name: 'actor_id', type: 'bigint' }, { name: 'actor_name', type: 'text' },
];

const ledgerRow = (e: BookEntry, points: number, actor: LedgerActor) => [
  e.customerId, e.kind, points, e.reasonCode, e.reason ?? '', e.ref?.type ?? null, e.ref?.id ?? null, e.purchaseId ?? null,
  e.programmeVersion ?? null, points > 0 ? (e.expiresAt ?? null) : null, JSON.stringify(e.details ?? {}), actor.kind, actor.id, actor.name,
];

function assertWholePoints(entries: BookEntry[]) {
  for (const [i, e] of entries.entries()) {
    if (!Number.isSafeInteger(e.points)) throw badRequest('INVALID_POINTS', `Entry ${i}: points must be a whole number.`, `第 ${i} 条：积分必须是整数。`, [{ path: `entries.${i}.points`, en: 'must be a whole number', zh: '必须是整数' }]);
    if (e.points === 0 && e.kind !== 'reverse') throw badRequest('INVALID_POINTS', `Entry ${i}: points must not be zero.`, `第 ${i} 条：积分不能为 0。`, [{ path: `entries.${i}.points`, en: 'must not be zero', zh: '不能为 0' }]);
  }
}

/** The entry as a replay when its ref was booked before (or earlier in this call), else null, noting the ref as seen. */
function replayOf(e: BookEntry, existing: Map<string, BookedRef>, seenRefs: Set<string>): Booked | null {
  const key = e.ref ? refKey(e.customerId, e.kind, e.ref.type, e.ref.id) : null;
  const prior = key ? existing.get(key) : undefined;
  if (prior || (key && seenRefs.has(key))) {
    return { customerId: e.customerId, ledgerId: prior?.id ?? null, kind: e.kind, points: prior?.points ?? 0, requested: e.points, shortfall: 0, balance: 0, replayed: true, details: prior?.details ?? {} };
  }
  if (key) seenRefs.add(key);
  return null;
}

export const insufficientPoints = (customerId: number, balance: number, requested: number) =>
  conflict('INSUFFICIENT_POINTS', `Not enough points: the balance is ${balance}, ${requested} requested.`, `积分不足：当前余额 ${balance}，需要 ${requested}。`, { customerId, balance, requested });

/**
 * Books entries for any number of members in a handful of statements: locks the accounts, skips entries already
 * booked under the same ref (returning them as replays), refuses a debit the balance cannot cover with 409
 * INSUFFICIENT_POINTS (nothing of the batch is written), opens lots for credits, consumes lots soonest-expiring
 * first for debits and moves the cached balances, all in the caller's transaction.
 */
export async function bookPoints(
  tx: Queryable,
  entries: BookEntry[],
  opts: {
    actor?: LedgerActor;
    entryTierCode?: string | null;
    accounts?: Map<number, MemberAccount>;
    /** The entries' refs already looked up with `bookedRefs` (sent alongside the lock, saving a round trip). */
    booked?: Map<string, BookedRef>;
  } = {},
): Promise<Booked[]> {
  if (entries.length === 0) return [];
  assertWholePoints(entries);
  const actor = opts.actor ?? SYSTEM;
  const accounts = opts.accounts ?? (await lockAccounts(tx, entries.map((e) => e.customerId), opts.entryTierCode ?? null));
  const existing = opts.booked ?? (await bookedRefs(tx, entries));
  const balance = new Map([...accounts].map(([id, a]) => [id, a.balance]));
  const out: Booked[] = [];
  const toWrite: { e: BookEntry; points: number; shortfall: number; idx: number }[] = [];
  const seenRefs = new Set<string>();
  for (const e of entries) {
    const replay = replayOf(e, existing, seenRefs);
    if (replay) {
      out.push(replay);
      continue;
    }
    const bal = balance.get(e.customerId);
    if (bal == null) throw new Error(`account ${e.customerId} was not locked`);
    let points = e.points;
    let shortfall = 0;
    if (points < 0 && -points > bal) {
      if (!e.clamp) throw insufficientPoints(e.customerId, bal, -points);
      shortfall = -points - bal;
      points = -bal;
    }
    if (points === 0 && e.kind !== 'reverse') {
      out.push({ customerId: e.customerId, ledgerId: null, kind: e.kind, points: 0, requested: e.points, shortfall, balance: bal, replayed: false, details: e.details ?? {} });
      continue;
    }
    balance.set(e.customerId, bal + points);
    const details = shortfall ? { ...e.details, requestedPoints: e.points, shortfall } : (e.details ?? {});
    toWrite.push({ e: { ...e, details }, points, shortfall, idx: out.length });
    out.push({ customerId: e.customerId, ledgerId: null, kind: e.kind, points, requested: e.points, shortfall, balance: bal + points, replayed: false, details });
  }
  if (toWrite.length) {
    const rows = await insertRows(tx, 'loyalty_ledger', LEDGER_COLUMNS, toWrite.map(({ e, points }) => ledgerRow(e, points, actor)), { suffix: 'RETURNING id, created_at' });
    toWrite.forEach((w, i) => (out[w.idx]!.ledgerId = rows[i]!.id));
    const credits = toWrite.map((w, i) => ({ w, row: rows[i]! })).filter(({ w }) => w.points > 0);
    if (credits.length) {
      await insertRows(
        tx,
        'loyalty_lots',
        [{ name: 'customer_id', type: 'bigint' }, { name: 'ledger_id', type: 'bigint' }, { name: 'points', type: 'bigint' }, { name: 'remaining', type: 'bigint' }, { name: 'earned_at', type: 'timestamptz' }, { name: 'expires_at', type: 'timestamptz' }],
        credits.map(({ w, row }) => [w.e.customerId, row.id, w.points, w.points, row.created_at, w.e.expiresAt ?? null]),
        { queue: true },
      );
    }
    const debit = new Map<number, number>();
    const delta = new Map<number, number>();
    for (const w of toWrite) {
      delta.set(w.e.customerId, (delta.get(w.e.customerId) ?? 0) + w.points);
      if (w.points < 0) debit.set(w.e.customerId, (debit.get(w.e.customerId) ?? 0) - w.points);
    }
    if (debit.size) await consumeLots(tx, [...debit.keys()], [...debit.values()]);
    await queueWrite(
      tx,
      prepared(`UPDATE loyalty_accounts a SET points_balance = a.points_balance + d.delta, updated_at = now()
         FROM unnest($1::bigint[], $2::bigint[]) AS d(customer_id, delta) WHERE a.customer_id = d.customer_id AND d.delta <> 0`),
      [[...delta.keys()], [...delta.values()]],
    );
  }
  for (const b of out) if (b.replayed) b.balance = balance.get(b.customerId) ?? 0;
  return out;
}

const creditStatement = (from: string) => prepared(`WITH entry AS (
       INSERT INTO loyalty_ledger (${LEDGER_COLUMNS.map((c) => c.name).join(', ')})
       SELECT * FROM ${from}
       RETURNING id, customer_id, points, created_at, expires_at)
     INSERT INTO loyalty_lots (customer_id, ledger_id, points, remaining, earned_at, expires_at)
     SELECT customer_id, id, points, points, created_at, expires_at FROM entry`);

// In customer order, as every batch locks accounts, so concurrent batches queue instead of deadlocking.
const MOVE_BALANCES = prepared(`INSERT INTO loyalty_accounts AS a (customer_id, tier_id, tier_since, points_balance)
     SELECT c, $3::bigint, now(), d FROM unnest($1::bigint[], $2::bigint[]) AS u(c, d) ORDER BY c
     ON CONFLICT (customer_id) DO UPDATE SET points_balance = a.points_balance + excluded.points_balance, updated_at = now()
     RETURNING customer_id, points_balance, tier_id`);

/**
 * Books credits only (what a batch of sales earned) and locks last: a credit needs no balance to be valid, so the
 * entries and their lots are written first and one statement then creates the missing accounts (in the entry
 * tier) and moves every named member's balance, taking the account locks in customer order, held to the commit.
 * Members named in `customerIds` without an entry get an account too. Both statements are sent before this returns,
 * so a statement sent after it (the tier check) runs with the accounts locked. Entries already booked under their
 * ref come back as replays. The accounts come back as they stand after the move. New entries come back without
 * their ledger id: the entries and lots go in one queued statement whose answer nobody reads.
 */
export function creditPoints(
  tx: Queryable,
  entries: BookEntry[],
  opts: { customerIds: number[]; entryTierId: number | null; booked: Map<string, BookedRef>; actor?: LedgerActor },
): Promise<{ booked: Booked[]; accounts: Map<number, MemberAccount> }> {
  assertWholePoints(entries);
  const credit = entries.findIndex((e) => e.points <= 0);
  if (credit >= 0) throw new Error(`creditPoints: entry ${credit} is not a credit`);
  const actor = opts.actor ?? SYSTEM;
  const out: Booked[] = [];
  const fresh: { e: BookEntry; idx: number }[] = [];
  const seenRefs = new Set<string>();
  const delta = new Map<number, number>(opts.customerIds.map((c) => [c, 0]));
  for (const e of entries) {
    const replay = replayOf(e, opts.booked, seenRefs);
    if (replay) {
      out.push(replay);
      continue;
    }
    delta.set(e.customerId, (delta.get(e.customerId) ?? 0) + e.points);
    fresh.push({ e, idx: out.length });
    out.push({ customerId: e.customerId, ledgerId: null, kind: e.kind, points: e.points, requested: e.points, shortfall: 0, balance: 0, replayed: false, details: e.details ?? {} });
  }
  const members = [...delta.keys()].sort((a, b) => a - b);
  const { from, params } = rowsParam(LEDGER_COLUMNS, fresh.map(({ e }) => ledgerRow(e, e.points, actor)));
  const written = fresh.length ? queueWrite(tx, creditStatement(from), params) : Promise.resolve();
  const moved = members.length ? tx.query(MOVE_BALANCES, [members, members.map((c) => delta.get(c)!), opts.entryTierId]) : Promise.resolve({ rows: [] });
  return (async () => {
    const [, { rows }] = await Promise.all([written, moved]);
    const accounts = await accountsFrom(tx, rows);
    // Each entry's balance counted back from the balance after the batch.
    const running = new Map([...accounts].map(([c, a]) => [c, a.balance - delta.get(c)!]));
    for (const { e, idx } of fresh) {
      const balance = running.get(e.customerId)! + e.points;
      running.set(e.customerId, balance);
      out[idx]!.balance = balance;
    }
    for (const b of out) if (b.replayed) b.balance = accounts.get(b.customerId)?.balance ?? 0;
    return { booked: out, accounts };
  })();
}

/**
 * Takes each member's debit from their open lots, soonest-expiring (then oldest) first, in one statement; each
 * member's lots are read by index (LATERAL), never by scanning every lot when statistics are missing (PGlite).
 */
async function consumeLots(tx: Queryable, customerIds: number[], amounts: number[]): Promise<void> {
  await queueWrite(
    tx,
    prepared(`WITH d AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS d(customer_id, amount)),
          o AS (SELECT d.customer_id, x.id, x.remaining, d.amount, x.before
                  FROM d CROSS JOIN LATERAL (
                    SELECT l.id, l.remaining, sum(l.remaining) OVER (ORDER BY l.expires_at NULLS LAST, l.id) - l.remaining AS before
                      FROM loyalty_lots l WHERE l.customer_id = d.customer_id AND l.remaining > 0) x)
     UPDATE loyalty_lots l SET remaining = l.remaining - LEAST(o.remaining, o.amount - o.before)
       FROM o WHERE l.customer_id = o.customer_id AND l.id = o.id AND o.before < o.amount`),
    [customerIds, amounts],
  );
}

/** A member's balance and, for checks, the ledger sum and the unspent lots (all three are always equal). */
export async function balances(q: Queryable, customerId: number) {
  const r = await q.query(
    `SELECT (SELECT points_balance FROM loyalty_accounts WHERE customer_id = $1) AS balance,
            (SELECT coalesce(sum(points), 0)::bigint::bigint FROM loyalty_ledger WHERE customer_id = $1) AS ledger,
            (SELECT coalesce(sum(remaining), 0)::bigint FROM loyalty_lots WHERE customer_id = $1) AS lots`,
    [customerId],
  );
  const x = r.rows[0];
  return { balance: x.balance ?? 0, ledger: x.ledger, lots: x.lots };
}
