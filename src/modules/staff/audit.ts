import type { Queryable } from '../../db/client.ts';
import type { Actor } from './permissions.ts';
import { Conditions } from '../../db/conditions.ts';

export interface AuditEntry {
  action: string;
  entity: string;
  entityId?: string | number | null;
  customerId?: number | null;
  details?: Record<string, unknown>;
}

/** Appends one line to the audit log, inside the caller's transaction so it commits with the change. */
export async function recordAudit(q: Queryable, actor: Actor, e: AuditEntry): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (actor_kind, actor_id, actor_name, action, entity, entity_id, customer_id, details, request_id, ip)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
    [actor.kind, actor.id, actor.name, e.action, e.entity, e.entityId == null ? null : String(e.entityId), e.customerId ?? null,
      JSON.stringify(e.details ?? {}), actor.requestId ?? null, actor.ip ?? null],
  );
}

export interface AuditFilter {
  actorKind?: string;
  actorId?: number;
  action?: string;
  entity?: string;
  entityId?: string;
  customerId?: number;
  from?: string;
  to?: string;
  limit: number;
  beforeId?: number;
}

/** Newest first, keyset-paged by id. */
export async function listAudit(q: Queryable, f: AuditFilter) {
  const c = new Conditions();
  if (f.actorKind) c.add('actor_kind = ?', f.actorKind);
  if (f.actorId != null) c.add('actor_id = ?', f.actorId);
  if (f.action) c.add('action = ?', f.action);
  if (f.entity) c.add('entity = ?', f.entity);
  if (f.entityId) c.add('entity_id = ?', f.entityId);
  if (f.customerId != null) c.add('customer_id = ?', f.customerId);
  if (f.from) c.add('at >= ?', f.from);
  if (f.to) c.add('at < ?', f.to);
  if (f.beforeId != null) c.add('id < ?', f.beforeId);
  const r = await q.query(
    `SELECT id, at, actor_kind AS "actorKind", actor_id AS "actorId", actor_name AS "actorName", action, entity,
            entity_id AS "entityId", customer_id AS "customerId", details, request_id AS "requestId", ip
       FROM audit_log ${c.where}
      ORDER BY id DESC LIMIT ${c.param(f.limit)}`,
    c.params,
  );
  return r.rows;
}
