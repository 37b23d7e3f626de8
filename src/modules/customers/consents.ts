import { prepared, type Queryable } from '../../db/client.ts';
import { notFound } from '../../http/errors.ts';
import { recordAudit, type Actor } from '../staff/index.ts';
import { CHANNELS, type ConsentChannel } from './rules.ts';

export interface ConsentChange {
  channel: ConsentChannel;
  granted: boolean;
  source: string;
  note?: string | null;
}

export interface ConsentRecord {
  id: number;
  channel: ConsentChannel;
  granted: boolean;
  source: string;
  recordedByKind: string;
  recordedBy: string;
  note: string | null;
  recordedAt: string;
}

export interface ConsentState {
  channel: ConsentChannel;
  /** False when withdrawn or never given. */
  granted: boolean;
  source: string | null;
  recordedAt: string | null;
}

const recordCols = `id, channel, granted, source, recorded_by_kind AS "recordedByKind", recorded_by AS "recordedBy", note, recorded_at AS "recordedAt"`;

/** Appends grants and withdrawals (history is never edited); returns the rows written. */
export async function recordConsents(q: Queryable, actor: Actor, customerId: number, changes: ConsentChange[]): Promise<ConsentRecord[]> {
  const c = await q.query(`SELECT status FROM customers WHERE id = $1`, [customerId]);
  if (!c.rows[0] || c.rows[0].status !== 'active') throw notFound('Customer', '客户');
  const r = await q.query(
    `INSERT INTO customer_consents (customer_id, channel, granted, source, note, recorded_by_kind, recorded_by_id, recorded_by)
     SELECT $1, ch, g, src, note, $6, $7, $8 FROM unnest($2::text[], $3::boolean[], $4::text[], $5::text[]) AS t(ch, g, src, note)
     RETURNING ${recordCols}`,
    [customerId, changes.map((x) => x.channel), changes.map((x) => x.granted), changes.map((x) => x.source), changes.map((x) => x.note ?? null),
      actor.kind === 'api_key' ? 'api_key' : actor.kind === 'staff' ? 'staff' : 'system', actor.id, actor.name],
  );
  await recordAudit(q, actor, {
    action: 'consent', entity: 'customer', entityId: customerId, customerId,
    details: { changes: changes.map((x) => ({ channel: x.channel, granted: x.granted, source: x.source })) },
  });
  return r.rows as ConsentRecord[];
}

/** The state now on every channel (a channel never asked is not granted). */
export async function consentState(q: Queryable, customerId: number): Promise<ConsentState[]> {
  const r = await q.query(
    `SELECT channel, granted, source, recorded_at AS "recordedAt" FROM customer_consent_state WHERE customer_id = $1`,
    [customerId],
  );
  const byChannel = new Map(r.rows.map((x: any) => [x.channel, x]));
  return CHANNELS.map((channel) => byChannel.get(channel) ?? { channel, granted: false, source: null, recordedAt: null });
}

/**
 * The state now on every channel and the newest history (keyset-paged by id), in one statement: the 360 and the
 * consents page show both.
 */
export async function consentOverview(
  q: Queryable, customerId: number, opts: { beforeId?: number; limit: number },
): Promise<{ current: ConsentState[]; history: ConsentRecord[] }> {
  const r = await q.query(
    prepared(`SELECT 'current' AS part, NULL::bigint AS id, channel, granted, source, NULL AS "recordedByKind", NULL AS "recordedBy", NULL AS note,
            recorded_at AS "recordedAt"
       FROM customer_consent_state WHERE customer_id = $1
     UNION ALL
     (SELECT 'history', ${recordCols} FROM customer_consents WHERE customer_id = $1 AND ($2::bigint IS NULL OR id < $2)
       ORDER BY recorded_at DESC, id DESC LIMIT $3)
     ORDER BY part, "recordedAt" DESC, id DESC`),
    [customerId, opts.beforeId ?? null, opts.limit],
  );
  const byChannel = new Map<string, ConsentState>();
  const history: ConsentRecord[] = [];
  for (const { part, id, channel, granted, source, recordedByKind, recordedBy, note, recordedAt } of r.rows) {
    if (part === 'current') byChannel.set(channel, { channel, granted, source, recordedAt });
    else history.push({ id, channel, granted, source, recordedByKind, recordedBy, note, recordedAt });
  }
  return { current: CHANNELS.map((channel) => byChannel.get(channel) ?? { channel, granted: false, source: null, recordedAt: null }), history };
}

/** Which of these customers may be contacted on this channel now: one indexed probe per customer, in one statement. */
export async function hasConsent(q: Queryable, customerIds: number[], channel: ConsentChannel): Promise<Set<number>> {
  if (customerIds.length === 0) return new Set();
  const r = await q.query(
    `SELECT c.id FROM unnest($1::bigint[]) AS c(id)
       CROSS JOIN LATERAL (SELECT granted FROM customer_consents
                            WHERE customer_id = c.id AND channel = $2 ORDER BY recorded_at DESC, id DESC LIMIT 1) s
      WHERE s.granted`,
    [customerIds, channel],
  );
  return new Set(r.rows.map((x: any) => Number(x.id)));
}
