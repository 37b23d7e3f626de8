import type { Db, Queryable } from '../../db/client.ts';
import { AppError, conflict, notFound } from '../../http/errors.ts';
import { maskEmail, maskMobile } from '../../lib/pii.ts';
import { maskCustomer } from '../customers/index.ts';
import { recordAudit, type Actor } from '../staff/index.ts';
import { businessToday } from '../../lib/dates.ts';
import { compileFilter, filterFrom, FIELDS, operatorsFor } from './filter.ts';


function compiled(filter: unknown, timezone: string, paramOffset = 0) {
  const c = compileFilter(filter, { today: businessToday(timezone), timezone, paramOffset });
  return { ...c, from: filterFrom(c.joins) };
}

/** The field catalogue with operators, for the builder. */
export function filterFields() {
  return FIELDS.map((f) => ({ key: f.key, group: f.group, type: f.type, zh: f.zh, en: f.en, options: f.options, dimension: f.dimension, measure: f.measure, ops: Object.keys(operatorsFor(f)) }));
}

/** Values a marketer picks from for a field: cities, tags, categories, stores, tiers… (the most common 200). */
export async function fieldValues(q: Queryable, field: string): Promise<{ value: string; label?: string; count?: number }[]> {
  const top = (col: string, from = 'customers c WHERE c.status = \'active\'') =>
    q.query(`SELECT ${col} AS value, count(*)::int AS count FROM ${from} AND ${col} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200`).then((r) => r.rows);
  switch (field) {
    case 'city': return top('c.city');
    case 'region': return top('c.region');
    case 'occupation': return top('c.occupation');
    case 'incomeBand': return top('c.income_band');
    case 'source': return top('c.source');
    case 'preferredChannel': return top('c.preferred_channel');
    case 'tags': return top('t.tag', "customers c CROSS JOIN LATERAL unnest(c.tags) AS t(tag) WHERE c.status = 'active'");
    case 'boughtCategory': return (await q.query('SELECT DISTINCT category AS value FROM products ORDER BY 1 LIMIT 200')).rows;
    case 'boughtViaChannel': return ['store', 'online', 'app', 'mini_program'].map((value) => ({ value }));
    case 'preferredStore':
    case 'boughtAtStore': return (await q.query(`SELECT id::text AS value, name AS label FROM stores ORDER BY code LIMIT 2000`)).rows;
    case 'tier': return (await q.query('SELECT code AS value, name_zh AS label FROM loyalty_tiers ORDER BY rank')).rows;
    default: return [];
  }
}

export interface PreviewResult {
  count: number;
  sample: { id: number; name: string; mobile: string | null; email: string | null; city: string | null; gender: string | null }[];
}

/** The live count and a sample of who matches, as the marketer edits the filter. */
export async function previewSegment(db: Db, filter: unknown, opts: { timezone: string; seePii: boolean; sampleSize?: number }): Promise<PreviewResult> {
  const c = compiled(filter, opts.timezone);
  return db.tx(async (tx) => {
    // A marketer's filter must not hold the database for long; JIT compiling costs more than it saves here.
    await tx.query("SET LOCAL statement_timeout = '20s'");
    await tx.query('SET LOCAL jit = off');
    const count = await tx.query(`SELECT count(*)::bigint AS n FROM ${c.from} WHERE c.status = 'active' AND ${c.where}`, c.params).catch((e) => {
      throw e.code === '57014' ? tooSlow() : e;
    });
    const sample = await tx.query(
      `SELECT c.id, c.name, c.mobile, c.email, c.city, c.gender FROM ${c.from} WHERE c.status = 'active' AND ${c.where} ORDER BY c.id DESC LIMIT ${Math.min(opts.sampleSize ?? 20, 100)}`,
      c.params,
    );
    return {
      count: count.rows[0].n,
      sample: sample.rows.map((r: any) => (opts.seePii ? r : { ...r, mobile: maskMobile(r.mobile), email: maskEmail(r.email) })),
    };
  });
}

