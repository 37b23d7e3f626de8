import type { Queryable } from '../../db/client.ts';
import { conflict, notFound } from '../../http/errors.ts';
import { recordAudit, type Actor } from '../staff/index.ts';
import { customerLifecycleListeners } from './events.ts';
import { mergesOf, PROFILE_COLUMNS, resolveSurvivor, WITH_ABSORBED_RECORDS } from './merge.ts';

/** What an erased customer is called from then on. */
export const ERASED_NAME = '已删除用户';

/** Ids of a customer and of every record merged into it, directly or through earlier merges. */
async function withMergedRecords(q: Queryable, customerId: number): Promise<number[]> {
  const r = await q.query(`${WITH_ABSORBED_RECORDS} SELECT DISTINCT id FROM absorbed ORDER BY id`, [customerId]);
  return r.rows.map((x) => x.id);
}

/** A staff member's reason with phone numbers and e-mail addresses taken out, so the audit log holds no personal data. */
export function scrubReason(reason: string): string {
  return reason
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]')
    .replace(/\+?\d[\d\s-]{5,}\d/g, '[number]')
    .slice(0, 500);
}

/**
 * Erasure on request: removes every personal field of the customer and of the records merged into it, deletes its
 * business contact people, clears the free text of its consent notes and the file rows its imports kept, withdraws
 * its consents (appended rows), scrubs the merge snapshots, and lets each module erase its own data. Purchases
 * stay (under the same id, now anonymous) so sales totals do not change. Erasing again changes nothing.
 */
