import type { Queryable } from '../../db/client.ts';
import { maskBirthday, maskEmail, maskMobile } from '../../lib/pii.ts';
import { fieldError, notFound } from '../../http/errors.ts';
import { recordAudit, type Actor } from '../staff/index.ts';
import type { Customer } from './profiles.ts';

/** Why two active customers look like one person, and how much each reason weighs (scores cap at 100). */
export const DUPLICATE_RULES = {
  mobile: { weight: 90, en: 'Same mobile number (written differently)', zh: '手机号相同（写法不同）' },
  card: { weight: 90, en: 'Same member card number', zh: '会员卡号相同' },
  email: { weight: 60, en: 'Same e-mail (ignoring case)', zh: '邮箱相同（不区分大小写）' },
  name_birthday: { weight: 60, en: 'Same name and birthday', zh: '姓名和生日相同' },
  name_city_mobile: { weight: 40, en: 'Same name and city, mobile differs by one digit', zh: '姓名和城市相同，手机号仅差一位' },
} as const;
export type DuplicateReason = keyof typeof DUPLICATE_RULES;

/** A key shared by more customers than this is placeholder data (test@test.com, 1900-01-01), not one person. */
export const MAX_GROUP = 20;

/** The score of a pair: the sum of its reasons' weights, at most 100. */
export function duplicateScore(reasons: readonly string[]): number {
  const sum = reasons.reduce((s, r) => s + (DUPLICATE_RULES[r as DuplicateReason]?.weight ?? 0), 0);
  return Math.min(100, sum);
}

const weightCase = `CASE reason ${Object.entries(DUPLICATE_RULES).map(([k, v]) => `WHEN '${k}' THEN ${v.weight}`).join(' ')} ELSE 0 END`;
const digits = (col: string) => `right(regexp_replace(${col}, '[^0-9]', '', 'g'), 11)`;

const REASON_CODES = Object.keys(DUPLICATE_RULES) as DuplicateReason[];
const code = (r: DuplicateReason) => REASON_CODES.indexOf(r) + 1;
const h = (expr: string) => `hashtextextended(${expr}, 0)`;

/**
 * Every rule is a blocking key; customers sharing a key form a group, and a group's pairs are candidates. One
 * statement, one pass over the table: each active customer yields its keys as 64-bit hashes (fixed width, so the
 * grouping is a cheap hash aggregate rather than a sort of text), no pairwise comparison.
 * - mobile and card: equal active mobiles and equal cards cannot exist (unique indexes), so only records whose
 *   value is not in canonical form can pair; they are few, and their canonical twins are found by index.
 * - the typo rule: two mobiles one digit apart agree on their first six or on their last five digits, so those
 *   two halves (with name and city) are the keys, and the pairs found are then checked digit by digit.
 * A hash collision could only add a pair to the review queue, never merge anything.
 */