export interface Segment {
  id: number;
  name: string;
  description: string;
  filter: unknown;
  refresh: 'daily' | 'manual';
  memberCount: number | null;
  refreshedAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

const cols = `id, name, description, filter, refresh, member_count AS "memberCount", refreshed_at AS "refreshedAt",
  created_at AS "createdAt", updated_at AS "updatedAt", version`;

const tooSlow = () =>
  new AppError(503, 'PREVIEW_TOO_SLOW', { en: 'Counting this filter took too long; narrow it and try again.', zh: '该条件统计耗时过长，请缩小范围后重试。' });

const nameTaken = () => conflict('SEGMENT_NAME_TAKEN', 'A segment with this name already exists.', '已存在同名分群。');

export async function listSegments(q: Queryable): Promise<Segment[]> {
  return (await q.query(`SELECT ${cols} FROM segments WHERE archived_at IS NULL ORDER BY updated_at DESC`)).rows as Segment[];
}

export async function getSegment(q: Queryable, id: number): Promise<Segment> {
  const r = await q.query(`SELECT ${cols} FROM segments WHERE id = $1 AND archived_at IS NULL`, [id]);
  if (!r.rows[0]) throw notFound('Segment', '分群');
  return r.rows[0] as Segment;
}

export interface SegmentInput {
  name: string;
  description?: string;
  filter: unknown;
  refresh?: 'daily' | 'manual';
}

/** Saves a segment (its filter must compile) and takes its first measurement. */
export async function createSegment(db: Db, actor: Actor, input: SegmentInput, timezone: string): Promise<Segment> {
  compiled(input.filter, timezone);
  const id = await db.tx(async (tx) => {
    const r = await tx.query(
      `INSERT INTO segments (name, description, filter, refresh, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING id`,
      [input.name, input.description ?? '', JSON.stringify(input.filter), input.refresh ?? 'daily', actor.kind === 'staff' ? actor.id : null],
    );
    if (!r.rows[0]) throw nameTaken();
    await recordAudit(tx, actor, { action: 'create', entity: 'segment', entityId: r.rows[0].id, details: { name: input.name, filter: input.filter } });
    return r.rows[0].id as number;
  });
  await refreshSegment(db, id, timezone);
  return getSegment(db, id);
}

export async function updateSegment(db: Db, actor: Actor, id: number, input: Partial<SegmentInput> & { version: number }, timezone: string): Promise<Segment> {
  if (input.filter !== undefined) compiled(input.filter, timezone);
  await db.tx(async (tx) => {
    const cur = await getSegment(tx, id);
    if (cur.version !== input.version) throw conflict('STALE_VERSION', 'Someone changed this segment meanwhile; reload and try again.', '该分群已被他人修改，请刷新后重试。');
    await tx.query(
      `UPDATE segments SET name = $2, description = $3, filter = $4, refresh = $5, version = version + 1, updated_at = now() WHERE id = $1`,
      [id, input.name ?? cur.name, input.description ?? cur.description, JSON.stringify(input.filter ?? cur.filter), input.refresh ?? cur.refresh],
    ).catch((e) => {
      throw e.code === '23505' ? nameTaken() : e;
    });
    const { version: _v, ...changes } = input;
    await recordAudit(tx, actor, { action: 'update', entity: 'segment', entityId: id, details: changes });
  });
  if (input.filter !== undefined) await refreshSegment(db, id, timezone);
  return getSegment(db, id);
}

export async function archiveSegment(db: Db, actor: Actor, id: number): Promise<void> {
  await db.tx(async (tx) => {
    await getSegment(tx, id);
    await tx.query('UPDATE segments SET archived_at = now() WHERE id = $1', [id]);
    await tx.query('DELETE FROM segment_members WHERE segment_id = $1', [id]);
    await recordAudit(tx, actor, { action: 'archive', entity: 'segment', entityId: id });
  });
}

/** Re-evaluates the filter and brings the stored members up to date in three set-based statements; records the size. */
export async function refreshSegment(db: Db, id: number, timezone: string): Promise<{ memberCount: number; joined: number; left: number }> {
  return db.tx(async (tx) => {
    const seg = await tx.query('SELECT filter FROM segments WHERE id = $1 AND archived_at IS NULL FOR UPDATE', [id]);
    if (!seg.rows[0]) throw notFound('Segment', '分群');
    const c = compiled(seg.rows[0].filter, timezone);
    await tx.query('CREATE TEMP TABLE segment_target (id bigint PRIMARY KEY) ON COMMIT DROP');
    await tx.query(`INSERT INTO segment_target SELECT c.id FROM ${c.from} WHERE c.status = 'active' AND ${c.where}`, c.params);
    const left = await tx.query(
      'DELETE FROM segment_members m WHERE m.segment_id = $1 AND NOT EXISTS (SELECT 1 FROM segment_target t WHERE t.id = m.customer_id)',
      [id],
    );
    const joined = await tx.query(
      'INSERT INTO segment_members (customer_id, segment_id) SELECT t.id, $1 FROM segment_target t ON CONFLICT DO NOTHING',
      [id],
    );
    const n = (await tx.query('SELECT count(*)::int AS n FROM segment_members WHERE segment_id = $1', [id])).rows[0].n as number;
    await tx.query('UPDATE segments SET member_count = $2, refreshed_at = now() WHERE id = $1', [id, n]);
    await tx.query('INSERT INTO segment_sizes (segment_id, member_count, joined, "left") VALUES ($1, $2, $3, $4)', [id, n, joined.rowCount, left.rowCount]);
    return { memberCount: n, joined: joined.rowCount, left: left.rowCount };
  });
}

/** The nightly job: every segment set to refresh daily. */
export async function refreshDailySegments(db: Db, timezone: string): Promise<number> {
  const ids = (await db.query(`SELECT id FROM segments WHERE archived_at IS NULL AND refresh = 'daily' ORDER BY id`)).rows.map((r) => r.id as number);
  for (const id of ids) await refreshSegment(db, id, timezone);
  return ids.length;
}

export async function segmentSizes(q: Queryable, id: number) {
  await getSegment(q, id);
  const r = await q.query(
    `SELECT measured_at AS "measuredAt", member_count AS "memberCount", joined, "left" FROM segment_sizes WHERE segment_id = $1 ORDER BY measured_at DESC LIMIT 400`,
    [id],
  );
  return r.rows.reverse();
}

/** The ids of a segment's active members as last refreshed, in id order, at most `limit` of them; 404 for an unknown or archived segment. */
export async function segmentMemberIds(q: Queryable, id: number, limit: number): Promise<number[]> {
  await getSegment(q, id);
  const r = await q.query(
    `SELECT m.customer_id AS id FROM segment_members m JOIN customers c ON c.id = m.customer_id
      WHERE m.segment_id = $1 AND c.status = 'active' ORDER BY m.customer_id LIMIT $2`,
    [id, limit],
  );
  return r.rows.map((x: any) => Number(x.id));
}

export const MEMBER_COLUMNS = ['id', 'name', 'mobile', 'email', 'gender', 'birthday', 'city', 'region', 'cardNo', 'tags', 'registeredAt'] as const;

/** One page of a segment's stored members, keyset-paged by customer id. */
export async function segmentMembers(q: Queryable, id: number, opts: { afterId?: number; limit: number; seePii: boolean }) {
  const r = await q.query(
    `SELECT c.id, c.name, c.mobile, c.email, c.gender, c.birthday, c.city, c.region, c.card_no AS "cardNo", c.tags, c.registered_at AS "registeredAt"
       FROM segment_members m JOIN customers c ON c.id = m.customer_id
      WHERE m.segment_id = $1 AND m.customer_id > $2 AND c.status = 'active'
      ORDER BY m.customer_id LIMIT $3`,
    [id, opts.afterId ?? 0, opts.limit],
  );
  return r.rows.map((c: any) => maskCustomer(c, opts.seePii));
}
