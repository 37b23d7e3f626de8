import type { Queryable } from '../../db/client.ts';
import { conflict, fieldError, notFound } from '../../http/errors.ts';
import { recordAudit, type Actor } from '../staff/index.ts';
import type { AttributeDefinition } from './rules.ts';

const cols = `key, label_zh AS "labelZh", label_en AS "labelEn", type, allowed_values AS "allowedValues", position, active`;

export async function listAttributeDefinitions(q: Queryable): Promise<AttributeDefinition[]> {
  return (await q.query(`SELECT ${cols} FROM customer_attribute_definitions ORDER BY position, key`)).rows as AttributeDefinition[];
}

export async function loadAttributeDefinitions(q: Queryable): Promise<Map<string, AttributeDefinition>> {
  return new Map((await listAttributeDefinitions(q)).map((d) => [d.key, d]));
}

function checkAllowed(type: string, allowedValues: string[] | undefined) {
  if (type === 'enum' && (!allowedValues || allowedValues.length === 0)) {
    throw fieldError('allowedValues', 'a choice attribute needs at least one allowed value', '选项类属性至少需要一个可选值');
  }
  if (type !== 'enum' && allowedValues && allowedValues.length > 0) {
    throw fieldError('allowedValues', 'only choice attributes have allowed values', '只有选项类属性才有可选值');
  }
  if (allowedValues && new Set(allowedValues).size !== allowedValues.length) {
    throw fieldError('allowedValues', 'values must not repeat', '可选值不能重复');
  }
}

export async function createAttributeDefinition(q: Queryable, actor: Actor, d: Omit<AttributeDefinition, 'active' | 'position'> & { position?: number }) {
  checkAllowed(d.type, d.allowedValues);
  const r = await q.query(
    `INSERT INTO customer_attribute_definitions (key, label_zh, label_en, type, allowed_values, position)
     VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (key) DO NOTHING RETURNING ${cols}`,
    [d.key, d.labelZh, d.labelEn, d.type, d.allowedValues ?? [], d.position ?? 0],
  );
  if (!r.rows[0]) throw conflict('ATTRIBUTE_EXISTS', 'An attribute with this key already exists.', '该属性键已存在。');
  await recordAudit(q, actor, { action: 'create', entity: 'customer_attribute', entityId: d.key, details: { type: d.type, allowedValues: d.allowedValues } });
  return r.rows[0] as AttributeDefinition;
}

/** Labels, order, allowed values and active can change; the key and type cannot (stored values depend on them). */
export async function updateAttributeDefinition(
  q: Queryable,
  actor: Actor,
  key: string,
  d: { labelZh?: string; labelEn?: string; allowedValues?: string[]; position?: number; active?: boolean },
) {
  const cur = (await q.query(`SELECT ${cols} FROM customer_attribute_definitions WHERE key = $1 FOR UPDATE`, [key])).rows[0];
  if (!cur) throw notFound('Customer attribute', '客户属性');
  if (d.allowedValues) checkAllowed(cur.type, d.allowedValues);
  const r = await q.query(
    `UPDATE customer_attribute_definitions SET label_zh = $2, label_en = $3, allowed_values = $4, position = $5, active = $6, updated_at = now()
      WHERE key = $1 RETURNING ${cols}`,
    [key, d.labelZh ?? cur.labelZh, d.labelEn ?? cur.labelEn, d.allowedValues ?? cur.allowedValues, d.position ?? cur.position, d.active ?? cur.active],
  );
  await recordAudit(q, actor, { action: 'update', entity: 'customer_attribute', entityId: key, details: d });
  return r.rows[0] as AttributeDefinition;
}
