import type { Queryable } from '../../db/client.ts';
import { AppError, conflict, fieldError, notFound } from '../../http/errors.ts';
import { recordAudit, type Actor } from '../staff/index.ts';
import { customerLifecycleListeners } from './events.ts';
import { customerSummaries, maskSummary } from './duplicates.ts';

/** Profile fields a merge may fill or take from a merged record; API name → column. */
export const MERGE_FIELDS = {
  name: 'name',
  mobile: 'mobile',
  email: 'email',
  gender: 'gender',
  birthday: 'birthday',
  region: 'region',
  city: 'city',
  occupation: 'occupation',
  incomeBand: 'income_band',
  cardNo: 'card_no',
  preferredStoreId: 'preferred_store_id',
  preferredChannel: 'preferred_channel',
  source: 'source',
  notes: 'notes',
} as const;
export type MergeField = keyof typeof MERGE_FIELDS;
export const MERGE_FIELD_NAMES = Object.keys(MERGE_FIELDS) as MergeField[];

type Profile = Record<string, unknown> & { id: number };

/** Opens a statement with `absorbed(id, depth)`: the customer $1 and every record merged into it, directly or through earlier merges. */
export const WITH_ABSORBED_RECORDS = `WITH RECURSIVE absorbed(id, depth) AS (
       SELECT $1::bigint, 0
       UNION ALL
       SELECT c.id, a.depth + 1 FROM customers c JOIN absorbed a ON c.merged_into = a.id WHERE a.depth < 32
     )`;

/** Every column of a customer, with the birthday as 'YYYY-MM-DD' text on both drivers. */
export const PROFILE_COLUMNS = `id, kind, name, mobile, email, gender, birthday::text AS birthday, region, city, occupation, income_band, card_no,
  preferred_store_id, preferred_channel, source, notes, tags, attributes, status, merged_into, registered_at, created_at, updated_at, version`;

const empty = (v: unknown) => v == null || (typeof v === 'string' && v.trim() === '');

/**
 * The survivor's profile after a merge: a field chosen explicitly takes that customer's value; otherwise the
 * survivor keeps what it has and an empty field is filled from the first merged record (in the order given)
 * that has it. Returns only the columns that change.
 */
export function mergedProfile(survivor: Profile, merged: Profile[], choices: Partial<Record<MergeField, number>> = {}): Record<string, unknown> {
  const all = [survivor, ...merged];
  const out: Record<string, unknown> = {};
  for (const field of MERGE_FIELD_NAMES) {
    const col = MERGE_FIELDS[field];
    const chosenId = choices[field];
    let value: unknown;
    if (chosenId != null) value = all.find((c) => c.id === chosenId)?.[col];
    else value = empty(survivor[col]) ? merged.find((m) => !empty(m[col]))?.[col] : survivor[col];
    if (value === undefined) continue;
    if (value !== survivor[col]) out[col] = value;
  }
  return out;
}