export async function eraseCustomer(tx: Queryable, actor: Actor, customerId: number, reason: string) {
  const row = (await tx.query('SELECT id, status, merged_into FROM customers WHERE id = $1 FOR UPDATE', [customerId])).rows[0];
  if (!row) throw notFound('Customer', '会员');
  if (row.status === 'merged') {
    const survivorId = await resolveSurvivor(tx, customerId);
    throw conflict('CUSTOMER_MERGED', 'This record was merged; erase the customer it was merged into.', '该记录已被合并，请删除其合并后的会员。', { survivorId });
  }
  const ids = await withMergedRecords(tx, customerId);
  await tx.query('SELECT id FROM customers WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [ids]);
  if (row.status === 'erased') {
    const left = await tx.query(`SELECT 1 FROM customers WHERE id = ANY($1::bigint[]) AND name <> $2 LIMIT 1`, [ids, ERASED_NAME]);
    if (!left.rows.length) return { customerId, status: 'erased' as const, alreadyErased: true, erasedRecords: ids.length };
  }
  // Values the file rows of an import may carry although no outcome links them to the customer.
  const identifiers = (await tx.query(
    `SELECT array_remove(array_agg(mobile), NULL) AS mobiles, array_remove(array_agg(lower(email)), NULL) AS emails,
            array_remove(array_agg(card_no) FILTER (WHERE length(card_no) >= 6), NULL) AS cards
       FROM customers WHERE id = ANY($1::bigint[])`,
    [ids],
  )).rows[0] as { mobiles: string[]; emails: string[]; cards: string[] };
  await tx.query(
    `UPDATE customers
        SET name = $2, mobile = NULL, email = NULL, birthday = NULL, card_no = NULL, notes = NULL, occupation = NULL,
            income_band = NULL, tags = '{}', attributes = '{}',
            status = CASE WHEN status = 'merged' THEN 'merged' ELSE 'erased' END,
            updated_at = now(), version = version + 1
      WHERE id = ANY($1::bigint[])`,
    [ids, ERASED_NAME],
  );
  const contacts = await tx.query('DELETE FROM customer_contacts WHERE customer_id = ANY($1::bigint[])', [ids]);
  // Consent history stays (who agreed to what, when); only its free text goes, before the withdrawals are appended.
  await tx.query('UPDATE customer_consents SET note = NULL WHERE customer_id = ANY($1::bigint[]) AND note IS NOT NULL', [ids]);
  // A kept cell is the person's as the import would read it: a mobile however written (+86, spaces, dashes), an e-mail in
  // any case; a card number only when long enough not to be a quantity or a store code in someone else's row.
  const importRows = await tx.query(
    `UPDATE import_rows r SET data = NULL
      WHERE r.data IS NOT NULL AND (r.customer_id = ANY($1::bigint[]) OR EXISTS (
        SELECT 1 FROM jsonb_array_elements_text(r.data) AS c(v)
         WHERE right(regexp_replace(c.v, '[^0-9]', '', 'g'), 11) = ANY($2::text[]) OR lower(btrim(c.v)) = ANY($3::text[]) OR btrim(c.v) = ANY($4::text[])))`,
    [ids, identifiers.mobiles, identifiers.emails, identifiers.cards],
  );
  const withdrawn = await tx.query(
    `INSERT INTO customer_consents (customer_id, channel, granted, source, recorded_by_kind, recorded_by_id, recorded_by, note)
     SELECT customer_id, channel, false, 'erasure', $2, $3, $4, 'withdrawn on erasure'
       FROM customer_consent_state WHERE customer_id = ANY($1::bigint[]) AND granted`,
    [ids, actor.kind, actor.id, actor.name],
  );
  await tx.query(
    `UPDATE customer_merges SET before = '{"erased": true}'::jsonb, reason = NULL
      WHERE customer_id = ANY($1::bigint[]) OR merged_ids && $1::bigint[]`,
    [ids],
  );
  await tx.query(`DELETE FROM customer_duplicate_candidates WHERE customer_id = ANY($1::bigint[]) OR other_id = ANY($1::bigint[])`, [ids]);
  for (const [, l] of customerLifecycleListeners()) for (const id of ids) await l.onErased?.(tx, id);
  await recordAudit(tx, actor, {
    action: 'customer.erase', entity: 'customer', entityId: customerId, customerId,
    details: {
      reason: scrubReason(reason), erasedRecords: ids.length, consentsWithdrawn: withdrawn.rowCount, contactsErased: contacts.rowCount,
      importRowsCleared: importRows.rowCount,
    },
  });
  return { customerId, status: 'erased' as const, alreadyErased: false, erasedRecords: ids.length };
}

/**
 * A data-access request: everything Patron holds about the person, as one JSON document. A merged id answers
 * for the customer it was merged into (one person, one export).
 */
export async function customerDataExport(q: Queryable, customerId: number) {
  const survivorId = await resolveSurvivor(q, customerId);
  if (survivorId == null) throw notFound('Customer', '会员');
  const ids = await withMergedRecords(q, survivorId);
  const [profiles, contacts, consents, purchases, audit] = await Promise.all([
    q.query(`SELECT ${PROFILE_COLUMNS} FROM customers WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]),
    q.query(
      `SELECT customer_id AS "customerId", id, name, title, mobile, email, is_primary AS "isPrimary", created_at AS "createdAt"
         FROM customer_contacts WHERE customer_id = ANY($1::bigint[]) ORDER BY customer_id, is_primary DESC, id`,
      [ids],
    ),
    q.query(
      `SELECT channel, granted, source, recorded_by AS "recordedBy", note, recorded_at AS "recordedAt"
         FROM customer_consents WHERE customer_id = $1 ORDER BY recorded_at, id`,
      [survivorId],
    ),
    q.query(
      `SELECT p.id, p.kind, p.original_purchase_id AS "originalPurchaseId", p.store_id AS "storeId", s.name AS "storeName",
              p.channel, p.source, p.external_id AS "externalId", p.purchased_at AS "purchasedAt", p.total_fen AS "totalFen",
              p.discount_fen AS "discountFen", p.paid_fen AS "paidFen", p.item_count AS "itemCount",
              coalesce((SELECT json_agg(json_build_object('lineNo', l.line_no, 'sku', l.sku, 'category', l.category,
                         'quantity', l.quantity, 'unitPriceFen', l.unit_price_fen, 'amountFen', l.amount_fen) ORDER BY l.line_no)
                          FROM purchase_lines l WHERE l.customer_id = p.customer_id AND l.purchase_id = p.id), '[]'::json) AS lines
         FROM purchases p LEFT JOIN stores s ON s.id = p.store_id
        WHERE p.customer_id = $1 ORDER BY p.purchased_at, p.id`,
      [survivorId],
    ),
    q.query(
      `SELECT at, actor_kind AS "actorKind", actor_name AS "actorName", action, entity, entity_id AS "entityId", details
         FROM audit_log WHERE customer_id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    ),
  ]);
  const modules: Record<string, unknown> = {};
  for (const [name, l] of customerLifecycleListeners()) if (l.exportData) modules[name] = await l.exportData(q, survivorId);
  const profile = profiles.rows.find((r) => r.id === survivorId);
  return {
    generatedAt: new Date().toISOString(),
    customerId: survivorId,
    requestedId: customerId,
    profile,
    mergedRecords: profiles.rows.filter((r) => r.id !== survivorId),
    contacts: contacts.rows,
    consents: consents.rows,
    purchases: purchases.rows,
    merges: await mergesOf(q, survivorId),
    auditTrail: audit.rows,
    modules,
  };
}