const DETECT_SQL = `
WITH odd_mobile AS (
  SELECT id, ${digits('mobile')} AS k FROM customers
   WHERE status = 'active' AND mobile IS NOT NULL AND mobile !~ '^1[3-9][0-9]{9}$'
),
odd_card AS (
  SELECT id, upper(regexp_replace(card_no, '[^A-Za-z0-9]', '', 'g')) AS k FROM customers
   WHERE status = 'active' AND card_no IS NOT NULL AND card_no !~ '^[A-Z0-9]+$'
),
keyed AS (
  SELECT v.r, v.h, c.id
    FROM customers c
    CROSS JOIN LATERAL (VALUES
      (${code('email')}, CASE WHEN btrim(c.email) <> '' THEN ${h('lower(btrim(c.email))')} END),
      (${code('name_birthday')}, CASE WHEN c.birthday IS NOT NULL THEN ${h(`lower(btrim(c.name)) || '|' || c.birthday::text`)} END),
      (${code('name_city_mobile')}, CASE WHEN c.city <> '' AND c.mobile IS NOT NULL THEN ${h(`lower(btrim(c.name)) || '|' || c.city || '<' || left(c.mobile, 6)`)} END),
      (${code('name_city_mobile')}, CASE WHEN c.city <> '' AND c.mobile IS NOT NULL THEN ${h(`lower(btrim(c.name)) || '|' || c.city || '>' || right(c.mobile, 5)`)} END)
    ) AS v(r, h)
   WHERE c.status = 'active' AND v.h IS NOT NULL
  UNION ALL
  SELECT ${code('mobile')}, ${h('k')}, id FROM odd_mobile WHERE k <> ''
  UNION ALL
  SELECT ${code('mobile')}, ${h('c.mobile')}, c.id FROM customers c
   WHERE c.status = 'active' AND c.mobile IN (SELECT k FROM odd_mobile)
  UNION ALL
  SELECT ${code('card')}, ${h('k')}, id FROM odd_card WHERE k <> ''
  UNION ALL
  SELECT ${code('card')}, ${h('c.card_no')}, c.id FROM customers c
   WHERE c.status = 'active' AND c.card_no IN (SELECT k FROM odd_card)
),
grouped AS (
  SELECT r, array_agg(id) AS ids FROM keyed GROUP BY r, h HAVING count(*) BETWEEN 2 AND $1
),
pairs AS (
  SELECT DISTINCT a.id AS a, b.id AS b, g.r
    FROM grouped g CROSS JOIN LATERAL unnest(g.ids) AS a(id) CROSS JOIN LATERAL unnest(g.ids) AS b(id)
   WHERE a.id < b.id
),
checked AS (
  SELECT a, b, r FROM pairs WHERE r <> ${code('name_city_mobile')}
  UNION ALL
  SELECT p.a, p.b, p.r
    FROM pairs p JOIN customers ca ON ca.id = p.a JOIN customers cb ON cb.id = p.b
   WHERE p.r = ${code('name_city_mobile')}
     AND (SELECT count(*) FROM generate_series(1, 11) AS i WHERE substr(ca.mobile, i, 1) <> substr(cb.mobile, i, 1)) = 1
),
named AS (
  SELECT a, b, (ARRAY[${REASON_CODES.map((r) => `'${r}'`).join(', ')}])[r] AS reason FROM checked
)
INSERT INTO customer_duplicate_candidates (customer_id, other_id, reasons, score, detected_at)
SELECT a, b, array_agg(reason ORDER BY reason), LEAST(100, sum(${weightCase})), now()
  FROM named GROUP BY a, b
ON CONFLICT (customer_id, other_id) DO UPDATE
   SET reasons = EXCLUDED.reasons, score = EXCLUDED.score, detected_at = EXCLUDED.detected_at`;

export interface RefreshResult {
  detected: number;
  open: number;
  removed: number;
}

/**
 * Rebuilds the review queue in one transaction: upserts every detected pair (a dismissed or merged pair keeps
 * its status), then drops open pairs that no longer match (edited, merged or erased since).
 */
export async function refreshDuplicateCandidates(tx: Queryable, opts: { maxGroup?: number } = {}): Promise<RefreshResult> {
  // The aggregates run over millions of keys; room in memory keeps them from spilling to disk.
  await tx.query(`SET LOCAL work_mem = '128MB'`);
  const ins = await tx.query(DETECT_SQL, [opts.maxGroup ?? MAX_GROUP]);
  const del = await tx.query(`DELETE FROM customer_duplicate_candidates WHERE status = 'open' AND detected_at < now()`);
  const open = await tx.query(`SELECT count(*)::int AS n FROM customer_duplicate_candidates WHERE status = 'open'`);
  return { detected: ins.rowCount, open: open.rows[0].n, removed: del.rowCount };
}

/** What staff compare side by side: the record and its key figures. Masked without `customers.pii`. */
export type CustomerSummary = Omit<Customer, 'kind' | 'attributes' | 'createdAt' | 'updatedAt' | 'version' | 'contacts'> & {
  kind: string;
  purchaseCount: number;
  spendFen: number;
  lastPurchaseAt: string | null;
  pointsBalance: number | null;
};

export function maskSummary<T extends { mobile: string | null; email: string | null; birthday: string | null; cardNo?: string | null }>(c: T, seePii: boolean): T {
  if (seePii) return c;
  return { ...c, mobile: maskMobile(c.mobile), email: maskEmail(c.email), birthday: maskBirthday(c.birthday), ...(c.cardNo !== undefined ? { cardNo: maskMobile(c.cardNo) } : {}) };
}

