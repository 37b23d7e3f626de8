import type { Queryable } from '../../db/client.ts';

/** One thing that happened to a customer. `at` is ISO 8601 UTC with microseconds (use `timelineAt(column)` in SQL). */
export interface TimelineEvent {
  at: string;
  /** The source's name, e.g. 'purchases', 'loyalty'. */
  source: string;
  /** What happened, e.g. 'sale', 'return', 'consent', 'profile_update', 'points_earned'. */
  type: string;
  /** Unique within the source. */
  id: string;
  data: Record<string, unknown>;
}

/**
 * A module's events for one customer, newest first: at most `limit` events strictly older than `before`
 * (all of them when `before` is null). Read with an index on (customer_id, time DESC).
 */
export type TimelineSource = (q: Queryable, customerId: number, before: string | null, limit: number) => Promise<TimelineEvent[]>;

const sources = new Map<string, TimelineSource>();

/** Loyalty, tickets, surveys… add their events to the customer 360 timeline; wired in `src/modules/registry.ts`. */
export function registerTimelineSource(name: string, fn: TimelineSource): void {
  sources.set(name, fn);
}

/** SQL for a timestamptz column as the timeline's `at` text, keeping microseconds so paging never skips a row. */
export const timelineAt = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Merges every source by time. Each source is asked for `limit` events before the cursor; the page is the newest
 * `limit` of them plus any that share the last one's time (so the next page, strictly older, skips nothing).
 */
export async function customerTimeline(q: Queryable, customerId: number, before: string | null, limit: number) {
  const all = await Promise.all([...sources].map(async ([, fn]) => fn(q, customerId, before, limit)));
  const merged = all.flat().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.source.localeCompare(b.source) || b.id.localeCompare(a.id)));
  let page = merged.slice(0, limit);
  if (merged.length > limit) {
    const last = page[page.length - 1]!.at;
    page = merged.filter((e, i) => i < limit || e.at === last);
  }
  const more = merged.length > page.length || all.some((events) => events.length >= limit);
  return { items: page, nextBefore: more && page.length ? page[page.length - 1]!.at : null };
}

const purchasesSource: TimelineSource = async (q, customerId, before, limit) => {
  const r = await q.query(
    `SELECT p.id, p.kind, ${timelineAt('p.purchased_at')} AS at, p.original_purchase_id AS "originalPurchaseId", p.store_id AS "storeId",
            s.name AS "storeName", p.channel, p.total_fen AS "totalFen", p.discount_fen AS "discountFen", p.paid_fen AS "paidFen",
            p.item_count AS "itemCount",
            (SELECT COALESCE(json_agg(json_build_object('lineNo', l.line_no, 'sku', l.sku, 'productId', l.product_id, 'productName', pr.name,
                      'category', l.category, 'quantity', l.quantity, 'unitPriceFen', l.unit_price_fen, 'amountFen', l.amount_fen) ORDER BY l.line_no), '[]')
               FROM purchase_lines l LEFT JOIN products pr ON pr.id = l.product_id
              WHERE l.customer_id = p.customer_id AND l.purchase_id = p.id) AS lines
       FROM purchases p LEFT JOIN stores s ON s.id = p.store_id
      WHERE p.customer_id = $1 AND ($2::timestamptz IS NULL OR p.purchased_at < $2::timestamptz)
      ORDER BY p.purchased_at DESC, p.id DESC LIMIT $3`,
    [customerId, before, limit],
  );
  return r.rows.map(({ id, kind, at, ...data }: any) => ({ at, source: 'purchases', type: kind, id: String(id), data: { purchaseId: id, ...data } }));
};

const consentsSource: TimelineSource = async (q, customerId, before, limit) => {
  const r = await q.query(
    `SELECT id, ${timelineAt('recorded_at')} AS at, channel, granted, source, recorded_by AS "recordedBy", note
       FROM customer_consents WHERE customer_id = $1 AND ($2::timestamptz IS NULL OR recorded_at < $2::timestamptz)
      ORDER BY recorded_at DESC, id DESC LIMIT $3`,
    [customerId, before, limit],
  );
  return r.rows.map(({ id, at, ...data }: any) => ({ at, source: 'consents', type: data.granted ? 'consent_granted' : 'consent_withdrawn', id: String(id), data }));
};

/** Profile edits and other changes logged against the customer (reads and consents are shown elsewhere). */
const auditSource: TimelineSource = async (q, customerId, before, limit) => {
  const r = await q.query(
    `SELECT id, ${timelineAt('at')} AS at, action, entity, actor_kind AS "actorKind", actor_name AS "actorName", details
       FROM audit_log WHERE customer_id = $1 AND action <> 'read' AND action <> 'consent'
        AND ($2::timestamptz IS NULL OR at < $2::timestamptz)
      ORDER BY at DESC, id DESC LIMIT $3`,
    [customerId, before, limit],
  );
  return r.rows.map(({ id, at, action, entity, ...data }: any) => ({
    at, source: 'profile', type: `${entity}_${action}`, id: String(id), data: { action, entity, ...data },
  }));
};

registerTimelineSource('purchases', purchasesSource);
registerTimelineSource('consents', consentsSource);
registerTimelineSource('profile', auditSource);
