import type { Queryable } from '../../db/client.ts';
import type { Actor } from './permissions.ts';

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
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.actorKind) add('actor_kind = ?', f.actorKind);
  if (f.actorId != null) add('actor_id = ?', f.actorId);
  if (f.action) add('action = ?', f.action);
  if (f.entity) add('entity = ?', f.entity);
  if (f.entityId) add('entity_id = ?', f.entityId);
  if (f.customerId != null) add('customer_id = ?', f.customerId);
  if (f.from) add('at >= ?', f.from);
  if (f.to) add('at < ?', f.to);
  if (f.beforeId != null) add('id < ?', f.beforeId);
  params.push(f.limit);
  const r = await q.query(
    `SELECT id, at, actor_kind AS "actorKind", actor_id AS "actorId", actor_name AS "actorName", action, entity,
            entity_id AS "entityId", customer_id AS "customerId", details, request_id AS "requestId", ip
       FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return r.rows;
}