/** Profiles with purchase count, net spend, last purchase and points, in one statement for any number of ids. */
export async function customerSummaries(q: Queryable, ids: number[]): Promise<CustomerSummary[]> {
  if (ids.length === 0) return [];
  const r = await q.query(
    `SELECT c.id, c.kind, c.name, c.mobile, c.email, c.gender, c.birthday::text AS birthday, c.region, c.city, c.occupation,
            c.income_band AS "incomeBand", c.card_no AS "cardNo", c.preferred_store_id AS "preferredStoreId",
            c.preferred_channel AS "preferredChannel", c.source, c.notes, c.tags, c.status, c.merged_into AS "mergedInto",
            c.registered_at AS "registeredAt",
            coalesce(p.n, 0)::int AS "purchaseCount", coalesce(p.spend, 0)::bigint AS "spendFen", p.last AS "lastPurchaseAt",
            la.points_balance AS "pointsBalance"
       FROM customers c
       LEFT JOIN LATERAL (
         SELECT count(*) FILTER (WHERE kind = 'sale') AS n,
                sum(CASE WHEN kind = 'sale' THEN paid_fen ELSE -abs(paid_fen) END) AS spend,
                max(purchased_at) AS last
           FROM purchases WHERE customer_id = c.id) p ON true
       LEFT JOIN loyalty_accounts la ON la.customer_id = c.id
      WHERE c.id = ANY($1::bigint[])
      ORDER BY array_position($1::bigint[], c.id)`,
    [ids],
  );
  return r.rows as CustomerSummary[];
}

export interface CandidateFilter {
  status: 'open' | 'merged' | 'dismissed';
  reason?: DuplicateReason;
  limit: number;
  offset: number;
}

/** The review queue, strongest pairs first, with both customers' summaries. */
export async function listDuplicateCandidates(q: Queryable, f: CandidateFilter, seePii: boolean) {
  const params: unknown[] = [f.status];
  let where = 'status = $1';
  if (f.reason) {
    params.push(f.reason);
    where += ` AND reasons @> ARRAY[$2]::text[]`;
  }
  const [page, total] = await Promise.all([
    q.query(
      `SELECT customer_id AS "customerId", other_id AS "otherId", reasons, score, status, detected_at AS "detectedAt",
              decided_at AS "decidedAt", decided_by AS "decidedBy"
         FROM customer_duplicate_candidates WHERE ${where}
        ORDER BY score DESC, customer_id, other_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, f.limit, f.offset],
    ),
    q.query(`SELECT count(*)::int AS n FROM customer_duplicate_candidates WHERE ${where}`, params),
  ]);
  const ids = [...new Set(page.rows.flatMap((p) => [p.customerId, p.otherId]))];
  const byId = new Map((await customerSummaries(q, ids)).map((c) => [c.id, maskSummary(c, seePii)]));
  return {
    total: total.rows[0].n,
    items: page.rows.map((p) => ({ ...p, customer: byId.get(p.customerId), other: byId.get(p.otherId) })),
  };
}

const pairKey = (a: number, b: number) => (a < b ? [a, b] : [b, a]) as [number, number];

/** "Not the same person": the pair is remembered as dismissed, so later refreshes leave it out of the queue. */
export async function dismissDuplicate(tx: Queryable, actor: Actor, ids: [number, number]) {
  const [a, b] = pairKey(ids[0], ids[1]);
  if (a === b) throw fieldError('ids', 'must name two different customers', '必须是两个不同的会员');
  const known = await tx.query('SELECT id FROM customers WHERE id = ANY($1::bigint[])', [[a, b]]);
  if (known.rows.length < 2) throw notFound('Customer', '会员');
  const r = await tx.query(
    `INSERT INTO customer_duplicate_candidates (customer_id, other_id, reasons, score, status, decided_at, decided_by_kind, decided_by_id, decided_by)
     VALUES ($1, $2, '{}', 0, 'dismissed', now(), $3, $4, $5)
     ON CONFLICT (customer_id, other_id) DO UPDATE
        SET status = 'dismissed', decided_at = now(), decided_by_kind = $3, decided_by_id = $4, decided_by = $5
      WHERE customer_duplicate_candidates.status <> 'dismissed'
     RETURNING customer_id`,
    [a, b, actor.kind, actor.id, actor.name],
  );
  if (r.rows.length) await recordAudit(tx, actor, { action: 'customer.duplicate.dismiss', entity: 'customer', entityId: a, customerId: a, details: { otherId: b } });
  return { customerId: a, otherId: b, status: 'dismissed' as const };
}