/** Tags of everyone merged, survivor's first, without repeats. */
export function unionTags(lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

export interface MergeInput {
  survivorId: number;
  mergedIds: number[];
  fieldChoices?: Partial<Record<MergeField, number>>;
  reason?: string;
}

export interface MergeRecord {
  id: number;
  survivorId: number;
  mergedIds: number[];
  reason: string | null;
  fieldChoices: Record<string, number>;
  before: { survivor: Record<string, unknown>; merged: Record<string, unknown>[] } | Record<string, unknown>;
  moved: Record<string, number>;
  mergedBy: string;
  mergedByKind: string;
  mergedAt: string;
}

// to_json: the pg driver would hand a bigint[] back as strings.
const mergeColumns = `id, customer_id AS "survivorId", to_json(merged_ids) AS "mergedIds", reason, field_choices AS "fieldChoices", before, moved,
  merged_by AS "mergedBy", merged_by_kind AS "mergedByKind", merged_at AS "mergedAt"`;

/**
 * Merges duplicates into one survivor in the caller's transaction: locks every record, moves purchases, lines,
 * consents, business contact people and each lifecycle listener's rows, fills the survivor's profile, marks the others merged and writes
 * the merge record and the audit line. Merging again what is already merged into this survivor changes nothing
 * and returns the earlier merge.
 */
export async function mergeCustomers(tx: Queryable, actor: Actor, input: MergeInput) {
  const mergedIds = [...new Set(input.mergedIds)];
  const s = input.survivorId;
  if (mergedIds.includes(s)) {
    throw conflict('MERGE_INTO_SELF', 'A customer cannot be merged into itself.', '不能把会员合并到其自身。');
  }
  const ids = [s, ...mergedIds];
  for (const [field, cid] of Object.entries(input.fieldChoices ?? {})) {
    if (!ids.includes(cid as number)) throw fieldError(`fieldChoices.${field}`, 'must be the survivor or one of the merged customers', '必须是保留的会员或被合并的会员之一');
  }
  const locked = await tx.query(`SELECT ${PROFILE_COLUMNS} FROM customers WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, [ids]);
  const byId = new Map<number, Profile>(locked.rows.map((r) => [r.id, r as Profile]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) throw new AppError(404, 'NOT_FOUND', { en: 'Customer not found.', zh: '未找到会员。' }, undefined, { ids: missing });

  const survivor = byId.get(s)!;
  if (survivor.status === 'erased') throw conflict('SURVIVOR_ERASED', 'The surviving customer has been erased.', '保留的会员已被删除。');
  if (survivor.status === 'merged') {
    throw conflict('SURVIVOR_MERGED', 'The surviving customer was itself merged into another customer.', '保留的会员已被合并到其他会员。', { mergedInto: survivor.merged_into });
  }
  const pending: Profile[] = [];
  for (const id of mergedIds) {
    const c = byId.get(id)!;
    if (c.status === 'erased') throw conflict('CUSTOMER_ERASED', `Customer ${id} has been erased and cannot be merged.`, `会员 ${id} 已被删除，不能合并。`, { customerId: id });
    if (c.status === 'merged' && c.merged_into !== s) {
      throw conflict('ALREADY_MERGED', `Customer ${id} was already merged into another customer.`, `会员 ${id} 已被合并到其他会员。`, { customerId: id, mergedInto: c.merged_into });
    }
    if (c.status === 'active') pending.push(c);
  }
  if (pending.length === 0) {
    const prior = await tx.query(
      `SELECT ${mergeColumns} FROM customer_merges WHERE customer_id = $1 AND merged_ids && $2::bigint[] ORDER BY id DESC LIMIT 1`,
      [s, mergedIds],
    );
    return { merge: prior.rows[0] as MergeRecord, alreadyMerged: true };
  }

  const pendingIds = pending.map((p) => p.id);
  const changes = mergedProfile(survivor, pending, input.fieldChoices);

  // Merged records leave the active set first, so the survivor may take a mobile number or card from one of them.
  await tx.query(
    `UPDATE customers SET status = 'merged', merged_into = $1, updated_at = now(), version = version + 1,
            card_no = CASE WHEN card_no = $3 THEN NULL ELSE card_no END
      WHERE id = ANY($2::bigint[])`,
    [s, pendingIds, changes.card_no ?? null],
  );
  await tx.query(`UPDATE customers SET merged_into = $1 WHERE merged_into = ANY($2::bigint[])`, [s, pendingIds]);
  const cols = Object.keys(changes);
  const sets = cols.map((c, i) => `${c} = $${i + 4}`);
  await tx.query(
    `UPDATE customers SET ${[...sets, 'tags = $2', `attributes = $3::jsonb || attributes`, 'updated_at = now()', 'version = version + 1'].join(', ')}
      WHERE id = $1`,
    [s, unionTags([survivor.tags as string[], ...pending.map((p) => p.tags as string[])]),
      JSON.stringify(Object.assign({}, ...pending.slice().reverse().map((p) => p.attributes ?? {}))), ...cols.map((c) => changes[c])],
  );

  const moved: Record<string, number> = {};
  const movedPurchases = await tx.query(`UPDATE purchases SET customer_id = $1 WHERE customer_id = ANY($2::bigint[]) RETURNING source, external_id`, [s, pendingIds]);
  moved.purchases = movedPurchases.rows.length;
  // The sales key table answers retries and finds the original of a return; it must point at the new owner too.
  await tx.query(
    `UPDATE purchase_keys k SET customer_id = $1
       FROM unnest($2::text[], $3::text[]) AS m(source, external_id)
      WHERE k.source = m.source AND k.external_id = m.external_id`,
    [s, movedPurchases.rows.map((r) => r.source), movedPurchases.rows.map((r) => r.external_id)],
  );
  moved.purchaseLines = (await tx.query(`UPDATE purchase_lines SET customer_id = $1 WHERE customer_id = ANY($2::bigint[])`, [s, pendingIds])).rowCount;
  moved.consents = (await tx.query(`UPDATE customer_consents SET customer_id = $1 WHERE customer_id = ANY($2::bigint[])`, [s, pendingIds])).rowCount;
  // Only a business keeps contact people; the whole merge rolls back rather than leave them on a person.
  const contactsOnPerson = await tx.query(
    `SELECT 1 FROM customers c WHERE c.id = $1 AND c.kind = 'person' AND EXISTS (SELECT 1 FROM customer_contacts k WHERE k.customer_id = ANY($2::bigint[]))`,
    [s, pendingIds],
  );
  if (contactsOnPerson.rows.length) {
    throw conflict('MERGE_CONTACTS_NEED_BUSINESS', 'The records merged in have contact people, which only a business keeps: merge them into the business instead.',
      '被合并的记录有联系人，只有企业客户可以保留联系人：请改为合并到该企业客户。', { survivorId: s });
  }
  const movedContacts = await tx.query(`UPDATE customer_contacts SET customer_id = $1 WHERE customer_id = ANY($2::bigint[]) RETURNING id`, [s, pendingIds]);
  moved.contacts = movedContacts.rows.length;
  // One primary contact: the survivor's own, else the first moved one.
  if (moved.contacts) {
    await tx.query(
      `UPDATE customer_contacts SET is_primary = false WHERE customer_id = $1 AND is_primary AND id <> (
         SELECT id FROM customer_contacts WHERE customer_id = $1 AND is_primary ORDER BY id = ANY($2::bigint[]), id LIMIT 1)`,
      [s, movedContacts.rows.map((r) => r.id)],
    );
  }
  for (const [, l] of customerLifecycleListeners()) await l.onMerged?.(tx, s, pendingIds);

  await tx.query(
    `UPDATE customer_duplicate_candidates SET status = 'merged', decided_at = now(), decided_by_kind = $3, decided_by_id = $4, decided_by = $5
      WHERE customer_id = ANY($1::bigint[]) AND other_id = ANY($1::bigint[]) AND status <> 'merged' AND (customer_id = ANY($2::bigint[]) OR other_id = ANY($2::bigint[]))`,
    [[s, ...pendingIds], pendingIds, actor.kind, actor.id, actor.name],
  );
  await tx.query(
    `DELETE FROM customer_duplicate_candidates WHERE status = 'open' AND (customer_id = ANY($1::bigint[]) OR other_id = ANY($1::bigint[]))`,
    [pendingIds],
  );

  const before = { survivor, merged: pending };
  const ins = await tx.query(
    `INSERT INTO customer_merges (customer_id, merged_ids, reason, field_choices, before, moved, merged_by_kind, merged_by_id, merged_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${mergeColumns}`,
    [s, pendingIds, input.reason ?? null, JSON.stringify(input.fieldChoices ?? {}), JSON.stringify(before), JSON.stringify(moved),
      actor.kind, actor.id, actor.name],
  );
  const merge = ins.rows[0] as MergeRecord;
  await recordAudit(tx, actor, {
    action: 'customer.merge', entity: 'customer', entityId: s, customerId: s,
    details: { mergeId: merge.id, mergedIds: pendingIds, changedFields: cols, moved },
  });
  return { merge, alreadyMerged: false };
}

/** The merge and the survivor as the caller may see them. */
export async function mergeAnswer(q: Queryable, result: { merge: MergeRecord; alreadyMerged: boolean }, seePii: boolean) {
  const [survivor] = await customerSummaries(q, [result.merge.survivorId]);
  return { ...maskMerge(result.merge, seePii), alreadyMerged: result.alreadyMerged, survivor: survivor && maskSummary(survivor, seePii) };
}

function maskRow(r: Record<string, any>, seePii: boolean) {
  if (seePii || !r) return r;
  const m = maskSummary({ mobile: r.mobile ?? null, email: r.email ?? null, birthday: r.birthday ?? null, cardNo: r.card_no ?? null }, false);
  return { ...r, mobile: m.mobile, email: m.email, birthday: m.birthday, card_no: m.cardNo, notes: r.notes ? '***' : r.notes };
}

export function maskMerge(m: MergeRecord, seePii: boolean): MergeRecord {
  const b = m.before as any;
  if (seePii || !b?.survivor) return m;
  return { ...m, before: { survivor: maskRow(b.survivor, false), merged: (b.merged ?? []).map((r: any) => maskRow(r, false)) } };
}

/** Every merge a customer took part in, as survivor or as a merged record, newest first. */
export async function mergesOf(q: Queryable, customerId: number): Promise<MergeRecord[]> {
  const known = await q.query('SELECT 1 FROM customers WHERE id = $1', [customerId]);
  if (!known.rows.length) throw notFound('Customer', '会员');
  const r = await q.query(
    `SELECT ${mergeColumns} FROM customer_merges
      WHERE customer_id = $1 OR merged_ids @> ARRAY[$1]::bigint[] ORDER BY merged_at DESC, id DESC`,
    [customerId],
  );
  return r.rows as MergeRecord[];
}

/**
 * The customer a (possibly merged) id now lives on: itself when active or erased, its survivor when merged.
 * Null when the id is unknown. Lookups call this so old ids, links and cards keep working after a merge.
 */
export async function resolveSurvivor(q: Queryable, customerId: number): Promise<number | null> {
  const r = await q.query(
    `WITH RECURSIVE chain(id, merged_into, depth) AS (
       SELECT id, merged_into, 0 FROM customers WHERE id = $1
       UNION ALL
       SELECT c.id, c.merged_into, chain.depth + 1 FROM customers c JOIN chain ON c.id = chain.merged_into WHERE chain.depth < 32
     )
     SELECT id FROM chain ORDER BY depth DESC LIMIT 1`,
    [customerId],
  );
  return r.rows[0]?.id ?? null;
}
